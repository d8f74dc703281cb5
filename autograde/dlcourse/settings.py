"""The nbgrader settings every course folder of this course uses.

`autograde/nbgrader_config.py` (the instructor's course) and every temporary
course made by `dlcourse` or the tests call `configure`, so all of them grade
the same way. Plain `nbgrader` commands and the Formgrader read the same file.
"""

import os
from pathlib import Path

from . import headless
from .paths import COURSE_DIR, COURSE_ID, LESSONS_DIR, REPO_ROOT, SOLUTIONS_DIR

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

# Limits for each submission while it is graded; each has an environment variable to override it.
LIMITS = {
    "DLCOURSE_NOTEBOOK_TIMEOUT": ("SafeExecute", "notebook_timeout", 600),  # seconds for the whole notebook
    "DLCOURSE_MEMORY_MB": ("SandboxedKernelManager", "memory_mb", 2048),  # address space per process
    "DLCOURSE_MAX_PROCESSES": ("SandboxedKernelManager", "max_processes", 128),  # processes and threads
    "DLCOURSE_MAX_OUTPUT": ("SafeExecute", "max_cell_output", 2_000_000),  # characters of output per cell
    "DLCOURSE_STUCK_GRACE": ("SafeExecute", "stuck_grace", 5),  # seconds to stop after an interrupt
}

# Everything in the repository a graded kernel must not read: answers, hidden tests, other
# people's work, history. It keeps utils/ and data/ (the lessons use them) and dlcourse itself.
REPOSITORY_SECRETS = ("solutions", "tests", "benchmarks", ".git", "work")

UNSAFE_VARIABLE = "DLCOURSE_UNSAFE"  # "1": grade even without bubblewrap (results marked "not isolated")

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"


def _positive_int(name, default):
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name} must be positive, not {number}")
    return number


def hidden_paths(course_root, source_dir, exchange):
    """Folders the sandboxed kernel sees as empty: REPOSITORY_SECRETS, the sources, the exchange and
    every course folder as a whole (a course folder holds state only, never code the kernel needs)."""
    paths = [Path(source_dir), Path(exchange), Path(course_root), COURSE_DIR]
    paths += [REPO_ROOT / name for name in REPOSITORY_SECRETS]
    return sorted({str(p.resolve()) for p in paths})


def cell_timeout():
    """The per-cell timeout in seconds, from DLCOURSE_CELL_TIMEOUT when set."""
    return _positive_int("DLCOURSE_CELL_TIMEOUT", CELL_TIMEOUT)


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
    headless.quiet_nbgrader_execute()  # Validate and plain nbgrader would stall on Output widgets
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
    # Feedback for a submission placed in submitted/ by hand is skipped, not fatal (dlcourse/exchange.py).
    c.ExchangeFactory.release_feedback = "dlcourse.exchange.ReleaseFeedback"
    # A fresh course folder releases a lesson without a separate generate_assignment (dlcourse/exchange.py).
    c.ExchangeFactory.release_assignment = "dlcourse.exchange.ReleaseAssignment"

    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.text_stub = TEXT_STUB

    c.Execute.timeout = cell_timeout()
    c.Execute.interrupt_on_timeout = True
    c.Execute.extra_arguments = list(KERNEL_ARGUMENTS)

    # Before grading: repair what editing damaged (split, merged, copied, deleted cells: dlcourse/repair/),
    # note changed or deleted graded cells, then let nbgrader restore them. Submissions are read as the
    # repair reads them (an empty file is an empty notebook; repeated cell ids fixed deterministically).
    c.Autograde.exporter_class = "dlcourse.repair.preprocessor.TolerantExporter"
    c.Autograde.sanitize_preprocessors = [
        "nbgrader.preprocessors.ClearOutput",
        "dlcourse.repair.preprocessor.RepairCells",
        "dlcourse.sandbox.tamper.FlagChangedCells",
        "nbgrader.preprocessors.DeduplicateIds",
        "nbgrader.preprocessors.OverwriteKernelspec",
        "nbgrader.preprocessors.OverwriteCells",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.OverwriteCells.add_missing_cells = True
    # Autograding runs each submission in the sandbox, with limits (dlcourse/sandbox/).
    c.Autograde.autograde_preprocessors = [
        "dlcourse.sandbox.execute.SafeExecute",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    # Late penalties: nbgrader's plugin with more methods (dlcourse/late.py); its policy is the [penalty]
    # table of the course's deadlines.toml, which lines after configure(...) may override.
    c.AssignLatePenalties.plugin_class = "dlcourse.late.LatePenalty"
    # Never raise here: nbgrader would ignore this whole file (and grade without the sandbox).
    from .deadlines import DeadlineError, read_policy
    try:
        for trait, value in read_policy(course_root).items():
            setattr(c.LatePenalty, trait, value)
    except (DeadlineError, OSError) as err:
        c.LatePenalty.policy_error = str(err)  # late submissions then fail to grade, saying why
    for variable, (section, trait, default) in LIMITS.items():
        setattr(c[section], trait, _positive_int(variable, default))
    c.SandboxedKernelManager.hidden_paths = hidden_paths(course_root, source_dir, exchange)
    # Fail closed: no kernel runs a submission without file-system isolation unless the instructor
    # asked for it (`dlcourse grade --unsafe` sets this for its workers).
    c.SandboxedKernelManager.require_isolation = os.environ.get(UNSAFE_VARIABLE) != "1"

    # Feedback is made from the autograded notebook, which holds the hidden
    # tests again: strip them before rendering.
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.ClearHiddenTests",
        "nbgrader.preprocessors.GetGrades",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]
    # The sandbox's report on a submission and the record of the tests that graded it are for the
    # instructor: never copied into feedback/ (nbgrader copies every other file of autograded/ there),
    # nor taken from a submission.
    from .sandbox.execute import GRADING_REPORT
    from .versions import VERSION_RECORD
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", GRADING_REPORT,
                                VERSION_RECORD]
    # Exports quote names like "Smith, Jr." and add status and review columns (dlcourse/export.py).
    c.ExportApp.plugin_class = "dlcourse.export.GradesExport"
    # Keep huge outputs (a print in a loop) out of the gradebook and feedback.
    c.LimitOutput.max_lines = 1000
    c.LimitOutput.max_traceback = 100
    return c
