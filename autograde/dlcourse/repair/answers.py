"""Choosing the student's answer cells: by grade id, joined again when split, or by what they define.

An answer cell split in two comes back as one: by JupyterLab (both halves keep
the grade id: join_split) or by an editor that leaves the new half bare (the
classic Notebook, IPython 2-3: join_bare_split, see source.split_join). An
answer written in a new cell replaces untouched starting code; a graded
function defined in several cells is flagged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .plan import Kind, Role, cap, cell_numbers, type_name
from .source import defined_names, norm, parses, split_join, unanswered, with_cell

APART = "dlcourse_split"  # cell metadata {"apart_from": grade id}: a half never to be joined again

if TYPE_CHECKING:
    from .plan import Piece, Plan, Ref


def choose_answer(plan: Plan, ref: Ref) -> None:
    """The piece that is the answer cell of `ref`: by grade id (joined again if split), else by the
    function it defines; the starting code makes way for an answer written in a new cell."""
    ids = plan.candidates(ref, ("id",))
    ids = join_split(plan, ref, ids)
    if len(ids) == 1:
        join_bare_split(plan, ref, ids[0])
    content = [p for p in plan.candidates(ref, ("defines", "exact")) if not p.gid or p.gid not in plan.by_gid]
    tests = [r for r in plan.refs[ref.index + 1:] if r.kind == Kind.TEST]
    test = plan.primary.get(tests[0].index) if tests else None

    def in_effect(pieces):
        """The candidate whose definition the test sees: the last one above the test."""
        if test is not None:
            above = [p for p in pieces if plan.position(p) < plan.position(test)]
            if above:
                return above[-1]
        return pieces[0]

    worked = lambda p: not plan.untouched(p, ref)  # noqa: E731
    chosen = None
    if ids:
        real = [p for p in ids if worked(p)]
        chosen = in_effect(real) if real else ids[0]
        for piece in ids:
            if piece is chosen:
                continue
            if worked(piece):
                plan.make_own(piece, f"Cell {piece.origin} was a second copy of {ref.label}; "
                                      "kept it as an ordinary cell of yours (the grader uses the other one).")
            else:
                piece.role = Role.DROP
        if not worked(chosen):
            others = plan.answer_refs() - {ref.index}
            written = [p for p in content if worked(p) and not p.claims.keys() & others]
            if written:
                better = in_effect(written)
                chosen.role = Role.DROP
                chosen = better
                plan.say(f"Your answer to `{ref.gid}` was in a new cell (cell {better.origin}); it is now "
                         "the answer cell, in place of the unchanged starting code.")
    else:
        free = [p for p in content if not (p.claims.keys() - {ref.index}) & plan.answer_refs()]
        real = [p for p in free if worked(p)]
        pool = real or free
        if pool:
            chosen = in_effect(pool)
            plan.say(f"Cell {chosen.origin} holds your answer to `{ref.gid}` but had lost its grading "
                     "metadata; made it the answer cell again.")
            if len({norm(p.source) for p in real}) > 1:
                plan.flag(f"`{ref.gid}` is defined in {len(real)} cells ({cell_numbers(real)}); used cell "
                          f"{chosen.origin} (the one in effect when its test runs) as the answer. Check it.")
    if chosen is not None:
        plan.take(chosen, ref)
        if chosen.cell.cell_type != "code":
            plan.say(f"{cap(ref.label)} had been turned into a {type_name(chosen.cell.cell_type)} cell; "
                     "made it a code cell again.")
        if not worked(chosen):
            elsewhere = [p for p in plan.pieces if p is not chosen and p.role != Role.DROP
                         and ref.names & defined_names(p.source) and not unanswered(p.source)
                         and (p.cell.cell_type == "code" or parses(p.source))]
            if elsewhere:
                plan.flag(f"`{ref.gid}` is written in cell {cell_numbers(elsewhere)}, but its answer cell still "
                          "holds the starting code, which runs later and replaces it. Move the code into "
                          "the answer cell.")
        return
    elsewhere = [p for p in plan.pieces if p.role != Role.DROP and ref.names & defined_names(p.source)
                 and (p.cell.cell_type == "code" or parses(p.source))]
    if elsewhere:
        plan.not_restored.add(ref.index)
        plan.flag(f"The answer cell of `{ref.gid}` is missing and `{ref.gid}` is defined inside another "
                  f"cell (cell {cell_numbers(elsewhere)}) together with other code; left it there. Check that "
                  "it is graded as intended.")
        return
    plan.restored.add(ref.index)
    plan.say(plan.wording.deleted(ref, "put it back with its starting code"))


def join_split(plan: Plan, ref: Ref, ids: list[Piece]) -> list[Piece]:
    """Join runs of neighbouring cells that carry the same grade id (JupyterLab's Split keeps it on both)."""
    if len(ids) < 2:
        return ids
    runs = [[ids[0]]]
    for piece in ids[1:]:
        between = plan.pieces[plan.position(runs[-1][-1]) + 1:plan.position(piece)]
        if all(p.blank and p.role == Role.OWN and not p.claims for p in between):
            runs[-1].append(piece)
        else:
            runs.append([piece])
    glue = "\n" if ref.cell.cell_type == "code" else "\n\n"
    for run in runs:
        if len(run) < 2:
            continue
        head = run[0]
        head.cell = with_cell(head.cell, source=glue.join(p.source.strip("\n") for p in run if p.source.strip()))
        lo, hi = plan.position(head), plan.position(run[-1])
        gone = {id(p) for p in plan.pieces[lo + 1:hi + 1]}  # the other pieces, and blank cells between them
        plan.pieces = [p for p in plan.pieces if id(p) not in gone]
        plan.say(f"{cap(ref.label)} had been split into {len(run)} cells ({cell_numbers(run)}); "
                 "joined them back into one.")
    return [run[0] for run in runs]


def join_bare_split(plan: Plan, ref: Ref, piece: Piece) -> None:
    """Join the answer cell with a neighbouring code cell without metadata when the two are one cell
    split in two by an editor that left the new half bare (see split_join); repeated for a cell split
    more than once."""
    while True:
        pos = plan.position(piece)
        for step in (-1, 1):
            other = bare_neighbour(plan, pos, step)
            if other is None:
                continue
            first, second = (other, piece) if step < 0 else (piece, other)
            joined = split_join(first.source, second.source, ref.names)
            if joined is None:
                continue
            text, ambiguous = joined
            if ambiguous and not plan.join_ambiguous:  # the other reading: marked, so no repair joins it again
                other.cell = with_cell(other.cell, metadata={**other.cell.metadata, APART: {"apart_from": ref.gid}})
                continue
            piece.cell = with_cell(piece.cell, source=text)
            other.role = Role.DROP
            plan.pieces.remove(other)
            plan.say(f"{cap(ref.label)} had been split into 2 cells ({cell_numbers([first, second])}), and cell "
                     f"{other.origin} had lost its grading metadata; joined them back into one.")
            if ambiguous:
                plan.report.ambiguous.append(ref.gid)
                plan.flag(f"Cell {other.origin} (without grading metadata) and {ref.label} look like one "
                          f"cell split in two, but both halves also run on their own: joined them, so "
                          f"`{ref.gid}` now includes the code of cell {other.origin}. Check both readings.")
            break
        else:
            return


def bare_neighbour(plan: Plan, pos: int, step: int) -> Piece | None:
    """The next non-blank cell above (step -1) or below (+1) if it is a code cell of the student's
    without grading metadata that no other lesson cell claims; blank cells between are skipped."""
    n = pos + step
    while 0 <= n < len(plan.pieces) and plan.pieces[n].blank and plan.pieces[n].role == Role.OWN:
        n += step
    if not 0 <= n < len(plan.pieces):
        return None
    other = plan.pieces[n]
    answers = plan.answer_refs()
    marked = other.cell.metadata.get(APART)
    if isinstance(marked, dict) and marked.get("apart_from"):
        return None  # kept apart on purpose (the other reading of an ambiguous split)
    if other.role != Role.OWN or other.gid or "nbgrader" in other.cell.metadata or other.from_ref \
            or other.cell.cell_type != "code" or other.blank \
            or any(how != "defines" or index not in answers for index, how in other.claims.items()):
        return None
    return other


def choose_written(plan: Plan, ref: Ref) -> None:
    """The written answer: by grade id (joined again if split), by its text, or the one text cell in its place."""
    ids = plan.candidates(ref, ("id",))
    ids = join_split(plan, ref, ids)
    if ids:
        texts = [p for p in ids if norm(p.source) != ref.norm]
        chosen = texts[0] if texts else ids[0]
        for piece in ids:
            if piece is chosen:
                continue
            if norm(piece.source) == ref.norm:
                piece.role = Role.DROP
            else:
                plan.make_own(piece, f"Cell {piece.origin} was a second copy of {ref.label}; kept it "
                                      "as an ordinary cell of yours.")
        if len({norm(p.source) for p in texts}) > 1:
            plan.flag(f"{cap(ref.label)} was written in {len(texts)} cells ({cell_numbers(texts)}); the first is "
                      "graded as the answer, the others are kept below it. Read them all when grading.")
    else:
        exact = plan.candidates(ref, ("exact",))
        chosen = exact[0] if exact else in_slot(plan, ref)
        if chosen is not None:
            plan.say(f"Cell {chosen.origin} is {ref.label} but had lost its grading metadata; restored it.")
    if chosen is None:
        plan.restored.add(ref.index)
        plan.say(plan.wording.deleted(ref, "put it back"))
        loose = [p for p in plan.pieces if p.role == Role.OWN and not p.blank and p.cell.cell_type != "code"
                 and not p.claims]
        if loose:
            plan.flag(f"{cap(ref.label)} was missing; the student wrote text in other cells "
                      f"({cell_numbers(loose)}). Check whether one of them is the answer.")
        return
    plan.take(chosen, ref)
    if chosen.cell.cell_type != ref.cell.cell_type:
        plan.say(f"{cap(ref.label)} had been turned into a {type_name(chosen.cell.cell_type)} cell; "
                 f"made it a {type_name(ref.cell.cell_type)} cell again.")


def in_slot(plan: Plan, ref: Ref) -> Piece | None:
    """A text cell without metadata exactly where the written answer belongs (between its neighbours)."""
    before = [plan.position(plan.primary[r.index]) for r in plan.refs[:ref.index] if r.index in plan.primary]
    after = [plan.position(plan.primary[r.index]) for r in plan.refs[ref.index + 1:] if r.index in plan.primary]
    lo = before[-1] if before else -1
    hi = min(after) if after else len(plan.pieces)
    if lo >= hi:
        return None
    slot = [p for p in plan.pieces[lo + 1:hi]
            if p.role == Role.OWN and not p.blank and p.cell.cell_type != "code" and not p.claims and not p.gid]
    return slot[0] if len(slot) == 1 else None
