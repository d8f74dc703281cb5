"""Shared fixtures, and how `make test` spreads the tests over processes (pytest-xdist).

Every notebook the tests run uses the lessons' fast mode.
"""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Kernels started by the tests inherit this: lessons train briefly on little data.
os.environ["DLCOURSE_FAST"] = "1"
# nbgrader's autograde runs `alembic`, which must come from this environment.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture(scope="session")
def repo():
    return REPO


# With `pytest -n N` (make test), the tests of one group run in one process, in order. A module
# is a group (its module-scoped fixtures, such as a graded class, are built once); these
# modules share one as well:
SHARED_GROUPS = {
    # Each starts JupyterLab on the students' folder tests/artifacts/work.
    "tests/browser/": "jupyterlab",
    "tests/test_course_setup.py": "jupyterlab",
    # One cached run of each solution notebook (lesson_checks.run_solution).
    "tests/test_lessons.py": "solution-runs",
    "tests/test_plot_accessibility.py": "solution-runs",
    "tests/test_lesson_claims_b.py": "solution-runs",
}
# The longest groups start first, so that no process is left with a long one at the end.
LONGEST_FIRST = ["jupyterlab", "tests/test_grading_pipeline.py", "tests/test_hub_round_trip.py", "tests/test_repair.py",
                 "tests/test_stats.py", "tests/test_mistake_catalogue.py", "tests/test_selfcheck.py", "tests/test_merge.py",
                 "tests/test_no_free_answers.py"]


def group_of(nodeid):
    """The group of a test, from its node id (tests/test_x.py::test_y[param])."""
    path = nodeid.split("::", 1)[0]
    return next((group for prefix, group in SHARED_GROUPS.items() if path.startswith(prefix)), path)


def pytest_collection_modifyitems(items):
    rank = {group: n for n, group in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(group_of(item.nodeid), len(rank)))  # stable within a group


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """xdist's scope scheduling, with our groups as the scopes. (Its own --dist loadgroup
    marks node ids in a way pytest 9 no longer sees.)"""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return group_of(nodeid)

    return GroupScheduling(config, log)
