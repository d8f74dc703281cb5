"""Which version of a lesson's tests produced each score, and which submissions changed since.

The version is a hash of what decides a score, read from the gradebook after
generate_assignment loaded the source: every graded cell's points and type, and
the source of every cell nbgrader restores before grading (the tests, hidden
ones included, and the locked cells). Fixing a hidden test or changing a test's
points changes it; editing prose does not.

nbgrader's gradebook has no field for it, so each graded submission gets a
small record beside the sandbox's report, `autograded/<student>/<lesson>/
dlcourse-version.json`: the tests' version, each graded cell's fingerprint (to
say what changed), and the hash of the submitted folder it graded. The record
lives and dies with the autograded folder (nbgrader replaces that folder when
it grades again), and like the report it is for the instructor only: the course
settings keep it out of feedback/.
"""

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

VERSION_RECORD = "dlcourse-version.json"
SKIPPED_NAMES = {".ipynb_checkpoints", "__pycache__"}  # never part of what a student submitted


@dataclass(frozen=True)
class TestsVersion:
    """A lesson's tests as the gradebook holds them: one fingerprint per cell, and their hash."""
    cells: dict[str, str]  # cell name -> "points=2.0 code <sha256 of its source>" (or "source <sha256>")

    @property
    def id(self) -> str:
        text = json.dumps(self.cells, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class GradeRecord:
    """What one score was made from."""
    tests_version: str
    submission_sha256: str
    graded_at: str  # ISO 8601, UTC
    cells: dict[str, str] = field(default_factory=dict)  # TestsVersion.cells at that time


@dataclass(frozen=True)
class Outdated:
    """A score made by another version of the tests (or by one nobody recorded)."""
    student: str
    changed: list[str]  # what changed in the tests since, in words ([] when unknown)


def tests_version(gradebook, lesson) -> TestsVersion:
    """The version of `lesson`'s tests in the gradebook (after generate_assignment)."""
    assignment = gradebook.find_assignment(lesson)
    cells = {}
    for notebook in assignment.notebooks:
        for cell in notebook.source_cells:
            cells[f"{notebook.name}/{cell.name}"] = f"source {_sha(cell.cell_type, cell.locked, cell.source)}"
        for cell in notebook.grade_cells:
            key = f"{notebook.name}/{cell.name}"
            cells[key] = f"points={float(cell.max_score):g} {cell.cell_type} " + cells.get(key, "source -")
    return TestsVersion(cells)


def _sha(*parts) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def submission_hash(course, lesson, student) -> str:
    """sha256 of the submitted folder: each file's relative path and bytes (timestamp.txt included)."""
    digest = hashlib.sha256()
    folder = Path(course, "submitted", student, lesson)
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_NAMES)
        for name in sorted(files):
            path = Path(root, name)
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def record_path(course, lesson, student) -> Path:
    return Path(course, "autograded", student, lesson, VERSION_RECORD)


def write_record(course, lesson, student, version: TestsVersion, submission_sha256: str) -> GradeRecord:
    """Note beside a fresh score which tests and which submission produced it; returns the record."""
    record = GradeRecord(version.id, submission_sha256, datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         dict(version.cells))
    record_path(course, lesson, student).write_text(json.dumps(asdict(record), indent=1) + "\n")
    return record


def read_record(course, lesson, student) -> GradeRecord | None:
    """The record of a graded submission; None when there is none (graded before records, or not graded)."""
    try:
        data = json.loads(record_path(course, lesson, student).read_text())
        return GradeRecord(**data)
    except (OSError, ValueError, TypeError):
        return None


def graded_students(course, lesson) -> list[str]:
    """Students with an autograded folder for the lesson, sorted."""
    return sorted(p.parent.name for p in Path(course, "autograded").glob(f"*/{lesson}") if p.is_dir())


def changes(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """What changed between two versions' cells, in words: "test_step: points 2 -> 3", "test_fit: code"."""
    said = []
    for key in sorted(set(old) | set(new)):
        name = key.split("/", 1)[-1]
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if before is None or after is None:
            said.append(f"{name}: {'added' if before is None else 'removed'}")
            continue
        points = [part for part in (before.split()[0], after.split()[0]) if part.startswith("points=")]
        if len(points) == 2 and points[0] != points[1]:
            said.append(f"{name}: points {points[0][7:]} -> {points[1][7:]}")
        elif before.split()[-1] != after.split()[-1]:
            said.append(f"{name}: code")
        else:
            said.append(f"{name}: changed")
    return said


def outdated(course, lesson, version: TestsVersion, students=None) -> list[Outdated]:
    """Graded submissions (all, or of `students`) whose score another version of the tests made."""
    found = []
    for student in graded_students(course, lesson):
        if students is not None and student not in students:
            continue
        record = read_record(course, lesson, student)
        if record is None:
            found.append(Outdated(student, []))
        elif record.tests_version != version.id:
            found.append(Outdated(student, changes(record.cells, version.cells)))
    return found


@dataclass
class Plan:
    """Which submissions a grading run grades, and why."""
    version: TestsVersion
    grade: list[str]  # students to grade now
    unchanged: list[str]  # skipped (only_new): graded by these tests from the same files
    outdated: list[Outdated]  # among `grade`: scores another version of the tests made, replaced now
    hashes: dict[str, str]  # student -> submission_hash, taken before grading


def plan(course, lesson, version: TestsVersion, chosen, *, only_new=False) -> Plan:
    """Plan grading `chosen` students: all of them, or with only_new those whose submission is new or
    changed since its last score, or whose score another version of the tests made."""
    hashes = {student: submission_hash(course, lesson, student) for student in chosen}
    unchanged = [s for s in chosen if only_new and is_current(course, lesson, s, version, hashes[s])]
    grade = [s for s in chosen if s not in unchanged]
    return Plan(version, grade, unchanged, outdated(course, lesson, version, set(grade)), hashes)


def is_current(course, lesson, student, version: TestsVersion, sha256: str) -> bool:
    """Graded by these tests from the submission whose hash is `sha256`: nothing new to grade."""
    record = read_record(course, lesson, student)
    return record is not None and record.tests_version == version.id and record.submission_sha256 == sha256
