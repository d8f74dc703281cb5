"""Building the repaired notebook from a plan: the lesson's order, the student's cells beside the
lesson cell they followed, graded cells with the lesson's metadata, unique cell ids."""

from __future__ import annotations

import copy
import hashlib

from nbformat import NotebookNode

from .plan import Kind, Plan, Ref, Role, type_name
from .reading import CELL_ID, free_id
from .source import norm, with_cell, without_nbgrader


def assemble(plan: Plan, *, restore_lesson: bool = False, late_after_dropped: bool = False) -> NotebookNode:
    """The cells in the lesson's order, each student cell after the lesson cell it followed.

    restore_lesson: also put back lesson (ungraded) cells the notebook lacks.
    late_after_dropped: a student cell that followed a dropped cell goes after the
    lesson cells put back there (an update replaced the cell it followed).
    """
    anchored, late = {}, {}
    anchor, after_drop = -1, False
    for piece in plan.pieces:
        if piece.role == Role.PRIMARY:
            anchor, after_drop = piece.ref, False
        elif piece.role == Role.DROP:
            after_drop = after_drop or piece.old_lesson
        else:
            target = late if (after_drop and late_after_dropped) else anchored
            target.setdefault(anchor, []).append(piece)
    order = []
    pending_late = []
    for item in anchored.get(-1, []) + late.get(-1, []):
        order.append(("own", item))
    for ref in plan.refs:
        present = ref.index in plan.primary
        wanted = present or ref.index in plan.restored or (
            restore_lesson and ref.kind == Kind.LESSON and ref.index not in plan.not_restored)
        if present and pending_late:
            order += [("own", p) for p in pending_late]
            pending_late = []
        for cell in plan.extra_before.get(ref.index, []):
            order.append(("extra", cell))
        if wanted:
            order.append(("ref", ref))
        for cell in plan.extra_after.get(ref.index, []):
            order.append(("extra", cell))
        order += [("own", p) for p in anchored.get(ref.index, [])]
        pending_late += late.get(ref.index, [])
    order += [("own", p) for p in pending_late]

    cells, preferred = [], []
    for what, item in order:
        if what == "ref":
            cells.append(lesson_cell(plan, item))
            preferred.append(item.cell.get("id") if item.graded or item.index not in plan.primary
                             else plan.primary[item.index].cell.get("id") or item.cell.get("id"))
        elif what == "extra":
            cells.append(item)
            preferred.append(None)
        else:
            cells.append(item.cell)
            preferred.append(item.cell.get("id"))
    nb = copy.deepcopy(plan.nb)
    nb.cells = cells
    nb.nbformat, nb.nbformat_minor = 4, max(5, nb.get("nbformat_minor", 5) or 5)
    assign_ids(nb.cells, preferred, [what == "ref" and item.graded for what, item in order])
    report_moves(plan)
    return nb


def lesson_cell(plan: Plan, ref: Ref) -> NotebookNode:
    """The cell that stands for `ref`: the lesson's own when nothing of the student's is, else the student's
    piece with the lesson's grading metadata (a test's or read-only cell's text always the lesson's)."""
    piece = plan.primary.get(ref.index)
    if piece is None:
        return with_cell(ref.cell, source=ref.cell.source)
    meta = without_nbgrader(piece.cell.metadata)
    for key in ("nbgrader", "deletable", "editable"):
        if key in ref.cell.metadata:
            meta[key] = copy.deepcopy(ref.cell.metadata[key])
    if ref.kind in (Kind.TEST, Kind.LOCKED):
        unchanged = norm(piece.source) == ref.norm
        cell = with_cell(piece.cell, source=ref.cell.source, cell_type=ref.cell.cell_type, metadata=meta)
        if not unchanged and cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        return cell
    if ref.kind in (Kind.ANSWER, Kind.WRITTEN):
        return with_cell(piece.cell, cell_type=ref.cell.cell_type, metadata=meta)
    # A lesson cell: the student's copy; lesson text typed as code or raw becomes text again.
    if ref.cell.cell_type == "markdown" and piece.cell.cell_type != "markdown":
        plan.say(f"Lesson text (cell {piece.origin}) had been turned into a {type_name(piece.cell.cell_type)} "
                 "cell; made it Markdown again.")
        return with_cell(piece.cell, cell_type="markdown")
    return piece.cell


def report_moves(plan: Plan) -> None:
    placed = sorted((plan.position(p), ref) for ref, p in plan.primary.items())
    refs_in_student_order = [ref for _, ref in placed]
    keep = longest_increasing(refs_in_student_order)
    moved = [plan.refs[r] for r in refs_in_student_order if r not in keep]
    graded = [r for r in moved if r.graded]
    if graded:
        plan.say("Moved " + " and ".join(r.label for r in graded) + (" back to its place" if len(graded) == 1
                 else " back to their places") + " in the lesson (tests run after the answers they check).")
    if len(moved) > len(graded):
        plan.say(f"Moved {len(moved) - len(graded)} lesson cell(s) back to their place in the lesson.")


def longest_increasing(seq: list[int]) -> set[int]:
    """The set of values in one longest strictly increasing subsequence (deterministic)."""
    if not seq:
        return set()
    best = [1] * len(seq)
    prev = [-1] * len(seq)
    for i in range(len(seq)):
        for j in range(i):
            if seq[j] < seq[i] and best[j] + 1 > best[i]:
                best[i], prev[i] = best[j] + 1, j
    i = max(range(len(seq)), key=lambda k: (best[k], -k))
    out = set()
    while i != -1:
        out.add(seq[i])
        i = prev[i]
    return out


def assign_ids(cells: list[NotebookNode], preferred: list[str | None], priority: list[bool]) -> None:
    """Unique, valid cell ids: lesson cells keep the lesson's id, the rest keep theirs where free."""
    taken: set[str] = set()
    for cell, want, first in zip(cells, preferred, priority):
        if first and want and CELL_ID.match(want) and want not in taken:
            cell["id"] = want
            taken.add(want)
    for cell, want, first in zip(cells, preferred, priority):
        if first and cell.get("id") in taken and cell.get("id") == want:
            continue
        # New cells get "cell-<hash>": never the lesson's "ma-<hash>" form, which marks lesson text (merge.py).
        base = want if want and CELL_ID.match(want) else (
            cell.get("id") if isinstance(cell.get("id"), str) and CELL_ID.match(cell.get("id")) else
            f"cell-{hashlib.sha1(cell.source.encode()).hexdigest()[:10]}")
        cell["id"] = free_id(base[:56], taken)
        taken.add(cell["id"])
