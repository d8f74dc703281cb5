"""Grades as CSV, through nbgrader's own extension point (an ExportPlugin).

nbgrader's built-in CSV export joins fields with commas and quotes nothing, so
a roster name such as "Smith, Jr." shifts every later column of its row.
This plugin writes the same columns with Python's csv module (quoted where
needed, UTF-8), plus two of its own:

- `status`: "graded", "not graded" (a submission nbgrader could not grade) or
  "no submission";
- `review`: what the grading sandbox flagged in the submission (limits hit,
  tampering, ...), and "not isolated" for a submission graded without the
  sandbox (`dlcourse grade --unsafe`);
- `diagnosed_mistakes`: the known mistakes the student's functions behaved like when
  hidden tests failed (utils.diagnosis), "mse: sum instead of mean; ...", from the
  sandbox's report;
- lateness (dlcourse/late.py): `late_by` ("1 d 2 h 30 min"; "no timestamp"
  for a submission placed by hand when the lesson has a due date), `late_hours`
  (a number) and `extended_due` (the student's due date with an extension).
  Due dates, extensions and penalties are first brought up to date from the
  course's deadlines.toml and late policy, so the export never shows old ones.

The file is written whole or not at all: rows go to a temporary file in the
same folder, which then replaces the destination in one step, so a failure
leaves the previous export (or none) and never a partial one.

The course's nbgrader_config selects it (settings.configure), so plain
`nbgrader export` and `dlcourse export` write the same file.
"""

import csv
import io
import os
import tempfile
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin

from . import late
from .records import SandboxReport, Status, mistakes, review_kinds

NBGRADER_FIELDS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                   "raw_score", "late_submission_penalty", "score", "max_score"]
LATE_FIELDS = ["late_by", "late_hours", "extended_due"]
FIELDS = NBGRADER_FIELDS + ["status", "review", "diagnosed_mistakes"] + LATE_FIELDS


def submission_status(course, lesson: str, student: str) -> Status:
    """GRADED, NOT_GRADED or NO_SUBMISSION, from the folders the grading pass left."""
    if not Path(course, "submitted", student, lesson).is_dir():
        return Status.NO_SUBMISSION
    return Status.GRADED if Path(course, "autograded", student, lesson).is_dir() else Status.NOT_GRADED


def review_flags(course, lesson: str, student: str, status: Status | str) -> list[str]:
    """What flags this submission for review (records.review_kinds), from the sandbox's report."""
    report = SandboxReport.read(Path(course, "autograded", student, lesson))
    return review_kinds(report.findings, bool(report.isolated), status)


def review_note(course, lesson: str, student: str, status: Status | str) -> str:
    """What the sandbox flagged in this submission, '; '-separated ('' when nothing)."""
    return "; ".join(review_flags(course, lesson, student, status))


def diagnosed_mistakes(course, lesson: str, student: str) -> list[str]:
    """The known mistakes ("mse: sum instead of mean") failing hidden tests of this submission were
    diagnosed with, from the sandbox's report ([] when none, or not graded)."""
    return mistakes(SandboxReport.read(Path(course, "autograded", student, lesson)).diagnoses)


def gradebook_rows(gradebook, course, students=(), lessons=()) -> list[dict[str, str]]:
    """One dict per (lesson, student) in the gradebook, with FIELDS as keys; `students` and
    `lessons`, when not empty, keep only those."""
    rows = []
    for assignment in gradebook.assignments:
        if lessons and assignment.name not in lessons:
            continue
        for student in gradebook.students:
            if students and student.id not in students:
                continue
            row = {"assignment": assignment.name, "duedate": assignment.duedate, "student_id": student.id,
                   "last_name": student.last_name, "first_name": student.first_name, "email": student.email,
                   "max_score": assignment.max_score}
            try:
                submission = gradebook.find_submission(assignment.name, student.id)
            except MissingEntry:
                row.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0)
                row.update(dict.fromkeys(LATE_FIELDS, ""))
            else:
                penalty = submission.late_submission_penalty or 0.0
                row.update(timestamp=submission.timestamp, raw_score=submission.score,
                           late_submission_penalty=penalty, score=max(0.0, submission.score - penalty))
                row.update(late_columns(late.lateness_of(submission)))
            row["status"] = submission_status(course, assignment.name, student.id)
            row["review"] = review_note(course, assignment.name, student.id, row["status"])
            row["diagnosed_mistakes"] = "; ".join(diagnosed_mistakes(course, assignment.name, student.id))
            rows.append({key: "" if row[key] is None else str(row[key]) for key in FIELDS})
    return rows


def late_columns(lateness):
    """The LATE_FIELDS of one submission."""
    return {"late_by": "no timestamp" if lateness.unknown else late.readable(lateness.seconds),
            "late_hours": "" if lateness.unknown or lateness.due is None else lateness.hours,
            "extended_due": lateness.due if lateness.extended else ""}


def write_atomically(path, data: bytes):
    """Write `data` to `path`: all of it, or nothing (the old file stays)."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it private; an export is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def write_csv_atomically(path, fields, rows):
    """Write rows (dicts) as UTF-8 CSV to `path`: all of it, or nothing (the old file stays)."""
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    write_atomically(path, text.getvalue().encode("utf-8"))


class GradesExport(ExportPlugin):
    """nbgrader's CSV columns, quoted correctly, plus `status`, `review`, `diagnosed_mistakes` and the
    lateness; written atomically."""

    def export(self, gradebook):
        course = Path(self.parent.coursedir.root) if self.parent is not None else Path.cwd()
        dest = Path(self.to or "grades.csv")
        if not dest.is_absolute():
            dest = Path.cwd() / dest
        late.sync(gradebook, course, self.config)  # deadlines.toml and the late policy as they are now
        rows = gradebook_rows(gradebook, course, [str(s) for s in self.student], [str(a) for a in self.assignment])
        self.log.info("Exporting %d row(s) to %s", len(rows), dest)
        write_csv_atomically(dest, FIELDS, rows)
