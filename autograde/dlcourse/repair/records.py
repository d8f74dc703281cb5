"""Keeping what a repair found: backups next to a repaired file, and the course's record of every
submission repaired while grading (<course>/repairs/<student>/<lesson>/: the original as submitted
and report.json), which `dlcourse grade` reads back for its summary."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from nbformat import NotebookNode

from .. import notebooks
from .plan import Report

REPAIRS_DIR = "repairs"  # <course>/repairs/<student>/<lesson>/: originals and what was changed
RECORD_FILE = "report.json"


def backup_path(path: str | Path, suffix: str) -> Path:
    """A free file name next to `path` for a backup: NAME.<suffix>.ipynb, then NAME.<suffix>-2.ipynb, ..."""
    path = Path(path)
    candidate = path.with_name(f"{path.stem}.{suffix}.ipynb")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}.{suffix}-{n}.ipynb")
    return candidate


def repair_file(path: str | Path, reference_path: str | Path, *, write: bool = False) -> tuple[Report, Path | None]:
    """Repair one notebook file (`dlcourse repair`). With write=True save it, keeping a backup next to it.

    Returns (Report, backup path or None).
    """
    from . import repair
    from .reading import read
    path = Path(path)
    fixes: list[str] = []
    nb = read(path, fixes)
    repaired, report = repair(nb, notebooks.read(reference_path), fixes)
    backup = None
    if write and report.changed:
        backup = backup_path(path, "before-repair")
        shutil.copy2(path, backup)
        notebooks.write(repaired, path)
    return report, backup


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def record_dir(course: str | Path, student: str, lesson: str) -> Path:
    return Path(course, REPAIRS_DIR, student, lesson)


def other_reading_path(course: str | Path, student: str, lesson: str, name: str) -> Path:
    """Where the other reading of an ambiguous repair is kept (see keep)."""
    return record_dir(course, student, lesson) / f"{Path(name).stem}.other-reading.ipynb"


def keep(course: str | Path, student: str, lesson: str, original: Path, report: Report,
         other: NotebookNode | None = None) -> None:
    """Record a repair made while grading: a copy of the original as submitted (when the repair changed
    anything) and what it changed and flagged, in report.json; `other`, the other reading of an
    ambiguous split, next to them. A notebook needing nothing loses its record."""
    folder = record_dir(course, student, lesson)
    other_path = other_reading_path(course, student, lesson, original.name)
    if other is not None:
        folder.mkdir(parents=True, exist_ok=True)
        notebooks.write(other, other_path)
    elif other_path.exists():
        other_path.unlink()
    record_file = folder / RECORD_FILE
    try:
        records = json.loads(record_file.read_text()) if record_file.exists() else {}
    except ValueError:
        records = {}
    records = {k: v for k, v in records.items() if isinstance(v, dict)} if isinstance(records, dict) else {}
    name = original.name
    current = sha256(original) if original.exists() else None
    legacy = records.get(name, {})
    if current is not None and legacy.get("repaired_sha256") == current:
        # Repaired in place by an older dlcourse: its record keeps the only copy of the original; add what
        # this repair found on top of that.
        for key in ("changes", "flags"):
            legacy[key] = list(dict.fromkeys([*legacy.get(key, []), *getattr(report, key)]))
        record_file.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
        return
    if report.changes:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(original, folder / name)
        records[name] = {"original_sha256": current, "original": str(folder / name), **report.as_dict()}
    elif report.flags:  # nothing to change, but something for the instructor to look at
        records[name] = {"original_sha256": current, **report.as_dict()}
    else:
        records.pop(name, None)
        if (folder / name).exists() and current is not None and sha256(folder / name) == current:
            (folder / name).unlink()  # a copy of the submission as it is now: nothing to keep
    if records:
        folder.mkdir(parents=True, exist_ok=True)
        record_file.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
    elif record_file.exists():
        record_file.unlink()


def recorded(course: str | Path, lesson: str, student: str) -> Report | None:
    """What the repair changed and flagged in a student's submission of `lesson` when it was last graded,
    for the notebooks still submitted as they were then; None when it found nothing."""
    record_file = record_dir(course, student, lesson) / RECORD_FILE
    try:
        records = json.loads(record_file.read_text())
    except (OSError, ValueError):
        return None
    report = Report()
    for name, record in sorted(records.items()):
        submitted = Path(course, "submitted", student, lesson, name)
        current = sha256(submitted) if submitted.exists() else None
        if current is None or current not in (record.get("original_sha256"), record.get("repaired_sha256")):
            continue  # submitted again since: that record is out of date
        report.changes += record.get("changes", [])
        report.flags += record.get("flags", [])
    return report if report.changes or report.flags else None
