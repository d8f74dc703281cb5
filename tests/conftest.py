"""Shared fixtures, and how `make test` spreads the tests over processes (pytest-xdist).

Every notebook the tests run uses the lessons' fast mode.
"""

import os
import re
import sys
from collections import defaultdict
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


_alembic_heads = {}  # {alembic executable: what `alembic heads` answered}


def _alembic_version_once_per_executable(real):
    """nbgrader stamps every gradebook it creates with the schema's version, which it learns by running
    `alembic heads` (a new Python process: seconds); the answer depends only on the installed alembic and
    nbgrader, and the tests create dozens of gradebooks. Ask each alembic executable once per process.
    Where PATH leads to no alembic, or to another one, nbgrader's own call runs (and fails as it would)."""
    def get_alembic_version():
        import shutil
        executable = shutil.which("alembic")
        if executable not in _alembic_heads:
            version = real()
            if executable is None:
                return version
            _alembic_heads[executable] = version
        return _alembic_heads[executable]
    get_alembic_version.real = real
    return get_alembic_version


@pytest.fixture(autouse=True)
def _alembic_heads_asked_once():
    api = sys.modules.get("nbgrader.api")  # only once a test module has loaded nbgrader
    if api is not None and not hasattr(api.get_alembic_version, "real"):
        api.get_alembic_version = _alembic_version_once_per_executable(api.get_alembic_version)


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
# These groups are split by lesson: the tests of one lesson (a lesson parameter, or a name
# test_NN_...) form a group of their own, the module's other tests another. Their expensive
# module-scoped fixtures are parametrized by lesson (or cached per lesson), so no work is
# done twice; the lessons can then run in both processes.
SPLIT_BY_LESSON = {"solution-runs", "tests/test_no_free_answers.py", "tests/test_mistake_catalogue.py",
                   "tests/test_selfcheck.py", "tests/test_merge.py", "tests/test_repair_split.py"}
LESSON_ID = re.compile(r"\b(\d\d)-[a-z0-9]+(?:-[a-z0-9]+)*")
LESSON_NAME = re.compile(r"::test_(\d\d)_")

# About how many seconds each group takes in `make test` (two processes on two cores), from
# `make test PYTEST_ARGS=--group-times`. The longest start first, so that no process is left
# with a long one at the end while the other has finished; a group not listed counts as short.
GROUP_SECONDS = {
    "jupyterlab": 260, "tests/test_grading_pipeline.py": 221, "tests/test_repair.py": 116,
    "tests/test_hub_round_trip.py": 80, "tests/test_diagnosis_grading.py": 50, "tests/test_diagnosis.py": 45,
    "tests/test_student_bundle.py": 43, "tests/test_repair_split.py": 39, "tests/test_stats.py": 32,
    "tests/test_regrading.py": 29, "tests/test_sharding.py": 29, "tests/test_sandbox.py": 27,
    "tests/test_deadlines.py": 20, "tests/test_playground.py": 20, "tests/test_train_cnn_10.py": 18,
    "tests/test_config_loads.py": 17, "tests/test_fail_closed.py": 16, "tests/test_selfcheck.py": 14,
    "tests/test_cli_groups.py": 13, "tests/test_lms_export.py": 13, "tests/test_postgres_gradebook.py": 13,
    "tests/test_checker.py": 12, "tests/test_hub_permissions.py": 12, "tests/test_export.py": 10,
    "tests/test_install.py": 10, "tests/test_release_assignment.py": 10, "tests/test_landscapes.py": 8,
    "tests/test_student_round_trip.py": 8, "tests/test_build.py": 7, "tests/test_activations_widgets.py": 6,
    "tests/test_lesson_claims.py": 5, "tests/test_regularization_viz.py": 5,
}
# Split groups (SPLIT_BY_LESSON), by lesson:
for _group, _lessons in {
    "solution-runs": {"08": 5, "09": 6, "10": 17},
    "tests/test_mistake_catalogue.py": {"01": 13, "02": 8, "03": 12, "04": 15, "05": 26, "06": 17, "07": 10,
                                        "08": 9, "09": 37, "10": 57},
    "tests/test_no_free_answers.py": {"01": 20, "02": 82, "03": 23, "04": 38, "05": 37, "06": 14, "07": 28,
                                      "08": 33, "09": 26, "10": 39},
    "tests/test_repair_split.py": {"01": 10, "03": 13, "04": 34, "05": 16},
    "tests/test_selfcheck.py": {"08": 24, "09": 13, "10": 15},
}.items():
    GROUP_SECONDS.update({f"{_group}[{lesson}]": seconds for lesson, seconds in _lessons.items()})


def lesson_of(nodeid):
    """The two-digit number of the lesson a test is about ('05'), from its parameters or its
    name (test_05_...), or None."""
    params = nodeid.partition("[")[2]
    found = LESSON_ID.search(params) or LESSON_NAME.search(nodeid)
    return found and found.group(1)


def group_of(nodeid):
    """The group of a test, from its node id (tests/test_x.py::test_y[param])."""
    path = nodeid.split("::", 1)[0]
    group = next((group for prefix, group in SHARED_GROUPS.items() if path.startswith(prefix)), path)
    lesson = group in SPLIT_BY_LESSON and lesson_of(nodeid)
    return f"{group}[{lesson}]" if lesson else group


def pytest_addoption(parser):
    parser.addoption("--group-times", action="store_true",
                     help="print how long each group of tests took (see GROUP_SECONDS in tests/conftest.py)")


def pytest_configure(config):
    # xdist would otherwise order the groups by their number of tests, not by their length.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items):
    def key(item):
        group = group_of(item.nodeid)
        return -GROUP_SECONDS.get(group, 0), group
    items.sort(key=key)  # stable: a group's tests keep their order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """xdist's scope scheduling, with our groups as the scopes. (Its own --dist loadgroup
    marks node ids in a way pytest 9 no longer sees.)"""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return group_of(nodeid)

    return GroupScheduling(config, log)


_seconds, _per_process = defaultdict(float), defaultdict(float)


def pytest_runtest_logreport(report):
    """Each group's seconds and each process's, for --group-times (with -n, in the controlling process)."""
    _seconds[group_of(report.nodeid)] += report.duration
    node = getattr(report, "node", None)  # with -n: the worker that ran the test
    _per_process[node.gateway.id if node else "this process"] += report.duration


def pytest_terminal_summary(terminalreporter, config):
    if not config.getoption("group_times") or not _seconds:
        return
    write = terminalreporter.write_line
    terminalreporter.section("seconds per group")
    for group, seconds in sorted(_seconds.items(), key=lambda item: -item[1]):
        write(f"{seconds:8.1f}  {group}")
    write("per process: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in sorted(_per_process.items())))
