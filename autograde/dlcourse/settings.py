"""The nbgrader settings every course folder of this course uses.

`autograde/nbgrader_config.py` (the instructor's course) and every temporary
course made by `dlcourse` or the tests call `configure`, so all of them grade
the same way. Plain `nbgrader` commands and the Formgrader read the same file.
"""

import os
from pathlib import Path

from .paths import COURSE_ID, LESSONS_DIR, SOLUTIONS_DIR

# Seconds one cell may run while validating or autograding. Lessons skip long
# training when graded (utils.fast_mode), so a cell that runs longer than this
# is stuck. Override with the environment variable DLCOURSE_CELL_TIMEOUT.
CELL_TIMEOUT = 60

# Arguments for every kernel nbgrader starts. Minimal tracebacks name the
# exception and its message but quote no source line, so a failing hidden
# test never shows its code in feedback or in the Validate dialogue.
KERNEL_ARGUMENTS = [
    "--HistoryManager.hist_file=:memory:",
    "--InteractiveShell.xmode=Minimal",
    # The kernel's own log (not the notebook's output) only has noise for a grader.
    "--IPKernelApp.log_level=ERROR",
]

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"


def cell_timeout():
    """The per-cell timeout in seconds, from DLCOURSE_CELL_TIMEOUT when set."""
    value = os.environ.get("DLCOURSE_CELL_TIMEOUT", "")
    if not value:
        return CELL_TIMEOUT
    try:
        seconds = int(value)
    except ValueError:
        raise ValueError(f"DLCOURSE_CELL_TIMEOUT must be a whole number of seconds, not {value!r}") from None
    if seconds <= 0:
        raise ValueError(f"DLCOURSE_CELL_TIMEOUT must be positive, not {seconds}")
    return seconds


def gradebook_url(course_root):
    """The SQLite gradebook of a course folder. Writers wait up to a minute for
    each other instead of failing, so parallel grading is safe."""
    return f"sqlite:///{Path(course_root).resolve() / 'gradebook.db'}?timeout=60"


def configure(c, course_root, *, source_dir=SOLUTIONS_DIR, release_dir=LESSONS_DIR,
              exchange_dir=None, course_id=COURSE_ID, db_url=None):
    """Apply the course's nbgrader settings to the traitlets config `c`.

    course_root: the folder that holds gradebook.db, submitted/, autograded/
    and feedback/. source_dir and release_dir are absolute, so the same
    sources serve any number of course folders. db_url (or the environment
    variable DLCOURSE_DB_URL) selects a server database instead of SQLite.
    """
    course_root = Path(course_root).resolve()
    c.CourseDirectory.root = str(course_root)
    c.CourseDirectory.course_id = course_id
    c.CourseDirectory.source_directory = str(Path(source_dir).resolve())
    c.CourseDirectory.release_directory = str(Path(release_dir).resolve())
    c.CourseDirectory.db_url = db_url or os.environ.get("DLCOURSE_DB_URL") or gradebook_url(course_root)

    # A local exchange by default, so that release / fetch / submit / collect
    # work for one person without root rights; a shared one on a server.
    exchange = Path(exchange_dir or os.environ.get("DLCOURSE_EXCHANGE") or course_root / "exchange")
    exchange.mkdir(parents=True, exist_ok=True)
    c.Exchange.root = str(exchange)
    c.Exchange.path_includes_course = True

    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.text_stub = TEXT_STUB

    c.Execute.timeout = cell_timeout()
    c.Execute.interrupt_on_timeout = True
    c.Execute.extra_arguments = list(KERNEL_ARGUMENTS)

    # Feedback is made from the autograded notebook, which holds the hidden
    # tests again: strip them before rendering.
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.ClearHiddenTests",
        "nbgrader.preprocessors.GetGrades",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]
    # Keep huge outputs (a print in a loop) out of the gradebook and feedback.
    c.LimitOutput.max_lines = 1000
    c.LimitOutput.max_traceback = 100
    return c
