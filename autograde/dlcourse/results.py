"""One submission's complete result, built once, by the worker that graded it (parallel.py).

After nbgrader's autograde of one submission, `complete` gathers everything the
summary, the progress lines and the tests need: the status, the score and each
graded cell's points from the gradebook (after late.sync gave the submission its
extension and penalty), the sandbox's findings, isolation and diagnoses (its GRADING_REPORT),
the repair's notes (repair.recorded: what RepairCells changed and flagged during this
autograde; and the score of an ambiguous split's other reading, other_reading.py), the timing, the lateness, and the record of the tests' version (versions.py),
written beside the score. The parent adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import late, other_reading, repair, versions
from .course import LoadedCourse
from .records import CellScore, GradeResult, SandboxReport, Status


@dataclass
class Outcome:
    """What nbgrader said about one submission."""
    student: str
    success: bool
    log: str
    error: str
    seconds: float


def failure_message(outcome: Outcome) -> str:
    """The most telling line of nbgrader's report on a submission it could not grade."""
    lines = [line for line in (outcome.log + "\n" + outcome.error).splitlines() if line.strip()]
    errors = [line.split("]", 1)[-1].strip() for line in lines if "ERROR" in line or "CRITICAL" in line]
    last = lines[-1].strip() if lines else "nbgrader could not grade this submission"
    return (errors[0] if errors else last)[:300]


def autograded_folder(course: Path | str, lesson: str, student: str) -> Path:
    return Path(course, "autograded", student, lesson)


def complete(course: LoadedCourse, lesson: str, outcome: Outcome, version: versions.TestsVersion | None = None,
             submission_sha256: str | None = None) -> GradeResult:
    """The GradeResult of one autograded submission; with `version` (and the submitted folder's hash
    taken before grading) a graded one gets its versions.GradeRecord written."""
    folder = autograded_folder(course.root, lesson, outcome.student)
    report = SandboxReport.read(folder)
    seen: dict[str, Any] = dict(seconds=outcome.seconds, findings=report.findings, isolated=bool(report.isolated),
                                diagnoses=report.diagnoses)
    repaired = repair.recorded(course.root, lesson, outcome.student)  # kept by RepairCells, inside autograde
    if repaired is not None:
        seen.update(repairs=list(repaired.changes), repair_flags=list(repaired.flags))
    if outcome.success and folder.is_dir():
        result = _graded(course, lesson, outcome.student, seen)
        if result is not None:
            # An ambiguous split was graded joined: grade the other reading too, for the flag.
            result.repair_flags += other_reading.notes(course, lesson, outcome.student, result.score)
            if version is not None and submission_sha256 is not None:
                result.record = versions.write_record(course.root, lesson, outcome.student, version, submission_sha256)
            return result
    return GradeResult(outcome.student, Status.NOT_GRADED, message=failure_message(outcome), **seen)


def _graded(course: LoadedCourse, lesson: str, student: str, seen: dict[str, Any]) -> GradeResult | None:
    """From the gradebook, after giving the submission its extension and penalty from deadlines.toml
    (late.sync); None when the gradebook has no submission."""
    from nbgrader.api import MissingEntry
    with course.gradebook() as gb:
        late.sync(gb, course.root, course.config, lessons=[lesson], students=[student])
        try:
            sub = gb.find_submission(lesson, student)
        except MissingEntry:
            return None
        cells = {grade.name: CellScore(grade.score, grade.max_score) for nb in sub.notebooks for grade in nb.grades}
        return GradeResult(student, Status.GRADED, sub.score, sub.max_score, sub.needs_manual_grade,
                           lateness=late.lateness_of(sub), cells=cells, **seen)
