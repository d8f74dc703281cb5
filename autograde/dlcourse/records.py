"""The records one grading pass hands on: findings, statuses, sandbox reports and results.

Every kind of finding the grader can make is listed once, in KINDS, with what it did
to the student's score and whether it flags the submission for the instructor's
review. The sandbox writes its findings as JSON (GRADING_REPORT beside the graded
notebook, and the notebook's metadata between preprocessors); `Finding.to_dict` and
`SandboxReport.to_dict` write the same fields as before, plus the report's `format`,
and reports written before it had one still load.

The report also holds what the diagnosis of failing hidden tests found (`Diagnosed`:
the known mistake a student's function behaves like, utils.diagnosis); reports of
format 1 and before have none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # late.py imports nbgrader; a record only needs the type
    from .late import Lateness
    from .versions import GradeRecord

GRADING_REPORT = "dlcourse-grading.json"  # what the sandbox saw, beside each graded notebook
REPORT_FORMAT = 2  # 2 added "diagnoses"; reports without a "format" key (before 1) have the fields of 1


class Status(StrEnum):
    """What became of one student's submission of one lesson."""
    GRADED = "graded"
    NOT_GRADED = "not graded"  # submitted, but nbgrader could not grade it
    NO_SUBMISSION = "no submission"


class Kind(StrEnum):
    """Every kind of finding: what the sandbox, the scan of student code and the cell checks report."""
    TAMPERING_BEFORE = "tampering before the test (cell failed)"
    TAMPERING_DURING = "tampering during the test (cell failed)"
    CHECKER_UNREACHABLE = "checker unreachable (cell failed)"
    TIME_LIMIT = "time limit"
    IGNORED_TIME_LIMIT = "ignored the time limit"
    KERNEL_DIED = "kernel died"
    OUTPUT_LIMIT = "output limit"
    PROCESSES_LEFT = "processes left running"
    DUPLICATED_CELL = "duplicated graded cell"
    EDITED_LOCKED = "edited a locked cell"
    DELETED_CELL = "deleted a graded cell"
    CHANGED_TYPE = "changed a graded cell's type"
    IMPORTS_HELPERS = "imports course helpers"
    NOT_NUMPY_ONLY = "not numpy only"
    SUSPICIOUS_CODE = "suspicious code"
    REPORT_UNREADABLE = "report unreadable"


@dataclass(frozen=True)
class Effect:
    """What a kind of finding did to the score, in words, and whether it flags the submission."""
    on_score: str
    review: bool = True


KINDS: dict[Kind, Effect] = {
    Kind.TAMPERING_BEFORE: Effect("the test scored zero"),
    Kind.TAMPERING_DURING: Effect("the test scored zero"),
    Kind.CHECKER_UNREACHABLE: Effect("the test scored zero"),
    Kind.TIME_LIMIT: Effect("the cell was stopped (a test stopped this way scores zero)"),
    Kind.IGNORED_TIME_LIMIT: Effect("the kernel was restarted and the earlier cells run again"),
    Kind.KERNEL_DIED: Effect("the cell scored zero if it is a test; later cells ran in a restarted kernel"),
    Kind.OUTPUT_LIMIT: Effect("the rest of the output was dropped and the cell stopped"),
    Kind.PROCESSES_LEFT: Effect("they were stopped; no effect on the score"),
    Kind.DUPLICATED_CELL: Effect("the copy was ignored; no effect on the score"),
    Kind.EDITED_LOCKED: Effect("the lesson's version was graded instead"),
    Kind.DELETED_CELL: Effect("the lesson's version was put back and graded"),
    Kind.CHANGED_TYPE: Effect("set back to the lesson's type and graded"),
    Kind.IMPORTS_HELPERS: Effect("no effect on the score: worth a look"),
    Kind.NOT_NUMPY_ONLY: Effect("worth a look: the function's tests fail an answer that calls PyTorch"),
    Kind.SUSPICIOUS_CODE: Effect("no effect on the score", review=False),  # a note; shown in the report only
    Kind.REPORT_UNREADABLE: Effect("the sandbox's report is missing: grade again"),
}
UNKNOWN_EFFECT = Effect("worth a look")  # a kind this version does not know (a newer sandbox's)

NOT_ISOLATED = "not isolated"  # the review label of a submission graded with --unsafe


@dataclass(frozen=True)
class Finding:
    """One thing the grader saw in a submission: in cell `cell` (an index; None for the notebook)."""
    kind: Kind | str  # a Kind; a string only for a kind this version does not know
    detail: str = ""
    cell: int | None = None
    grade_id: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, Kind) and self.kind in Kind._value2member_map_:
            object.__setattr__(self, "kind", Kind(self.kind))

    @property
    def effect(self) -> str:
        """What the finding did to the student's score, in words."""
        return KINDS.get(self.kind, UNKNOWN_EFFECT).on_score

    @property
    def needs_review(self) -> bool:
        """Flags the submission for the instructor's review."""
        return KINDS.get(self.kind, UNKNOWN_EFFECT).review

    def to_dict(self) -> dict[str, Any]:
        return {"cell": self.cell, "grade_id": self.grade_id, "kind": str(self.kind), "detail": self.detail}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(str(data.get("kind", "")), str(data.get("detail", "")), data.get("cell"), data.get("grade_id"))


@dataclass(frozen=True)
class Diagnosed:
    """A known mistake that a function behaved like when the hidden test in cell `cell` failed
    (utils.diagnosis): `why` is the mistake catalogue's name for it ("sum instead of mean")."""
    function: str
    why: str
    cell: int | None = None
    grade_id: str | None = None

    @property
    def mistake(self) -> str:
        """"mse: sum instead of mean": how the summary, the export and the stats name it."""
        return f"{self.function}: {self.why}"

    def to_dict(self) -> dict[str, Any]:
        return {"cell": self.cell, "grade_id": self.grade_id, "function": self.function, "why": self.why}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosed:
        return cls(str(data.get("function", "")), str(data.get("why", "")), data.get("cell"), data.get("grade_id"))


def mistakes(diagnoses: list[Diagnosed]) -> list[str]:
    """The distinct mistakes diagnosed ("function: why"), in the order first found."""
    return list(dict.fromkeys(d.mistake for d in diagnoses))


@dataclass
class SandboxReport:
    """What the sandbox saw while grading one submission (GRADING_REPORT)."""
    findings: list[Finding] = field(default_factory=list)
    isolated: bool | None = None  # None: no kernel was started
    stopped: str | None = None  # why later cells were not run, when the notebook's time ran out
    diagnoses: list[Diagnosed] = field(default_factory=list)  # known mistakes behind failing hidden tests

    def to_dict(self) -> dict[str, Any]:
        return {"format": REPORT_FORMAT, "findings": [f.to_dict() for f in self.findings],
                "stopped": self.stopped, "isolated": self.isolated,
                "diagnoses": [d.to_dict() for d in self.diagnoses]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SandboxReport:
        """A report of any format so far (format 0, before the key existed, has the fields of 1; before 2
        there were no diagnoses)."""
        if int(data.get("format", 0)) > REPORT_FORMAT:
            raise ValueError(f"report format {data['format']} is newer than this grader ({REPORT_FORMAT})")
        return cls([Finding.from_dict(f) for f in data.get("findings", [])], data.get("isolated"), data.get("stopped"),
                   [Diagnosed.from_dict(d) for d in data.get("diagnoses", [])])

    def write(self, folder: Path | str) -> None:
        Path(folder, GRADING_REPORT).write_text(json.dumps(self.to_dict(), indent=1))

    @classmethod
    def read(cls, folder: Path | str) -> SandboxReport:
        """Every report under a submission's autograded folder, as one (isolated unless one says not);
        an unreadable report becomes a REPORT_UNREADABLE finding."""
        merged = cls(isolated=True)
        for path in sorted(Path(folder).glob(f"**/{GRADING_REPORT}")):
            try:
                one = cls.from_dict(json.loads(path.read_text()))
            except (OSError, ValueError, TypeError, AttributeError):
                merged.findings.append(Finding(Kind.REPORT_UNREADABLE, str(path)))
                continue
            merged.findings += one.findings
            merged.diagnoses += one.diagnoses
            merged.isolated = merged.isolated and one.isolated is not False
        return merged


def review_kinds(findings: list[Finding], isolated: bool, status: Status | str) -> list[str]:
    """The kinds that flag a submission, sorted, with NOT_ISOLATED first for a graded submission run
    without isolation: the `review` column of the export and the flags of `dlcourse stats`."""
    kinds = sorted({str(f.kind) for f in findings if f.needs_review})
    return ([NOT_ISOLATED] if status == Status.GRADED and not isolated else []) + kinds


@dataclass(frozen=True)
class CellScore:
    """One graded cell's points in the gradebook (score None: not graded yet, e.g. a written answer)."""
    score: float | None
    max_score: float


@dataclass
class GradeResult:
    """One student's outcome for one lesson: everything one grading pass learnt about the submission."""
    student: str
    status: Status
    score: float = 0.0
    max_score: float = 0.0
    needs_manual_grade: bool = False
    message: str = ""  # why it was not graded
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)  # what the sandbox saw: limits hit, tampering, ...
    repairs: list[str] = field(default_factory=list)  # what dlcourse.repair fixed before grading
    repair_flags: list[str] = field(default_factory=list)  # answers the repair could not place: worth a look
    isolated: bool = True  # False when graded with --unsafe, without file-system isolation
    lateness: Lateness | None = None  # how late it was, and its penalty (dlcourse/late.py)
    cells: dict[str, CellScore] = field(default_factory=dict)  # grade_id -> points of every graded cell
    record: GradeRecord | None = None  # which tests and which files made the score (dlcourse/versions.py)
    diagnoses: list[Diagnosed] = field(default_factory=list)  # known mistakes behind failing hidden tests

    def __post_init__(self) -> None:
        self.status = Status(self.status)

    @property
    def flagged(self) -> bool:
        """Worth an instructor's look: a finding that flags for review (not a mere note)."""
        return any(f.needs_review for f in self.findings)
