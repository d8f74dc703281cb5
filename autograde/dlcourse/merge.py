"""Take a new version of a lesson into a student's notebook without losing their work.

When an instructor fixes a lesson students have already started (a typo, a
clearer explanation, a fixed visible test, a hint), `update(nb, release)`
merges the new student version into the student's notebook:

* lesson text, figures and test cells come from the new version;
* the student's answers and the cells they added stay, each next to the
  lesson cell it followed; a lesson cell the student edited is kept too;
* where an exercise the student already answered changed (its text just
  above the answer, or its starting code), the answer is kept as it is and a
  marked note above it shows what changed: a conflict for the student to
  read, never an overwrite;
* damage the repair knows about (dlcourse/repair/) is repaired on the way: an
  update runs the repair's plan (repair.Plan) with steps of its own in between.

Without the old version at hand, old lesson text is recognised by its cell id:
`dlcourse build` names every lesson cell after a hash of its text
("ma-1a2b3c4d"), and JupyterLab keeps cell ids, so a cell whose id matches
the hash of its own text is lesson text the student never touched. Answer
cells carry nbgrader's checksum of their starting code, which tells whether
that starting code changed. Updating twice with the same version changes
nothing the second time.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import re
import shutil
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from . import notebooks, repair
from .paths import LESSONS_DIR, lesson_ids, lesson_notebook

LESSON_CELL_ID = re.compile(r"^(ma|co|ra)-([0-9a-f]{8})(?:-\d+)?$")
NOTE_KEY = "dlcourse"  # cell metadata key of the notes an update writes: {"update_conflict": grade_id}


def lesson_cell_id(cell: NotebookNode) -> tuple[bool, bool]:
    """(is a lesson cell id, its text is unchanged since the release) for a cell."""
    match = LESSON_CELL_ID.match(str(cell.get("id") or ""))
    if not match or match.group(1) != cell.cell_type[:2]:
        return False, False
    return True, hashlib.sha1(cell.source.encode()).hexdigest()[:8] == match.group(2)


# ---------------------------------------------------------------------------
# An update's own steps, between the repair's (repair/plan.py)

UPDATE_WORDING = repair.Wording(
    deleted=lambda ref, what: f"Added {ref.label} (new in this version of the lesson, or missing from your copy).",
    foreign=lambda gid, origin: (f"`{gid}` is no longer part of the lesson; kept your cell {origin} as an "
                                 "ordinary cell of yours."))


def claim_by_cell_id(plan: repair.Plan) -> None:
    """A cell whose id is a lesson cell's id is the student's edited copy of that (unchanged) lesson cell."""
    ids = {ref.cell.get("id"): ref for ref in plan.refs if ref.kind == repair.Kind.LESSON}
    for piece in plan.pieces:
        ref = ids.get(piece.cell.get("id"))
        if ref is not None and not piece.claims and not piece.gid and not piece.blank:
            piece.claims[ref.index] = "cellid"


def drop_removed_tests(plan: repair.Plan) -> None:
    """Tests (and read-only cells) the new version no longer has, left as released: removed."""
    for piece in plan.pieces:
        gid = piece.gid
        meta = notebooks.nbgrader_meta(piece.cell)
        if gid and gid not in plan.by_gid and meta.get("locked") and repair.recorded_checksum_matches(piece.cell) \
                and piece.role == repair.Role.OWN and not piece.claims:
            piece.role = repair.Role.DROP
            plan.say(f"Removed `{gid}`, which is no longer part of the lesson.")


def drop_old_lesson_text(plan: repair.Plan) -> int:
    """Lesson cells of the old version the student never touched go (the new version comes in); ones
    the student edited stay, as theirs. Returns how many were dropped."""
    replaced = 0
    for piece in plan.pieces:
        if piece.role != repair.Role.OWN or piece.claims:
            continue
        is_lesson, untouched = lesson_cell_id(piece.cell)
        if is_lesson and untouched:
            piece.role, piece.old_lesson = repair.Role.DROP, True  # lesson text of the old version
            replaced += 1
        elif is_lesson and not piece.blank:
            piece.old_lesson = True  # the student edited it: kept, as theirs
            plan.say(f"Cell {piece.origin} is a lesson cell you edited; this version of the lesson changed "
                     "it, so both are kept: yours, and the new one.")
    return replaced


def not_started(plan: repair.Plan, piece: repair.Piece, ref: repair.Ref) -> bool:
    if ref.kind == repair.Kind.WRITTEN:
        return repair.norm(piece.source) in (ref.norm, "")
    return plan.untouched(piece, ref)


def take_new_cells(plan: repair.Plan) -> None:
    """Answers not started get the new starting code; tests left as released, the new version."""
    for ref in plan.refs:
        piece = plan.primary.get(ref.index)
        if piece is None:
            continue
        if ref.kind in (repair.Kind.ANSWER, repair.Kind.WRITTEN) and not_started(plan, piece, ref):
            if repair.norm(piece.source) != ref.norm:
                plan.say(f"Updated the starting code of {ref.label} (you had not started it).")
            piece.cell = copy.deepcopy(ref.cell)
        elif ref.kind == repair.Kind.TEST and repair.norm(piece.source) != ref.norm and not plan.modified(piece, ref):
            plan.say(f"Updated {ref.label} to the new version: run it again.")


def _block_above(plan, ref):
    """The lesson refs between the previous graded cell and `ref`, nearest first."""
    out = []
    for other in reversed(plan.refs[:ref.index]):
        if other.graded:
            break
        out.append(other)
    return out


def _old_prompt(plan, piece):
    """The old lesson text just above the student's answer (nearest first), if the update replaced it."""
    pos = plan.position(piece)
    for other in reversed(plan.pieces[:pos]):
        if other.role == "primary" and plan.refs[other.ref].graded:
            return None
        if other.role == "primary":
            continue
        if other.old_lesson and other.cell.cell_type == "markdown":
            return other
    return None


def _changed_lines(old, new):
    diff = [line for line in difflib.ndiff(old.split("\n"), new.split("\n"))
            if line[:2] in ("- ", "+ ") and line[2:].strip()]
    return "\n".join(diff)


def note_cell(gid: str, what: str, diff: str | None = None, starting_code: str | None = None) -> NotebookNode:
    """The marked Markdown note an update puts above an answer whose exercise changed."""
    text = [f"**⚠ Lesson update: {what} after you started it.** Your answer below is kept exactly as "
            "you wrote it."]
    if diff:
        text += ["", "What changed in the exercise (`-` old, `+` new):", "", "```diff", diff, "```"]
    if starting_code:
        text += ["", "The starting code is now:", "", "```python", starting_code, "```"]
    text += ["", "Check that your answer still does what the exercise asks, then delete this note."]
    cell = nbformat.v4.new_markdown_cell("\n".join(text))
    cell.id = f"update-note-{re.sub(r'[^A-Za-z0-9_-]', '-', gid)}"[:64]
    cell.metadata[NOTE_KEY] = {"update_conflict": gid}
    return cell


def _conflicts(plan: repair.Plan) -> list[str]:
    """Notes above every answer the student started whose exercise changed; returns their grade ids."""
    found = []
    for ref in plan.refs:
        piece = plan.primary.get(ref.index)
        if ref.kind not in ("answer", "written") or piece is None or not_started(plan, piece, ref):
            continue
        reasons, diff, starting = [], None, None
        old_sum = notebooks.nbgrader_meta(piece.cell).get("checksum")
        new_sum = notebooks.nbgrader_meta(ref.cell).get("checksum")
        if ref.kind == "answer" and old_sum and new_sum and old_sum != new_sum:
            reasons.append("its starting code changed")
            starting = ref.cell.source
        prompt = next((r for r in _block_above(plan, ref) if r.cell.cell_type == "markdown"), None)
        if prompt is not None and prompt.index not in plan.primary:
            old = _old_prompt(plan, piece)
            reasons.append("its text changed" if old is not None else "text was added to it")
            diff = _changed_lines(old.source if old is not None else "", prompt.cell.source)
        if not reasons:
            continue
        what = f"the exercise `{ref.gid}` changed ({' and '.join(reasons)})"
        plan.extra_before.setdefault(ref.index, []).append(note_cell(ref.gid, what, diff, starting))
        plan.report.conflicts.append(f"`{ref.gid}`: {' and '.join(reasons)}; your answer is kept, with a "
                                         "note above it showing what changed.")
        found.append(ref.gid)
    return found


def update(nb: NotebookNode, release: NotebookNode, notes: tuple[str, ...] | list[str] = ()) \
        -> tuple[NotebookNode, repair.Report]:
    """Merge a new release of a lesson into a student's notebook; returns (notebook, Report).

    Neither argument is modified. report.conflicts lists the exercises whose
    answers got a note; report.changes everything else. The repair's steps
    (repair.Plan) with an update's in between.
    """
    plan = repair.Plan(nb, release, UPDATE_WORDING)
    replaced = 0
    if not plan.empty:
        plan.split_merged()
        plan.claim()
        claim_by_cell_id(plan)
        drop_removed_tests(plan)
        plan.choose(lesson_claims=("exact", "cellid"))
        replaced = drop_old_lesson_text(plan)
    _conflicts(plan)
    take_new_cells(plan)
    merged = repair.assemble(plan, restore_lesson=True, late_after_dropped=True)
    report = plan.report
    report.changes[:0] = list(notes)
    if plan.empty:
        return merged, report
    added = sum(1 for r in plan.refs if r.kind == repair.Kind.LESSON and r.index not in plan.primary)
    if added or replaced:
        report.changes.append(f"Took the new version of the lesson's text and code: {added} cell(s) new or "
                              f"changed, {replaced} old one(s) replaced.")
    if repair.as_dict(merged) == repair.as_dict(nb):
        report.changes.clear()
        return copy.deepcopy(nb), report
    if not report.changes and not report.conflicts:
        report.changes.append("Tidied the notebook's cell ids and metadata.")
    return merged, report


def update_file(path: str | Path, release_path: str | Path, *, write: bool = True) \
        -> tuple[repair.Report, Path | None]:
    """Update one notebook file from a release notebook; keeps a backup when it changes anything.

    Also copies files of the release folder the student's folder lacks (never
    overwriting). Returns (Report, backup path or None).
    """
    path, release_path = Path(path), Path(release_path)
    fixes = []
    nb = repair.read(path, fixes)
    merged, report = update(nb, notebooks.read(release_path), fixes)
    backup = None
    if write:
        if report.changes or report.conflicts:
            backup = repair.backup_path(path, "before-update")
            shutil.copy2(path, backup)
            notebooks.write(merged, path)
        for extra in sorted(release_path.parent.rglob("*")):
            target = path.parent / extra.relative_to(release_path.parent)
            if extra.is_file() and extra.suffix != ".ipynb" and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(extra, target)
                report.changes.append(f"Added the lesson's new file {target.name}.")
    return report, backup


def update_all(work_dir: str | Path, lessons_dir: str | Path = LESSONS_DIR, *, write: bool = True) \
        -> dict[str, tuple[repair.Report, Path | None]]:
    """Update every lesson notebook in a work folder (made by `make lab`); returns {lesson: (Report, backup)}."""
    results = {}
    for lesson in lesson_ids(lessons_dir):
        path = lesson_notebook(lesson, work_dir)
        if path.exists():
            results[lesson] = update_file(path, lesson_notebook(lesson, lessons_dir), write=write)
    return results
