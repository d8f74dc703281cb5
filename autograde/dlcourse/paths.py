"""Where the course's pieces live, and which lessons exist.

Everything is found from one folder, the course root: the repository (solutions/, lessons/,
autograde/), or a student's copy of the course (lessons/, autograde/; `dlcourse student-bundle`).
It comes from configuration, not only from where this package is installed:

1. $DLCOURSE_ROOT, when set;
2. the folder this package lives in, when that is a course's autograde/dlcourse/ (the editable
   install `make lab` and `make test` make, or the checkout on PYTHONPATH);
3. else the working folder or the nearest folder above it that holds lessons/ and autograde/.

A copy installed elsewhere (`pip install .`, not editable) therefore works from inside a course
or with DLCOURSE_ROOT; anywhere else `require_root()` raises CourseNotFound, which `dlcourse`
reports in one line naming what to do.
"""

import os
import re
from pathlib import Path

ROOT_VARIABLE = "DLCOURSE_ROOT"
_PACKAGE = Path(__file__).resolve().parent


class CourseNotFound(RuntimeError):
    """No course root: a non-editable install run outside a course, or a wrong DLCOURSE_ROOT."""


def is_course_root(folder):
    """A folder holding a course: its released lessons/ and autograde/ (the grader, its configuration)."""
    folder = Path(folder)
    try:
        return (folder / "lessons").is_dir() and (folder / "autograde").is_dir()
    except OSError:  # a folder this user may not look into
        return False


def find_root(environ=os.environ, cwd=None):
    """The course root by the rules above, or None when there is none."""
    if environ.get(ROOT_VARIABLE):
        return Path(environ[ROOT_VARIABLE]).expanduser().resolve()
    home = _PACKAGE.parents[1]
    if _PACKAGE.parent.name == "autograde" and is_course_root(home):
        return home
    try:
        here = Path(cwd or Path.cwd()).resolve()
    except OSError:  # the working folder was deleted
        return None
    return next((folder for folder in (here, *here.parents) if is_course_root(folder)), None)


_FOUND = find_root()
# Without a course root the paths point where an editable install would have them (and do not exist);
# the `dlcourse` command stops first (require_root).
REPO_ROOT = _FOUND or _PACKAGE.parents[1]
SOLUTIONS_DIR = REPO_ROOT / "solutions"  # nbgrader's source: full solutions and hidden tests
LESSONS_DIR = REPO_ROOT / "lessons"  # nbgrader's release: what students get, generated
CONFIG_DIR = REPO_ROOT / "autograde"  # the grader: this package and the course's nbgrader_config.py (code only)
# The default course's state: gradebook, submissions, grades, feedback, exports. Made on first use,
# git-ignored as a whole, and never mixed with code.
COURSE_DIR = REPO_ROOT / "course"

COURSE_ID = "dl-from-scratch"

# A lesson id is two digits, a dash and a lower-case slug: "01-perceptron".
LESSON_ID = re.compile(r"^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$")


def require_root():
    """The course root; CourseNotFound with what to do when there is none."""
    if _FOUND is None:
        raise CourseNotFound(
            f"no course found: dlcourse is installed in {_PACKAGE.parent}, outside a course, and neither "
            "the working folder nor a folder above it holds lessons/ and autograde/. Run it inside the course "
            f"folder, set {ROOT_VARIABLE}=/path/to/the/course, or install the course editable (pip install -e).")
    if not is_course_root(_FOUND):
        raise CourseNotFound(f"{ROOT_VARIABLE}={_FOUND} is not a course folder (no lessons/ and autograde/ there)")
    return _FOUND


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
