"""Grading one class on many machines: a Slurm job array or a Kubernetes Indexed Job.

    dlcourse grade LESSON --prepare          once, before the shards
    dlcourse grade LESSON --shard I/N        on each of N machines at once, I = 0 .. N-1
    dlcourse grade LESSON --summary          once, after them: the summary a single run prints

Every shard works in the same course folder (a shared file system: submitted/, autograded/,
release/) against the same server gradebook (PostgreSQL, DLCOURSE_DB_URL).

Which shard grades a student: the first 8 bytes of sha256(student id), as an integer, modulo
N. Shards are numbered from 0, as Kubernetes numbers its indexes (JOB_COMPLETION_INDEX) and a
Slurm array `--array=0-15` its tasks. The shard of a student depends on its id and N alone, so
every student is in exactly one shard, and adding students never moves another student to
another shard. Sizes are those of a fair draw: about students / N each, give or take the
square root of that.

What a grading pass does once per lesson (grading.prepare: the student version and the tests into
the gradebook, the roster, the deadlines and penalties of every submission) writes rows every
shard would write at once (nbgrader's generate_assignment deletes and recreates the lesson's
release folder and its cells; the roster creates students): `--prepare` does it, once, before
the shards start, and records the tests' version in <course>/shards/<lesson>/prepared.json. A
shard does none of it: it checks the lesson was prepared with the tests the gradebook holds,
grades its own students only (nbgrader's autograde, the late penalties and the version records
of one submission touch that student's rows and folders only) and writes its results to
<course>/shards/<lesson>/shard-I-of-N.json, whole or not at all. A shard run again (a requeued
task, a retried index) grades its students again and replaces its file. `--summary` reads the
files of the last preparation, checks that the N shards are all there and that no student was
graded twice, and prints what a single `dlcourse grade LESSON` prints after grading.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .records import CellScore, Diagnosed, Finding, GradeResult

SHARDS_DIR = "shards"  # <course>/shards/<lesson>/
PREPARED = "prepared.json"
RESULTS_FORMAT = 1
_SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


class ShardError(ValueError):
    """A sharded run that cannot go on: not prepared, prepared with other tests, or shards missing."""


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (index from 0 to count - 1)."""
    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"a class is split into at least 1 shard, not {self.count}")
        if not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index}/{self.count} does not exist: shards are numbered from 0, "
                             f"so with {self.count} they are 0/{self.count} .. {self.count - 1}/{self.count}")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """'3/16' -> Shard(3, 16)."""
        match = _SPEC.fullmatch(text)
        if not match:
            raise ValueError(f"--shard takes I/N, the shard's number from 0 and the number of shards "
                             f"(e.g. 0/4), not {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, student: str) -> bool:
        return shard_of(student, self.count) == self.index

    def part(self, students: list[str]) -> list[str]:
        """The students of this shard, in their order."""
        return [s for s in students if self.holds(s)]


def shard_of(student: str, count: int) -> int:
    """The shard (0 .. count - 1) that grades `student`: its id's sha256, modulo count."""
    return int.from_bytes(hashlib.sha256(student.encode("utf-8")).digest()[:8], "big") % count


def folder(course, lesson: str) -> Path:
    return Path(course, SHARDS_DIR, lesson)


def _write_whole(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to `path` through a temporary file in the same folder: readers see all of it or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prepare(lesson: str, course) -> dict[str, Any]:
    """The once-per-lesson work of a grading pass (grading.prepare), then a fresh marker: earlier
    shards' results are removed. Returns the marker {lesson, tests_version, run, prepared_at}."""
    from . import deadlines, grading
    from .course import LoadedCourse

    course = Path(course).resolve()
    deadlines.check(course)
    version = grading.prepare(LoadedCourse.load(course), lesson)
    where = folder(course, lesson)
    if where.exists():
        shutil.rmtree(where)
    marker = {"lesson": lesson, "tests_version": version.id, "run": uuid.uuid4().hex,
              "prepared_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    _write_whole(where / PREPARED, marker)
    return marker


def prepared(course, lesson: str) -> dict[str, Any]:
    """The marker --prepare wrote; ShardError when there is none."""
    try:
        return json.loads((folder(course, lesson) / PREPARED).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ShardError(f"{lesson} was not prepared for sharded grading in {course}: run "
                         f"`dlcourse grade {lesson} --prepare` once before the shards") from None


def prepared_version(loaded, lesson: str):
    """The tests' version (versions.TestsVersion) the gradebook holds, after checking --prepare loaded
    it: a shard never grades with other tests than its siblings."""
    from nbgrader.api import MissingEntry

    from . import versions
    marker = prepared(loaded.root, lesson)
    with loaded.gradebook() as gb:
        try:
            version = versions.tests_version(gb, lesson)
        except MissingEntry:
            version = None
    if version is None or version.id != marker["tests_version"]:
        found = "no such lesson" if version is None else f"tests {version.id}"
        raise ShardError(f"the gradebook does not hold the tests {lesson} was prepared with "
                         f"({marker['tests_version']}; it has {found}): run `dlcourse grade {lesson} --prepare` "
                         "again, then every shard")
    return version


def results_path(course, lesson: str, shard: Shard) -> Path:
    return folder(course, lesson) / f"shard-{shard.index}-of-{shard.count}.json"


def save(course, lesson: str, shard: Shard, results: list[GradeResult], seen: list[str] = ()) -> Path:
    """Write one shard's results (after it graded), whole or not at all; `seen`: the submissions of its
    part of the class when it started (graded or not)."""
    marker = prepared(course, lesson)
    path = results_path(course, lesson, shard)
    _write_whole(path, {"format": RESULTS_FORMAT, "lesson": lesson, "run": marker["run"], "shard": shard.index,
                        "shards": shard.count, "seen": sorted(set(seen) | {r.student for r in results}),
                        "results": [result_to_dict(r) for r in results]})
    return path


def _files(course, lesson: str) -> dict[tuple[int, int], dict[str, Any]]:
    """{(shard, shards): the shard's file} of the last preparation."""
    marker = prepared(course, lesson)
    files = {}
    for path in sorted(folder(course, lesson).glob("shard-*-of-*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("run") == marker["run"]:
            files[(data["shard"], data["shards"])] = data
    return files


def unseen(course, lesson: str, submitted: list[str]) -> list[str]:
    """Of `submitted` (the lesson's submissions now), those no shard saw when it started: submitted
    while the shards ran (`dlcourse grade LESSON --only-new` grades them)."""
    seen = {s for data in _files(course, lesson).values() for s in data.get("seen", [])}
    return sorted(set(submitted) - seen)


def gather(course, lesson: str) -> list[GradeResult]:
    """Every shard's results of the last preparation, sorted by student, as one run returns them.
    ShardError when a shard is missing, the shards disagree on their number, or a student is twice."""
    marker = prepared(course, lesson)
    files = _files(course, lesson)
    if not files:
        raise ShardError(f"no shard of {lesson} has finished since it was prepared ({marker['prepared_at']})")
    counts = sorted({n for _, n in files})
    if len(counts) > 1:
        raise ShardError(f"the shards of {lesson} disagree on their number: {', '.join(map(str, counts))} "
                         f"(prepare again and run one array)")
    count = counts[0]
    missing = [i for i in range(count) if (i, count) not in files]
    if missing:
        raise ShardError(f"{len(missing)} of {count} shards of {lesson} have not finished: "
                         + ", ".join(f"{i}/{count}" for i in missing))
    by_student: dict[str, GradeResult] = {}
    for (index, _), data in sorted(files.items()):
        for entry in data["results"]:
            result = result_from_dict(entry)
            if result.student in by_student or shard_of(result.student, count) != index:
                raise ShardError(f"{result.student} was graded by shard {index}/{count}, which does not hold it, "
                                 "or twice")
            by_student[result.student] = result
    return [by_student[s] for s in sorted(by_student)]


# GradeResult <-> JSON. Every field of GradeResult must be one of these or plain JSON
# (tests/test_sharding.py checks each field round-trips).

def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def result_to_dict(result: GradeResult) -> dict[str, Any]:
    data = {}
    for f in fields(result):
        value = getattr(result, f.name)
        if f.name == "status":
            value = str(value)
        elif f.name in ("findings", "diagnoses"):
            value = [item.to_dict() for item in value]
        elif f.name == "cells":
            value = {name: [cell.score, cell.max_score] for name, cell in value.items()}
        elif f.name == "lateness" and value is not None:
            value = {**asdict(value), "due": _time(value.due), "timestamp": _time(value.timestamp)}
        elif f.name == "record" and value is not None:
            value = asdict(value)
        data[f.name] = value
    json.dumps(data)  # a field this module does not know, and JSON cannot hold, fails here, not in a reader
    return data


def result_from_dict(data: dict[str, Any]) -> GradeResult:
    from .late import Lateness
    from .versions import GradeRecord

    data = dict(data)
    data["findings"] = [Finding.from_dict(f) for f in data.get("findings", [])]
    data["diagnoses"] = [Diagnosed.from_dict(d) for d in data.get("diagnoses", [])]
    data["cells"] = {name: CellScore(score, max_score) for name, (score, max_score) in data.get("cells", {}).items()}
    if data.get("lateness") is not None:
        late = data["lateness"]
        data["lateness"] = Lateness(**{**late, "due": _parse_time(late["due"]),
                                       "timestamp": _parse_time(late["timestamp"])})
    if data.get("record") is not None:
        data["record"] = GradeRecord(**data["record"])
    known = {f.name for f in fields(GradeResult)}
    return GradeResult(**{k: v for k, v in data.items() if k in known})
