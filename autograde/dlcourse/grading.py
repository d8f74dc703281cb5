"""Autograde, feedback and export on a course folder, with a readable summary.

`grade` is one pass per lesson:

    parent   load the course config once (LoadedCourse) -> prepare: generate_assignment (load_source)
             -> roster -> tests' version, deadlines (late.sync); a shard skips it (sharding.py)
             -> plan (versions.py)
    workers  (parallel.py, given the parent's config) per submission: nbgrader autograde, whose
             sanitize steps repair the notebook (repair.preprocessor.RepairCells) before the
             sandbox runs it -> results.complete: status, score and every cell's points,
             lateness, the sandbox's findings (records.SandboxReport), the repair's notes
             (repair.recorded), timing, the tests-version record -> GradeResult
    parent   on_progress / the summary (cli/instructor.py, summary.py)

The export (export.py) and `dlcourse stats` read what the pass left: the gradebook, the
sandbox's report and the folders; records.py defines the findings, statuses and results.
"""

import csv
import html
import os
import re
from collections.abc import Callable
from pathlib import Path

from . import deadlines, late, notebooks, parallel, sharding, versions
from .course import LoadedCourse, api_call, grading_release, run_nbgrader
from .paths import lesson_notebook
from .records import KINDS, Finding, GradeResult, SandboxReport, Status
from .settings import UNSAFE_VARIABLE

# The records live in records.py; GradeResult, Finding, Status and KINDS are also importable from here.
__all__ = ["GradeResult", "Finding", "Status", "KINDS", "grade", "feedback", "export", "outdated_scores"]


class IsolationUnavailable(RuntimeError):
    """Grading was asked for without file-system isolation on a machine that cannot provide it."""


def _config_value(course, name):
    """Read a path nbgrader was configured with, by loading the course's config."""
    return LoadedCourse.load(course).setting(name)


def _loaded(course: "Path | str | LoadedCourse") -> LoadedCourse:
    return course if isinstance(course, LoadedCourse) else LoadedCourse.load(course)


def submitted_students(course, lesson: str) -> list[str]:
    """Students with a submission folder for the lesson, sorted."""
    return sorted(p.parent.name for p in Path(course, "submitted").glob(f"*/{lesson}") if p.is_dir())


def read_roster(course) -> list[dict[str, str | None]]:
    """The students listed in <course>/students.csv: [{id, first_name, last_name, email}]."""
    roster = Path(course, "students.csv")
    if not roster.exists():
        return []
    with open(roster, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if rows and "id" not in rows[0]:
        raise ValueError(f"{roster} needs a header row with an 'id' column (and optionally first_name, last_name, email)")
    students = []
    for n, row in enumerate(rows, 2):
        sid = (row.get("id") or "").strip()
        if not sid:
            raise ValueError(f"{roster}, line {n}: empty student id")
        students.append({"id": sid, **{k: (row.get(k) or "").strip() or None
                                       for k in ("first_name", "last_name", "email")}})
    return students


def import_roster(course) -> int:
    """Add or update the roster's students in the gradebook; returns how many."""
    course = _loaded(course)
    students = read_roster(course.root)
    if students:
        with course.gradebook() as gb:
            for student in students:
                gb.update_or_create_student(student["id"], **{k: v for k, v in student.items() if k != "id"})
    return len(students)


def grade(lesson: str, course, *, students: list[str] | None = None, workers: int | None = None,
          on_progress: Callable[[GradeResult, int, int], None] | None = None, unsafe: bool = False,
          only_new: bool = False, on_plan: Callable[[versions.Plan], None] | None = None,
          shard: "sharding.Shard | None" = None) -> list[GradeResult]:
    """Autograde every submission of `lesson` in `course` (or only `students`).

    Makes sure the gradebook holds the current source first, so a hidden test
    fixed after release is used; that step writes the student version into the
    course folder (grading_release), never into the repository's lessons/.
    With only_new, submissions graded by the current tests from the same files
    are skipped (dlcourse/versions.py). on_plan(plan) is called with the
    versions.Plan before grading starts. Submissions are graded in parallel
    (workers: default one per core). A submission that cannot be graded is
    reported and never stops the others. on_progress(result, finished, total)
    is called as each one finishes. Each score gets a record of the tests'
    version, and due dates, extensions and late penalties are brought up to date
    from deadlines.toml (dlcourse/late.py). Returns a list of GradeResult,
    sorted by student.

    With `shard` (sharding.Shard), only that shard's part of them, and none of the
    once-per-lesson work (prepare): `dlcourse grade LESSON --prepare` did it before
    the shards started (sharding.py); ShardError when it did not.

    Refuses (IsolationUnavailable) when bubblewrap cannot isolate the kernels,
    unless `unsafe`: then every result is marked not isolated.
    """
    from . import sandbox
    if not unsafe and not sandbox.bwrap_path():
        raise IsolationUnavailable("grading needs file-system isolation, and bubblewrap is not available "
                                   "here. " + sandbox.INSTALL_BWRAP)
    run = dict(students=students, workers=workers, on_progress=on_progress, only_new=only_new, on_plan=on_plan,
               shard=shard)
    if not unsafe:
        return _grade(lesson, course, **run)
    previous = os.environ.get(UNSAFE_VARIABLE)
    os.environ[UNSAFE_VARIABLE] = "1"  # the workers' course settings then allow unisolated kernels
    try:
        return _grade(lesson, course, **run)
    finally:
        if previous is None:
            os.environ.pop(UNSAFE_VARIABLE, None)
        else:
            os.environ[UNSAFE_VARIABLE] = previous


def load_source(course, lesson: str) -> None:
    """generate_assignment: the lesson's current source into the gradebook, its student version into
    the course folder (grading_release), whatever release folder the course publishes from."""
    course = _loaded(course)
    api = course.api()
    api.coursedir.release_directory = str(grading_release(course.root))
    api_call(api.generate_assignment(lesson, force=True, create=True),
             f"generate_assignment {lesson} (loading the source into the gradebook)")


def prepare(course: LoadedCourse, lesson: str) -> versions.TestsVersion:
    """The once-per-lesson work of a grading pass, before any submission is graded: the lesson's source
    into the gradebook and the student version into the course (load_source), the roster, and every
    submission's due date, extension and penalty (deadlines.toml may have changed since the last grade).
    Returns the tests' version the gradebook then holds. A sharded run does it once (`--prepare`)."""
    load_source(course, lesson)
    import_roster(course)
    with course.gradebook() as gb:
        version = versions.tests_version(gb, lesson)
        late.sync(gb, course.root, course.config, lessons=[lesson])
    return version


def _grade(lesson, course, *, students, workers, on_progress, only_new, on_plan, shard=None):
    """One pass: the course's configuration is loaded once, here; each worker returns its
    submission's complete GradeResult (results.py), repair notes included."""
    course = Path(course).resolve()
    deadlines.check(course)
    loaded = LoadedCourse.load(course)  # the only run of nbgrader_config.py in this pass
    version = prepare(loaded, lesson) if shard is None else sharding.prepared_version(loaded, lesson)
    everyone = submitted_students(course, lesson)
    chosen = sorted(set(students)) if students else everyone
    missing = sorted(set(chosen) - set(everyone))
    if missing:
        raise ValueError(f"no submission of {lesson} for: {', '.join(missing)} (looked in {course / 'submitted'})")
    if shard is not None:
        chosen = shard.part(chosen)
    plan = versions.plan(course, lesson, version, chosen, only_new=only_new)
    if on_plan:
        on_plan(plan)
    results = {}

    def finished(result, done, total):
        results[result.student] = result
        if on_progress:
            on_progress(result, done, total)

    if plan.grade:
        parallel.autograde(loaded, lesson, plan, workers=workers, on_done=finished)
    return [results[s] for s in plan.grade]


def outdated_scores(course, lesson: str) -> list[versions.Outdated]:
    """Scores of `lesson` that another version of its tests made, as [versions.Outdated]; [] when the
    gradebook does not know the lesson."""
    from nbgrader.api import MissingEntry
    course = _loaded(course)
    with course.gradebook() as gb:
        try:
            version = versions.tests_version(gb, lesson)
        except MissingEntry:
            return []
    return versions.outdated(course.root, lesson, version)


class FeedbackLeak(RuntimeError):
    """Some feedback pages would have shown hidden tests; they were deleted (the others were kept)."""

    def __init__(self, written, leaks):
        self.written, self.leaks = written, leaks  # leaks: [(deleted page, a hidden line it showed)]
        pages = "\n".join(f"  {page}: shows {line!r}" for page, line in leaks)
        super().__init__(f"{len(leaks)} feedback page(s) would have shown hidden tests and were deleted "
                         f"({len(written)} other page(s) were written):\n{pages}\n"
                         "Check GenerateFeedback.preprocessors in the course settings (ClearHiddenTests).")


def feedback(lesson: str, course, *, students: list[str] | None = None) -> list[Path]:
    """Generate HTML feedback for graded submissions, then check none of it shows a hidden test.

    Returns the list of feedback files written. Every page is checked; each that would
    show a hidden test is deleted (better no feedback than a leak) and, when any was,
    FeedbackLeak is raised after all pages were checked, naming them.
    """
    course = Path(course).resolve()
    args = ["generate_feedback", lesson, "--force"]
    if students:
        for s in students:
            run_nbgrader(course, *args, f"--student={s}")
    else:
        run_nbgrader(course, *args)
    files = sorted(Path(course, "feedback").glob(f"*/{lesson}/*.html"))
    source = notebooks.read(lesson_notebook(lesson, _config_value(course, "source_directory")))
    hidden = {line for cell in source.cells
              for line in notebooks.region_lines(cell.source, notebooks.BEGIN_HIDDEN, notebooks.END_HIDDEN)}
    # A hidden line that is part of a line every student sees (a visible test's `warnings.simplefilter("error")`
    # with a comment after it) shows nothing hidden.
    public = _public_lines(source)
    hidden = {line for line in hidden if not any(" ".join(line.split()) in seen for seen in public)}
    written, leaks = [], []
    for path in files:
        student = path.parents[1].name
        # A line the student wrote themselves (the same as one in a hidden test) is no leak.
        own = submitted_lines(course, student, lesson)
        text = visible_text(path.read_text(encoding="utf-8"))
        shown = [line for line in sorted(hidden - own) if " ".join(line.split()) in text]
        shown += [m.group(0) for m in notebooks.MARKER.finditer(text)]
        if shown:
            path.unlink()
            leaks.append((path, shown[0]))
        else:
            written.append(path)
    if leaks:
        raise FeedbackLeak(written, leaks)
    return written


def _public_lines(source) -> list[str]:
    """The lines of a source notebook outside its solution and hidden-test regions, white space collapsed."""
    lines = []
    for cell in source.cells:
        text = cell.source
        for begin, end in ((notebooks.BEGIN_SOLUTION, notebooks.END_SOLUTION),
                           (notebooks.BEGIN_HIDDEN, notebooks.END_HIDDEN)):
            text = re.sub(re.escape(begin) + r".*?" + re.escape(end), "", text, flags=re.S)
        lines += [" ".join(line.split()) for line in text.split("\n") if line.strip()]
    return lines


def submitted_lines(course, student: str, lesson: str) -> set[str]:
    """Every stripped source line of a student's submitted notebooks (empty if unreadable)."""
    lines = set()
    for nb_path in Path(course, "submitted", student, lesson).glob("*.ipynb"):
        try:
            nb = notebooks.read(nb_path)
        except Exception:
            continue
        lines.update(line.strip() for cell in nb.cells for line in cell.source.split("\n"))
    return lines


def visible_text(page: str) -> str:
    """The text a reader of an HTML page sees, whitespace collapsed (tags and highlighting removed)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    return " ".join(text.split())


def export(course, to=None) -> Path:
    """Export every student's scores to CSV and return its path.

    nbgrader's export through the course's export plugin (dlcourse/export.py): its
    columns plus `status` ("graded", "not graded", "no submission") and `review` (what
    the grading sandbox flagged), quoted correctly and written all at once. Rows cover
    every student in the gradebook, which holds the roster (students.csv) and everyone
    who submitted anything.
    """
    course = Path(course).resolve()
    deadlines.check(course)  # a clear message instead of the export plugin's traceback
    import_roster(course)
    out = Path(to or course / "grades.csv").resolve()
    run_nbgrader(course, "export", f"--to={out}")
    return out


def read_export(path) -> list[dict[str, str]]:
    """The exported CSV as a list of dicts."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
