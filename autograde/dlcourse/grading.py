"""Autograde, feedback and export on a course folder, with a readable summary."""

import csv
import html
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import deadlines, late, notebooks, parallel, repair, versions
from .course import api_call, nbgrader_api, run_nbgrader
from .late import Lateness
from .paths import COURSE_ID, lesson_notebook
from .settings import UNSAFE_VARIABLE, gradebook_url

# What each kind of finding did to the student's score, for the instructor's review.
EFFECTS = {
    "tampering before the test (cell failed)": "the test scored zero",
    "tampering during the test (cell failed)": "the test scored zero",
    "checker unreachable (cell failed)": "the test scored zero",
    "time limit": "the cell was stopped (a test stopped this way scores zero)",
    "ignored the time limit": "the kernel was restarted and the earlier cells run again",
    "kernel died": "the cell scored zero if it is a test; later cells ran in a restarted kernel",
    "output limit": "the rest of the output was dropped and the cell stopped",
    "processes left running": "they were stopped; no effect on the score",
    "duplicated graded cell": "the copy was ignored; no effect on the score",
    "edited a locked cell": "the lesson's version was graded instead",
    "deleted a graded cell": "the lesson's version was put back and graded",
    "changed a graded cell's type": "set back to the lesson's type and graded",
    "imports course helpers": "no effect on the score: worth a look",
    "not numpy only": "worth a look: the function's tests fail an answer that calls PyTorch",
    "report unreadable": "the sandbox's report is missing: grade again",
}


class IsolationUnavailable(RuntimeError):
    """Grading was asked for without file-system isolation on a machine that cannot provide it."""


def effect(finding):
    """What a finding did to the student's score, in words."""
    return EFFECTS.get(finding["kind"], "worth a look")


@dataclass
class GradeResult:
    """One student's outcome for one lesson."""
    student: str
    status: str  # "graded" or "not graded"
    score: float = 0.0
    max_score: float = 0.0
    needs_manual_grade: bool = False
    message: str = ""
    seconds: float = 0.0
    findings: list = field(default_factory=list)  # what the sandbox saw: limits hit, tampering, suspicious code
    repairs: list = field(default_factory=list)  # what dlcourse.repair fixed in the notebook (sanitize step)
    repair_flags: list = field(default_factory=list)  # answers the repair could not place: worth a look
    isolated: bool = True  # False when graded with --unsafe, without file-system isolation
    lateness: Lateness | None = None  # how late it was, and its penalty (dlcourse/late.py)

    @property
    def flagged(self):
        """Worth an instructor's look: anything beyond a note about suspicious-looking code."""
        return any(f["kind"] != "suspicious code" for f in self.findings)


def course_config(course):
    """The course's nbgrader config, loaded from its nbgrader_config.py."""
    from .course import load_config
    return load_config(course)


def _config_value(course, name):
    """Read a path nbgrader was configured with, by loading the course's config."""
    return course_config(course).CourseDirectory[name]


def grading_release(course):
    """Where grading generates the lesson's student version: inside the course folder, never into a
    release folder elsewhere (the repository's lessons/ is committed and only `dlcourse build` writes it)."""
    return Path(course).resolve() / "release"


def submitted_students(course, lesson):
    """Students with a submission folder for the lesson, sorted."""
    return sorted(p.parent.name for p in Path(course, "submitted").glob(f"*/{lesson}") if p.is_dir())


def read_roster(course):
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


def import_roster(course):
    """Add or update the roster's students in the gradebook; returns how many."""
    students = read_roster(course)
    if students:
        with _gradebook(course) as gb:
            for student in students:
                gb.update_or_create_student(student["id"], **{k: v for k, v in student.items() if k != "id"})
    return len(students)


def _failure_message(outcome):
    """The most telling line of nbgrader's report on a submission it could not grade."""
    lines = [line for line in (outcome.log + "\n" + outcome.error).splitlines() if line.strip()]
    errors = [line.split("]", 1)[-1].strip() for line in lines if "ERROR" in line or "CRITICAL" in line]
    last = lines[-1].strip() if lines else "nbgrader could not grade this submission"
    return (errors[0] if errors else last)[:300]


def _gradebook(course):
    from nbgrader.api import Gradebook
    return Gradebook(_config_value(course, "db_url") or gradebook_url(course), _course_id(course))


def read_scores(course, lesson, students):
    """{student: (score, max_score, needs_manual_grade)} from the gradebook, for graded submissions."""
    from nbgrader.api import MissingEntry
    scores = {}
    with _gradebook(course) as gb:
        for student in students:
            try:
                sub = gb.find_submission(lesson, student)
            except MissingEntry:
                continue
            scores[student] = (sub.score, sub.max_score, sub.needs_manual_grade)
    return scores


def _course_id(course):
    try:
        return _config_value(course, "course_id") or COURSE_ID
    except Exception:
        return COURSE_ID


def grade(lesson, course, *, students=None, workers=None, on_progress=None, unsafe=False, only_new=False,
          on_plan=None):
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

    Refuses (IsolationUnavailable) when bubblewrap cannot isolate the kernels,
    unless `unsafe`: then every result is marked not isolated.
    """
    from . import sandbox
    if not unsafe and not sandbox.bwrap_path():
        raise IsolationUnavailable("grading needs file-system isolation, and bubblewrap is not available "
                                   "here. " + sandbox.INSTALL_BWRAP)
    run = dict(students=students, workers=workers, on_progress=on_progress, only_new=only_new, on_plan=on_plan)
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


def load_source(course, lesson):
    """generate_assignment: the lesson's current source into the gradebook, its student version into
    the course folder (grading_release), whatever release folder the course publishes from."""
    api = nbgrader_api(course)
    api.coursedir.release_directory = str(grading_release(course))
    api_call(api.generate_assignment(lesson, force=True, create=True),
             f"generate_assignment {lesson} (loading the source into the gradebook)")


def _grade(lesson, course, *, students, workers, on_progress, only_new, on_plan):
    course = Path(course).resolve()
    deadlines.check(course)
    load_source(course, lesson)
    import_roster(course)
    everyone = submitted_students(course, lesson)
    chosen = sorted(set(students)) if students else everyone
    missing = sorted(set(chosen) - set(everyone))
    if missing:
        raise ValueError(f"no submission of {lesson} for: {', '.join(missing)} (looked in {course / 'submitted'})")
    config = course_config(course)
    with _gradebook(course) as gb:
        version = versions.tests_version(gb, lesson)
        late.sync(gb, course, config, lessons=[lesson])  # deadlines.toml may have changed since the last grade
    plan = versions.plan(course, lesson, version, chosen, only_new=only_new)
    if on_plan:
        on_plan(plan)
    results = {}

    def finished(outcome, done, total):
        result = _result(course, lesson, outcome, config)
        repaired = repair.recorded(course, lesson, outcome.student)  # by RepairCells, inside autograde
        if repaired is not None:
            result.repairs, result.repair_flags = list(repaired.changes), list(repaired.flags)
        if result.status == "graded":
            versions.write_record(course, lesson, outcome.student, version, plan.hashes[outcome.student])
        results[outcome.student] = result
        if on_progress:
            on_progress(result, done, total)

    if plan.grade:
        parallel.autograde(course, lesson, plan.grade, workers=workers, on_done=finished)
    return [results[s] for s in plan.grade]


def outdated_scores(course, lesson):
    """Scores of `lesson` that another version of its tests made, as [versions.Outdated]; [] when the
    gradebook does not know the lesson."""
    from nbgrader.api import MissingEntry
    with _gradebook(course) as gb:
        try:
            version = versions.tests_version(gb, lesson)
        except MissingEntry:
            return []
    return versions.outdated(course, lesson, version)


def read_report(course, lesson, student):
    """{"findings": [...], "isolated": bool} from the sandbox's reports on one submission."""
    from .sandbox.execute import GRADING_REPORT
    findings, isolated = [], True
    for report in sorted(Path(course, "autograded", student, lesson).glob(f"**/{GRADING_REPORT}")):
        try:
            data = json.loads(report.read_text())
            findings += data.get("findings", [])
            isolated = isolated and data.get("isolated") is not False
        except (OSError, ValueError):
            findings.append({"cell": None, "grade_id": None, "kind": "report unreadable", "detail": str(report)})
    return {"findings": findings, "isolated": isolated}


def _result(course, lesson, outcome, config):
    report = read_report(course, lesson, outcome.student)
    findings, isolated = report["findings"], report["isolated"]
    if outcome.success and Path(course, "autograded", outcome.student, lesson).is_dir():
        graded = _read_graded(course, lesson, outcome.student, config)
        if graded is not None:
            score, max_score, manual, lateness = graded
            return GradeResult(outcome.student, "graded", score, max_score, manual, seconds=outcome.seconds,
                               findings=findings, isolated=isolated, lateness=lateness)
    return GradeResult(outcome.student, "not graded", message=_failure_message(outcome), seconds=outcome.seconds,
                       findings=findings, isolated=isolated)


def _read_graded(course, lesson, student, config):
    """(score, max_score, needs_manual_grade, Lateness) of a graded submission, after giving it its
    extension and penalty from deadlines.toml (late.sync); None when the gradebook has no submission."""
    from nbgrader.api import MissingEntry
    with _gradebook(course) as gb:
        late.sync(gb, course, config, lessons=[lesson], students=[student])
        try:
            sub = gb.find_submission(lesson, student)
        except MissingEntry:
            return None
        return sub.score, sub.max_score, sub.needs_manual_grade, late.lateness_of(sub)


class FeedbackLeak(RuntimeError):
    """Some feedback pages would have shown hidden tests; they were deleted (the others were kept)."""

    def __init__(self, written, leaks):
        self.written, self.leaks = written, leaks  # leaks: [(deleted page, a hidden line it showed)]
        pages = "\n".join(f"  {page}: shows {line!r}" for page, line in leaks)
        super().__init__(f"{len(leaks)} feedback page(s) would have shown hidden tests and were deleted "
                         f"({len(written)} other page(s) were written):\n{pages}\n"
                         "Check GenerateFeedback.preprocessors in the course settings (ClearHiddenTests).")


def feedback(lesson, course, *, students=None):
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


def submitted_lines(course, student, lesson):
    """Every stripped source line of a student's submitted notebooks (empty if unreadable)."""
    lines = set()
    for nb_path in Path(course, "submitted", student, lesson).glob("*.ipynb"):
        try:
            nb = notebooks.read(nb_path)
        except Exception:
            continue
        lines.update(line.strip() for cell in nb.cells for line in cell.source.split("\n"))
    return lines


def visible_text(page):
    """The text a reader of an HTML page sees, whitespace collapsed (tags and highlighting removed)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    return " ".join(text.split())


def export(course, to=None):
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


def read_export(path):
    """The exported CSV as a list of dicts."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
