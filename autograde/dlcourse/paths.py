"""Where the course's pieces live, and which lessons exist."""

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS_DIR = REPO_ROOT / "solutions"  # nbgrader's source: full solutions and hidden tests
LESSONS_DIR = REPO_ROOT / "lessons"  # nbgrader's release: what students get, generated
CONFIG_DIR = REPO_ROOT / "autograde"  # the grader: this package and the course's nbgrader_config.py (code only)
# The default course's state: gradebook, submissions, grades, feedback, exports. Made on first use,
# git-ignored as a whole, and never mixed with code.
COURSE_DIR = REPO_ROOT / "course"

COURSE_ID = "dl-from-scratch"

# A lesson id is two digits, a dash and a lower-case slug: "01-perceptron".
LESSON_ID = re.compile(r"^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$")


def lesson_ids(solutions_dir=None):
    """The ids of all lessons that have a folder in solutions_dir, in course order.

    By default the instructor sources (solutions/); in a student's copy of the course, which
    has none (`dlcourse student-bundle`), the released lessons (lessons/).
    """
    if solutions_dir is None:
        solutions_dir = SOLUTIONS_DIR if SOLUTIONS_DIR.is_dir() else LESSONS_DIR
    solutions_dir = Path(solutions_dir)
    if not solutions_dir.is_dir():
        return []
    return sorted(p.name for p in solutions_dir.iterdir() if p.is_dir() and LESSON_ID.match(p.name))


def lesson_notebook(lesson_id, base_dir=SOLUTIONS_DIR):
    """The path of a lesson's notebook: <base>/<id>/<id>.ipynb (one notebook per lesson)."""
    return Path(base_dir) / lesson_id / f"{lesson_id}.ipynb"
