"""Matching a student's cells to the lesson's: the plan that assembly carries out.

A `Plan` holds the lesson's cells (`refs`, typed by `Kind`) and the student's
(`pieces`, each with a `Role`), and runs in three steps, each public so that an
update (merge.py) can put its own steps between them:

    split_merged()  cells merged together are split back where they hold a lesson cell's text
    claim()         every piece says which lesson cells it could be (by grade id, text, names)
    choose()        one piece per lesson cell; the rest stay the student's own, or are dropped

`match(nb, reference)` runs them for a repair. Answer cells are chosen in
answers.py; assemble.py builds the notebook from the plan.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable

import nbformat
from nbformat import NotebookNode

from .. import notebooks
from .source import cut, defined_names, norm, parses, recorded_checksum_matches, with_cell, without_nbgrader

# Cells shorter than this are never split out of a merged cell (too likely to match by chance).
MIN_SPLIT_CHARS = 20


class Kind(str, Enum):
    """What a cell of the lesson is."""
    ANSWER = "answer"    # code the student writes (graded by its tests)
    WRITTEN = "written"  # a Markdown answer (graded by hand)
    TEST = "test"        # an autograded test cell
    LOCKED = "locked"    # another read-only graded cell
    LESSON = "lesson"    # text, figures and code of the lesson itself


class Role(str, Enum):
    """What becomes of a student's cell."""
    PRIMARY = "primary"  # it is a lesson cell (Piece.ref)
    OWN = "own"          # the student's own cell, kept next to the lesson cell it followed
    DROP = "drop"        # left out: never the student's work (a copy of a test, old lesson text)


@dataclass
class Report:
    """What a repair (or an update) did, in plain words."""
    changes: list[str] = field(default_factory=list)    # what was changed, for the student and the instructor
    flags: list[str] = field(default_factory=list)      # what it could not settle: a person should look
    conflicts: list[str] = field(default_factory=list)  # (updates) exercises changed since the student began
    ambiguous: list[str] = field(default_factory=list)  # answers joined on a split either way of reading runs

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def as_dict(self) -> dict[str, list[str]]:
        return {"changes": list(self.changes), "flags": list(self.flags), "conflicts": list(self.conflicts),
                "ambiguous": list(self.ambiguous)}


@dataclass
class Ref:
    """One cell of the released lesson."""
    index: int
    cell: NotebookNode
    kind: Kind
    gid: str | None = None
    names: frozenset[str] = frozenset()
    norm: str = ""
    first_line: str = ""

    @property
    def graded(self) -> bool:
        return self.kind in (Kind.ANSWER, Kind.WRITTEN, Kind.TEST)

    @property
    def label(self) -> str:
        start = self.first_line.lstrip("#").strip()
        start = start if len(start) <= 40 else start[:37].rstrip() + "..."
        return {Kind.ANSWER: f"the answer cell of `{self.gid}`", Kind.WRITTEN: f"the written answer `{self.gid}`",
                Kind.TEST: f"the test cell `{self.gid}`", Kind.LOCKED: f"the read-only cell `{self.gid}`"}.get(
                    self.kind, f'the lesson cell "{start}"')


def reference_cells(reference: NotebookNode) -> list[Ref]:
    """The lesson's cells as Refs, in order."""
    refs = []
    for i, cell in enumerate(reference.cells):
        meta = notebooks.nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if gid and meta.get("solution") and cell.cell_type == "code":
            kind = Kind.ANSWER
        elif gid and meta.get("solution"):
            kind = Kind.WRITTEN
        elif gid and meta.get("grade") and cell.cell_type == "code":
            kind = Kind.TEST
        elif gid and (meta.get("locked") or meta.get("grade") or meta.get("task")):
            kind = Kind.LOCKED
        else:
            kind, gid = Kind.LESSON, None
        lines = [line for line in cell.source.split("\n") if line.strip()]
        names = frozenset(defined_names(cell.source)) if kind == Kind.ANSWER else frozenset()
        refs.append(Ref(i, cell, kind, gid, names, norm(cell.source), lines[0].strip() if lines else ""))
    return refs


@dataclass(eq=False)
class Piece:
    """A student cell (or part of one, after splitting a merged cell)."""
    cell: NotebookNode
    origin: int  # 1-based number of the cell in the student's notebook
    gid: str | None = None  # the grade id it carries, if any
    claims: dict[int, str] = field(default_factory=dict)  # ref index -> how ("id", "exact", "defines", ...)
    ref: int | None = None  # the lesson cell it is (when primary)
    role: Role = Role.OWN
    from_ref: bool = False  # split out of a merged cell: exactly a lesson cell's text
    old_lesson: bool = False  # (updates) a cell of an older release of the lesson

    @property
    def source(self) -> str:
        return self.cell.source

    @property
    def blank(self) -> bool:
        return not self.cell.source.strip()


@dataclass
class Wording:
    """The sentences that differ between a repair and an update."""
    deleted: Callable[[Ref, str], str] = lambda ref, what: f"{cap(ref.label)} had been deleted; {what}."
    foreign: Callable[[str, int], str] = lambda gid, origin: (
        f"Cell {origin} came from another lesson or notebook (grade id `{gid}`); kept it as an ordinary "
        "cell of yours, without grading metadata.")


class Plan:
    """The student's cells matched to the lesson's (see the module's docstring).

    `pieces`: student cells in the student's order; `primary` {ref index: Piece};
    `restored`: lesson cells put back from the lesson; `not_restored`: answers left
    out on purpose; `extra_before`/`extra_after` {ref index: [cells]}: cells to add
    next to a lesson cell; `report`.
    """

    def __init__(self, nb: NotebookNode, reference: NotebookNode, wording: Wording | None = None,
                 join_ambiguous: bool = True):
        self.nb = nb
        self.join_ambiguous = join_ambiguous  # False: the other reading of ambiguous splits (answers.py)
        self.reference = reference
        self.wording = wording or Wording()
        self.refs = reference_cells(reference)
        self.by_gid = {r.gid: r for r in self.refs if r.gid}
        self.report = Report()
        self.primary: dict[int, Piece] = {}
        self.restored: set[int] = set()
        self.not_restored: set[int] = set()
        self.extra_after: dict[int, list[NotebookNode]] = {}
        self.extra_before: dict[int, list[NotebookNode]] = {}
        self.pieces = [Piece(copy.deepcopy(cell), n + 1, notebooks.grade_id(cell)) for n, cell in enumerate(nb.cells)]
        self.empty = all(p.blank for p in self.pieces)
        if self.empty:
            self._rebuild()

    def _rebuild(self) -> None:
        """Nothing of the student's is in the notebook: the whole lesson goes back."""
        for piece in self.pieces:
            piece.role = Role.DROP
        self.restored = {ref.index for ref in self.refs}
        tests = ", ".join(f"`{ref.gid}`" for ref in self.refs if ref.kind == Kind.TEST)
        self.say("The notebook was empty: put the whole lesson back, with its tests (" + (tests or "none")
                 + ") and empty answer cells (the answers have to be written again).")
        self.flag("The submitted notebook was empty (no cell had any content): none of the student's work "
                  "was in it. Was the right file submitted?")

    # -- small helpers
    def say(self, text: str) -> None:
        if text not in self.report.changes:
            self.report.changes.append(text)

    def flag(self, text: str) -> None:
        if text not in self.report.flags:
            self.report.flags.append(text)

    def position(self, piece: Piece) -> int:
        return self.pieces.index(piece)

    def candidates(self, ref: Ref, how: tuple[str, ...]) -> list[Piece]:
        return [p for p in self.pieces if p.role == Role.OWN and p.claims.get(ref.index) in how]

    def take(self, piece: Piece, ref: Ref) -> None:
        piece.role, piece.ref = Role.PRIMARY, ref.index
        self.primary[ref.index] = piece

    def answer_refs(self) -> set[int]:
        return {r.index for r in self.refs if r.kind == Kind.ANSWER}

    def untouched(self, piece: Piece, ref: Ref) -> bool:
        """The piece is the answer's starting code, unchanged (or only reformatted)."""
        from .source import unanswered
        return norm(piece.source) == ref.norm or unanswered(piece.source) or (
            piece.gid == ref.gid and recorded_checksum_matches(piece.cell))

    def modified(self, piece: Piece, ref: Ref) -> bool:
        """Did the student change this copy of a locked cell? (An older release's version is no change.)"""
        return norm(piece.source) != ref.norm and not recorded_checksum_matches(piece.cell)

    def make_own(self, piece: Piece, why: str | None = None) -> None:
        """Keep a piece as the student's own cell, without grading metadata."""
        if notebooks.nbgrader_meta(piece.cell) or "nbgrader" in piece.cell.metadata:
            gid = notebooks.grade_id(piece.cell)
            piece.cell = with_cell(piece.cell, metadata=without_nbgrader(piece.cell.metadata))
            if why:
                self.say(why)
            elif gid and gid not in self.by_gid:
                self.say(self.wording.foreign(gid, piece.origin))
            elif gid:
                self.say(f"Cell {piece.origin} was a second copy of {self.by_gid[gid].label}; "
                         "kept it as an ordinary cell of yours, without grading metadata.")
            else:
                self.say(f"Cell {piece.origin} had incomplete grading metadata; removed it "
                         "(the cell itself is kept).")
        piece.gid = None

    # -- 1. cells merged together (JupyterLab's Merge joins sources with a blank line)
    def split_merged(self) -> None:
        ref_norms = {ref.norm: ref for ref in self.refs}
        for ref in self.refs:
            if ref.kind not in (Kind.LESSON, Kind.TEST, Kind.LOCKED) or len(ref.norm) < MIN_SPLIT_CHARS:
                continue
            if ref.norm in {norm(p.source) for p in self.pieces}:
                continue
            for n, piece in enumerate(self.pieces):
                if piece.from_ref or norm(piece.source) in ref_norms:
                    continue
                parts = cut(piece.source, ref.norm)
                if parts is None:
                    continue
                before, after = parts
                new = []
                keep_meta = True
                for text in (before, ref.norm, after):
                    if not text.strip():
                        continue
                    whole = ref if text is ref.norm else ref_norms.get(norm(text))
                    if whole is not None and whole.kind != Kind.ANSWER:
                        cell = with_cell(whole.cell, source=whole.cell.source)
                        cell.pop("id", None)
                        new.append(Piece(cell, piece.origin, whole.gid, from_ref=True))
                        continue
                    meta = piece.cell.metadata if keep_meta else without_nbgrader(piece.cell.metadata)
                    cell = with_cell(piece.cell, source=text, metadata=meta)
                    cell.pop("id", None)  # a new cell now (its old id may name lesson text: see merge.py)
                    new.append(Piece(cell, piece.origin, notebooks.grade_id(cell)))
                    keep_meta = False
                self.pieces[n:n + 1] = new
                self.say(f"Cell {piece.origin} held several cells merged into one (with {ref.label}); "
                         f"split it back into {len(new)} cells.")
                break

    # -- 2. who could be which lesson cell
    def claim(self) -> None:
        lesson_by_norm: dict[str, list[Ref]] = {}
        for ref in self.refs:
            lesson_by_norm.setdefault(ref.norm, []).append(ref)
        for piece in self.pieces:
            ref = self.by_gid.get(piece.gid) if piece.gid else None
            if ref is not None:
                piece.claims[ref.index] = "id"
                continue
            if piece.blank:
                continue
            for ref in lesson_by_norm.get(norm(piece.source), []):
                piece.claims.setdefault(ref.index, "exact")
            if piece.cell.cell_type == "code" or parses(piece.source):
                names = defined_names(piece.source)
                for ref in self.refs:
                    if ref.kind == Kind.ANSWER and names & ref.names:
                        piece.claims.setdefault(ref.index, "defines")
            if piece.cell.cell_type == "code":
                first = next((line.strip() for line in piece.source.split("\n") if line.strip()), "")
                for ref in self.refs:
                    if ref.kind == Kind.TEST and ref.first_line and first == ref.first_line and len(first) > 8:
                        piece.claims.setdefault(ref.index, "docstring")

    # -- 3. one cell per lesson cell
    def choose(self, lesson_claims: tuple[str, ...] = ("exact",)) -> None:
        """lesson_claims: how a student cell can be an (ungraded) lesson cell, in order of preference."""
        from .answers import choose_answer, choose_written
        for ref in self.refs:
            if ref.kind == Kind.LESSON:
                self._choose_lesson(ref, lesson_claims)
        for ref in self.refs:
            if ref.kind in (Kind.TEST, Kind.LOCKED):
                self._choose_test(ref)
        for ref in self.refs:
            if ref.kind == Kind.ANSWER:
                choose_answer(self, ref)
        for ref in self.refs:
            if ref.kind == Kind.WRITTEN:
                choose_written(self, ref)
        stubs = {ref.norm: ref for ref in self.refs if ref.kind == Kind.ANSWER}
        for piece in self.pieces:
            if piece.role == Role.OWN and norm(piece.source) in stubs:
                piece.role = Role.DROP  # a copy of the starting code: no work of the student's, and it would undo it
                self.say(f"Removed a copy of the starting code of `{stubs[norm(piece.source)].gid}` "
                         f"(cell {piece.origin}): it would replace your answer when it runs.")
        for piece in self.pieces:
            if piece.role == Role.OWN and (piece.gid or "nbgrader" in piece.cell.metadata):
                self.make_own(piece)

    def _choose_lesson(self, ref: Ref, lesson_claims: tuple[str, ...]) -> None:
        for how in lesson_claims:
            for piece in self.pieces:
                if piece.role == Role.OWN and piece.claims.get(ref.index) == how and not piece.gid:
                    self.take(piece, ref)
                    return

    def _choose_test(self, ref: Ref) -> None:
        by_id = self.candidates(ref, ("id",))
        others = self.candidates(ref, ("exact", "docstring"))
        ranked = sorted(by_id + others, key=lambda p: (
            0 if p.claims[ref.index] == "id" and not self.modified(p, ref) else
            1 if p.claims[ref.index] == "id" else 2 if p.claims[ref.index] == "exact" else 3,
            self.position(p)))
        if not ranked:
            self.restored.add(ref.index)
            self.say(self.wording.deleted(ref, "put it back"))
            return
        chosen = ranked[0]
        self.take(chosen, ref)
        if chosen.claims[ref.index] != "id":
            self.say(f"Cell {chosen.origin} is {ref.label} but had lost its grading metadata; restored it.")
        if chosen.cell.cell_type != ref.cell.cell_type:
            self.say(f"{cap(ref.label)} had been turned into a {type_name(chosen.cell.cell_type)} cell; "
                     f"made it a {type_name(ref.cell.cell_type)} cell again.")
        if self.modified(chosen, ref):
            self._keep_changed_copy(chosen, ref)
        copies = 0
        for piece in ranked[1:]:
            if piece.claims.get(ref.index) in ("id", "exact") and not self.modified(piece, ref):
                piece.role = Role.DROP
                copies += 1
            elif piece.claims.get(ref.index) == "id":
                self._keep_changed_copy(piece, ref)
                piece.role = Role.DROP
        if copies:
            self.say(f"{cap(ref.label)} appeared {copies + 1} times; kept one (a copied test does not count twice).")

    def _keep_changed_copy(self, piece: Piece, ref: Ref) -> None:
        text = piece.source
        raw = nbformat.v4.new_raw_cell(text)
        raw.pop("id", None)
        raw.metadata["dlcourse"] = {"kept": f"your version of {ref.gid}"}
        self.extra_after.setdefault(ref.index, []).append(raw)
        self.say(f"Your changes to {ref.label} (cell {piece.origin}) cannot be graded, since the lesson's "
                 "version always runs; kept your version below it as a raw (not run) cell.")
        if defined_names(text) & {n for r in self.refs if r.kind == Kind.ANSWER for n in r.names}:
            self.flag(f"Cell {piece.origin} ({ref.label}) held code the student wrote, including a graded "
                      "function; it is kept as a raw cell below the test and does not run. Check it.")


def match(nb: NotebookNode, reference: NotebookNode, join_ambiguous: bool = True) -> Plan:
    """The repair's plan for a student notebook against the released lesson."""
    plan = Plan(nb, reference, join_ambiguous=join_ambiguous)
    if not plan.empty:
        plan.split_merged()
        plan.claim()
        plan.choose()
    return plan


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def type_name(cell_type: str) -> str:
    return {"markdown": "Markdown", "raw": "raw", "code": "code"}.get(cell_type, cell_type)


def cell_numbers(pieces: list[Piece]) -> str:
    return ", ".join(str(n) for n in sorted({p.origin for p in pieces}))
