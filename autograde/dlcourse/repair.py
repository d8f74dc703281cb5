"""Repair a student notebook that editing damaged, by matching its cells to the lesson's.

Students split, merge, copy, re-type, move and delete cells, and editors lose
or duplicate nbgrader's metadata. nbgrader then fails, double-counts or
silently scores zero. `repair(nb, reference)` matches every cell of a student
notebook to the released lesson (`reference`), by grade id first and by
content second, and rebuilds the notebook in the lesson's order:

* graded cells get the lesson's nbgrader metadata and cell type back;
* an answer cell split in two is joined again; cells merged together are
  split back where they hold a lesson cell's text;
* a test cell that was deleted is put back; copies of a test are removed;
* an answer written in a new cell (or moved away) goes back to its place;
* cells pasted from another lesson lose their (foreign) grading metadata;
* everything else the student wrote stays, next to the cell it followed.

A student's own code and text are never dropped: what the repair cannot place
is kept where it was and reported as a flag for the instructor. The repair is
deterministic and idempotent (repairing a repaired notebook changes nothing).

`repair_submissions` runs it on every submission before `dlcourse grade`
grades it (see grading.grade); `dlcourse repair` runs it by hand.
"""

import ast
import copy
import hashlib
import json
import re
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import notebooks

CELL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Cells shorter than this are never split out of a merged cell (too likely to match by chance).
MIN_SPLIT_CHARS = 20


class RepairError(ValueError):
    """The file is not a notebook at all (not JSON, not nbformat 4)."""


@dataclass
class Report:
    """What a repair (or an update) did, in plain words."""
    changes: list = field(default_factory=list)    # what was changed, for the student and the instructor
    flags: list = field(default_factory=list)      # answers it could not place: a person should look
    conflicts: list = field(default_factory=list)  # (updates only) exercises that changed after the student started

    @property
    def changed(self):
        return bool(self.changes)

    def as_dict(self):
        return {"changes": list(self.changes), "flags": list(self.flags), "conflicts": list(self.conflicts)}


# ---------------------------------------------------------------------------
# Reading notebooks (deterministically, even when they are damaged)

def loads(text, fixes=None):
    """A notebook from the text of a file. Empty text is an empty notebook.

    Duplicate or missing cell ids are fixed deterministically (nbformat would
    pick random ones), and described in the list `fixes` when one is given.
    Raises RepairError if the text is not a notebook.
    """
    if not text.strip():
        return nbformat.v4.new_notebook()
    try:
        data = json.loads(text)
    except ValueError as err:
        raise RepairError(f"not a notebook (the file is not valid JSON: {err})") from None
    if not isinstance(data, dict) or data.get("nbformat") != 4 or not isinstance(data.get("cells"), list):
        raise RepairError("not a notebook in nbformat 4")
    for cell in data["cells"]:
        if isinstance(cell, dict) and isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    fixed = _fix_raw_ids(data)
    if fixed and fixes is not None:
        fixes.append(f"Gave {fixed} cell(s) a new cell id: every cell needs its own id, and an editor had "
                     "repeated or dropped some.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return nbformat.reads(json.dumps(data), as_version=4, capture_validation_error={})
        except Exception as err:  # nbformat's own reader gave up
            raise RepairError(f"not a readable notebook ({type(err).__name__}: {err})") from None


def read(path, fixes=None):
    """Read a notebook file for repair (see loads)."""
    return loads(Path(path).read_text(encoding="utf-8", errors="replace"), fixes)


def _fix_raw_ids(data):
    """Make cell ids unique and valid, deterministically; returns how many changed."""
    if (data.get("nbformat_minor") or 0) < 5:
        return 0
    taken, fixed = set(), 0
    for n, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict):
            continue
        cid = cell.get("id")
        if not isinstance(cid, str) or not CELL_ID.match(cid) or cid in taken:
            base = cid if isinstance(cid, str) and CELL_ID.match(cid) else f"cell-{n + 1}"
            cid = _free_id(base[:56], taken)
            cell["id"] = cid
            fixed += 1
        taken.add(cid)
    return fixed


def _free_id(base, taken):
    cid, n = base, 1
    while cid in taken:
        n += 1
        cid = f"{base}-{n}"
    return cid


def as_dict(nb):
    """The notebook as plain JSON data, to compare two notebooks."""
    return json.loads(nbformat.writes(nb))


# ---------------------------------------------------------------------------
# The lesson's cells

def norm(source):
    """A source with trailing spaces and surrounding blank lines removed, for comparing."""
    return "\n".join(line.rstrip() for line in source.split("\n")).strip("\n")


def defined_names(source):
    """Top-level functions and classes a source defines (by regex if it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set(re.findall(r"^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)", source, flags=re.M))
    return {node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def parses(source):
    try:
        ast.parse(source)
        return True
    except (SyntaxError, ValueError):
        return False


def unanswered(source):
    """True for starting code nobody has worked on: definitions whose bodies only
    hold docstrings, comments and `raise NotImplementedError()`."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False

    def stub(body, top=False):
        raised = False
        for node in body:
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue
            if isinstance(node, ast.Pass) or (top and isinstance(node, (ast.Import, ast.ImportFrom))):
                continue
            if isinstance(node, ast.Raise) and "NotImplementedError" in ast.unparse(node):
                raised = True
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and stub(node.body):
                raised = True
                continue
            return False
        return raised

    return stub(tree.body, top=True)


@dataclass
class Ref:
    """One cell of the released lesson."""
    index: int
    cell: object
    kind: str  # "answer" (code), "written" (markdown answer), "test" (autograded), "locked" (read-only), "lesson"
    gid: str = None
    names: frozenset = frozenset()
    norm: str = ""
    first_line: str = ""

    @property
    def graded(self):
        return self.kind in ("answer", "written", "test")

    @property
    def label(self):
        start = self.first_line.lstrip("#").strip()
        start = start if len(start) <= 40 else start[:37].rstrip() + "..."
        return {"answer": f"the answer cell of `{self.gid}`", "written": f"the written answer `{self.gid}`",
                "test": f"the test cell `{self.gid}`", "locked": f"the read-only cell `{self.gid}`"}.get(
                    self.kind, f'the lesson cell "{start}"')


def reference_cells(reference):
    """The lesson's cells as Refs, in order."""
    refs = []
    for i, cell in enumerate(reference.cells):
        meta = notebooks.nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if gid and meta.get("solution") and cell.cell_type == "code":
            kind = "answer"
        elif gid and meta.get("solution"):
            kind = "written"
        elif gid and meta.get("grade") and cell.cell_type == "code":
            kind = "test"
        elif gid and (meta.get("locked") or meta.get("grade") or meta.get("task")):
            kind = "locked"
        else:
            kind, gid = "lesson", None
        lines = [line for line in cell.source.split("\n") if line.strip()]
        refs.append(Ref(i, cell, kind, gid, frozenset(defined_names(cell.source)) if kind == "answer" else frozenset(),
                        norm(cell.source), lines[0].strip() if lines else ""))
    return refs


# ---------------------------------------------------------------------------
# The student's cells

@dataclass(eq=False)
class Piece:
    """A student cell (or part of one, after splitting a merged cell)."""
    cell: object
    origin: int  # 1-based number of the cell in the student's notebook
    gid: str = None  # the grade id it carries, if any
    claims: dict = field(default_factory=dict)  # ref index -> how ("id", "exact", "defines", "docstring")
    ref: int = None  # the lesson cell it is (when primary)
    role: str = "own"  # "primary", "own" or "drop"
    from_ref: bool = False  # split out of a merged cell: exactly a lesson cell's text
    old_lesson: bool = False  # (updates) a cell of an older release of the lesson

    @property
    def source(self):
        return self.cell.source

    @property
    def blank(self):
        return not self.cell.source.strip()


def _meta_without_nbgrader(metadata):
    meta = copy.deepcopy(dict(metadata))
    for key in ("nbgrader", "deletable", "editable"):
        meta.pop(key, None)
    return nbformat.from_dict(meta)


def _with(cell, *, source=None, cell_type=None, metadata=None):
    """A copy of a cell with another source, type or metadata (outputs follow the type)."""
    data = copy.deepcopy(dict(cell))
    if source is not None:
        data["source"] = source
    if metadata is not None:
        data["metadata"] = copy.deepcopy(dict(metadata))
    cell_type = cell_type or data["cell_type"]
    if cell_type != data["cell_type"] or cell_type != "code":
        data.pop("outputs", None)
        data.pop("execution_count", None)
    if cell_type != data["cell_type"] and cell_type == "code":
        data["outputs"], data["execution_count"] = [], None
    if cell_type == "code":
        data.pop("attachments", None)
    data["cell_type"] = cell_type
    return nbformat.from_dict(data)


def recorded_checksum_matches(cell):
    """True if the cell is unchanged since its release, by nbgrader's own checksum."""
    meta = notebooks.nbgrader_meta(cell)
    if not meta.get("checksum") or not meta.get("grade_id"):
        return False
    try:
        from nbgrader.utils import compute_checksum
        return compute_checksum(cell) == meta["checksum"]
    except Exception:
        return False


# ---------------------------------------------------------------------------
# Matching

class Matching:
    """The student's cells matched to the lesson's: the work of repair and update (merge.py).

    After construction: `pieces` (student cells, in the student's order, split
    where cells had been merged), `primary` {ref index: Piece}, `dropped`
    (pieces left out, never student work), `extra_after` {ref index: [cells]}
    (cells to add after a lesson cell), and `report`.
    """

    # How a student cell can be an (ungraded) lesson cell, in order of preference.
    LESSON_CLAIMS = ("exact",)

    def __init__(self, nb, reference):
        self.nb = nb
        self.reference = reference
        self.refs = reference_cells(reference)
        self.by_gid = {r.gid: r for r in self.refs if r.gid}
        self.report = Report()
        self.primary = {}
        self.restored = set()  # ref indices put back from the lesson
        self.extra_after = {}
        self.extra_before = {}
        self.not_restored = set()  # answers left out on purpose (defined elsewhere)
        self.pieces = [Piece(copy.deepcopy(cell), n + 1, notebooks.grade_id(cell)) for n, cell in enumerate(nb.cells)]
        self.empty = all(p.blank for p in self.pieces)
        if self.empty:
            self._rebuild()
        else:
            self._split_merged()
            self._claim()
            self._choose()

    def _rebuild(self):
        """Nothing of the student's is in the notebook: the whole lesson goes back."""
        for piece in self.pieces:
            piece.role = "drop"
        self.restored = {ref.index for ref in self.refs}
        tests = ", ".join(f"`{ref.gid}`" for ref in self.refs if ref.kind == "test")
        self.say("The notebook was empty: put the whole lesson back, with its tests (" + (tests or "none")
                 + ") and empty answer cells (the answers have to be written again).")
        self.flag("The submitted notebook was empty (no cell had any content): none of the student's work "
                  "was in it. Was the right file submitted?")

    # -- small helpers
    def say(self, text):
        if text not in self.report.changes:
            self.report.changes.append(text)

    def flag(self, text):
        if text not in self.report.flags:
            self.report.flags.append(text)

    def position(self, piece):
        return self.pieces.index(piece)

    # -- 1. cells merged together (JupyterLab's Merge joins sources with a blank line)
    def _split_merged(self):
        ref_norms = {ref.norm: ref for ref in self.refs}
        for ref in self.refs:
            if ref.kind not in ("lesson", "test", "locked") or len(ref.norm) < MIN_SPLIT_CHARS:
                continue
            if ref.norm in {norm(p.source) for p in self.pieces}:
                continue
            for n, piece in enumerate(self.pieces):
                if piece.from_ref or norm(piece.source) in ref_norms:
                    continue
                parts = _cut(piece.source, ref.norm)
                if parts is None:
                    continue
                before, after = parts
                new = []
                keep_meta = True
                for text in (before, ref.norm, after):
                    if not text.strip():
                        continue
                    whole = ref if text is ref.norm else ref_norms.get(norm(text))
                    if whole is not None and whole.kind != "answer":
                        cell = _with(whole.cell, source=whole.cell.source)
                        cell.pop("id", None)
                        new.append(Piece(cell, piece.origin, whole.gid, from_ref=True))
                        continue
                    meta = piece.cell.metadata if keep_meta else _meta_without_nbgrader(piece.cell.metadata)
                    cell = _with(piece.cell, source=text, metadata=meta)
                    cell.pop("id", None)  # a new cell now (its old id may name lesson text: see merge.py)
                    new.append(Piece(cell, piece.origin, notebooks.grade_id(cell)))
                    keep_meta = False
                self.pieces[n:n + 1] = new
                self.say(f"Cell {piece.origin} held several cells merged into one (with {ref.label}); "
                         f"split it back into {len(new)} cells.")
                break

    # -- 2. who could be which lesson cell
    def _claim(self):
        lesson_by_norm = {}
        for ref in self.refs:
            if ref.kind in ("lesson", "test", "locked", "answer", "written"):
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
            looks_like_code = piece.cell.cell_type == "code" or parses(piece.source)
            if looks_like_code:
                names = defined_names(piece.source)
                for ref in self.refs:
                    if ref.kind == "answer" and names & ref.names:
                        piece.claims.setdefault(ref.index, "defines")
            if piece.cell.cell_type == "code":
                first = next((line.strip() for line in piece.source.split("\n") if line.strip()), "")
                for ref in self.refs:
                    if ref.kind == "test" and ref.first_line and first == ref.first_line and len(first) > 8:
                        piece.claims.setdefault(ref.index, "docstring")

    def _candidates(self, ref, how):
        return [p for p in self.pieces if p.role == "own" and p.claims.get(ref.index) in how]

    # -- 3. one cell per lesson cell
    def _choose(self):
        for ref in self.refs:
            if ref.kind == "lesson":
                self._choose_lesson(ref)
        for ref in self.refs:
            if ref.kind in ("test", "locked"):
                self._choose_test(ref)
        for ref in self.refs:
            if ref.kind == "answer":
                self._choose_answer(ref)
        for ref in self.refs:
            if ref.kind == "written":
                self._choose_written(ref)
        stubs = {ref.norm: ref for ref in self.refs if ref.kind == "answer"}
        for piece in self.pieces:
            if piece.role == "own" and norm(piece.source) in stubs:
                piece.role = "drop"  # a copy of the starting code: no work of the student's, and it would undo it
                self.say(f"Removed a copy of the starting code of `{stubs[norm(piece.source)].gid}` "
                         f"(cell {piece.origin}): it would replace your answer when it runs.")
        for piece in self.pieces:
            if piece.role == "own" and (piece.gid or "nbgrader" in piece.cell.metadata):
                self._make_own(piece)

    def _take(self, piece, ref):
        piece.role, piece.ref = "primary", ref.index
        self.primary[ref.index] = piece

    def _make_own(self, piece, why=None):
        """Keep a piece as the student's own cell, without grading metadata."""
        if notebooks.nbgrader_meta(piece.cell) or "nbgrader" in piece.cell.metadata:
            gid = notebooks.grade_id(piece.cell)
            piece.cell = _with(piece.cell, metadata=_meta_without_nbgrader(piece.cell.metadata))
            if why:
                self.say(why)
            elif gid and gid not in self.by_gid:
                self.say(f"Cell {piece.origin} came from another lesson or notebook (grade id `{gid}`); "
                         "kept it as an ordinary cell of yours, without grading metadata.")
            elif gid:
                self.say(f"Cell {piece.origin} was a second copy of {self.by_gid[gid].label}; "
                         "kept it as an ordinary cell of yours, without grading metadata.")
            else:
                self.say(f"Cell {piece.origin} had incomplete grading metadata; removed it "
                         "(the cell itself is kept).")
        piece.gid = None

    def _choose_lesson(self, ref):
        for how in self.LESSON_CLAIMS:
            for piece in self.pieces:
                if piece.role == "own" and piece.claims.get(ref.index) == how and not piece.gid:
                    self._take(piece, ref)
                    return

    def deleted(self, ref, what="put it back"):
        """The words for a graded cell the notebook lacks."""
        return f"{_cap(ref.label)} had been deleted; {what}."

    def _choose_test(self, ref):
        by_id = self._candidates(ref, ("id",))
        others = self._candidates(ref, ("exact", "docstring"))
        ranked = sorted(by_id + others, key=lambda p: (
            0 if p.claims[ref.index] == "id" and not self._modified(p, ref) else
            1 if p.claims[ref.index] == "id" else 2 if p.claims[ref.index] == "exact" else 3,
            self.position(p)))
        if not ranked:
            self.restored.add(ref.index)
            self.say(self.deleted(ref))
            return
        chosen = ranked[0]
        self._take(chosen, ref)
        if chosen.claims[ref.index] != "id":
            self.say(f"Cell {chosen.origin} is {ref.label} but had lost its grading metadata; restored it.")
        if chosen.cell.cell_type != ref.cell.cell_type:
            self.say(f"{_cap(ref.label)} had been turned into a {_type_name(chosen.cell.cell_type)} cell; "
                     f"made it a {_type_name(ref.cell.cell_type)} cell again.")
        if self._modified(chosen, ref):
            self._keep_changed_copy(chosen, ref)
        copies = 0
        for piece in ranked[1:]:
            if piece.claims.get(ref.index) in ("id", "exact") and not self._modified(piece, ref):
                piece.role = "drop"
                copies += 1
            elif piece.claims.get(ref.index) == "id":
                self._keep_changed_copy(piece, ref)
                piece.role = "drop"
        if copies:
            self.say(f"{_cap(ref.label)} appeared {copies + 1} times; kept one (a copied test does not count twice).")

    def _modified(self, piece, ref):
        """Did the student change this copy of a locked cell? (An older release's version is no change.)"""
        return norm(piece.source) != ref.norm and not recorded_checksum_matches(piece.cell)

    def _keep_changed_copy(self, piece, ref):
        text = piece.source
        raw = nbformat.v4.new_raw_cell(text)
        raw.pop("id", None)
        raw.metadata["dlcourse"] = {"kept": f"your version of {ref.gid}"}
        self.extra_after.setdefault(ref.index, []).append(raw)
        self.say(f"Your changes to {ref.label} (cell {piece.origin}) cannot be graded, since the lesson's "
                 "version always runs; kept your version below it as a raw (not run) cell.")
        if defined_names(text) & {n for r in self.refs if r.kind == "answer" for n in r.names}:
            self.flag(f"Cell {piece.origin} ({ref.label}) held code the student wrote, including a graded "
                      "function; it is kept as a raw cell below the test and does not run. Check it.")

    def _choose_answer(self, ref):
        ids = self._candidates(ref, ("id",))
        ids = self._join_split(ref, ids)
        if len(ids) == 1:
            self._join_bare_split(ref, ids[0])
        content = [p for p in self._candidates(ref, ("defines", "exact")) if not p.gid or p.gid not in self.by_gid]
        tests = [r for r in self.refs[ref.index + 1:] if r.kind == "test"]
        test = self.primary.get(tests[0].index) if tests else None

        def in_effect(pieces):
            """The candidate whose definition the test sees: the last one above the test."""
            if test is not None:
                above = [p for p in pieces if self.position(p) < self.position(test)]
                if above:
                    return above[-1]
            return pieces[0]

        worked = lambda p: not self._untouched(p, ref)  # noqa: E731
        chosen = None
        if ids:
            real = [p for p in ids if worked(p)]
            chosen = in_effect(real) if real else ids[0]
            for piece in ids:
                if piece is chosen:
                    continue
                if worked(piece):
                    self._make_own(piece, f"Cell {piece.origin} was a second copy of {ref.label}; "
                                          "kept it as an ordinary cell of yours (the grader uses the other one).")
                else:
                    piece.role = "drop"
            if not worked(chosen):
                others = self._answer_refs() - {ref.index}
                written = [p for p in content if worked(p) and not p.claims.keys() & others]
                if written:
                    better = in_effect(written)
                    chosen.role = "drop"
                    chosen = better
                    self.say(f"Your answer to `{ref.gid}` was in a new cell (cell {better.origin}); it is now "
                             "the answer cell, in place of the unchanged starting code.")
        else:
            free = [p for p in content if not (p.claims.keys() - {ref.index}) & self._answer_refs()]
            real = [p for p in free if worked(p)]
            pool = real or free
            if pool:
                chosen = in_effect(pool)
                self.say(f"Cell {chosen.origin} holds your answer to `{ref.gid}` but had lost its grading "
                         "metadata; made it the answer cell again.")
                if len({norm(p.source) for p in real}) > 1:
                    self.flag(f"`{ref.gid}` is defined in {len(real)} cells ({_cells(real)}); used cell "
                              f"{chosen.origin} (the one in effect when its test runs) as the answer. Check it.")
        if chosen is not None:
            self._take(chosen, ref)
            if chosen.cell.cell_type != "code":
                self.say(f"{_cap(ref.label)} had been turned into a {_type_name(chosen.cell.cell_type)} cell; "
                         "made it a code cell again.")
            if not worked(chosen):
                elsewhere = [p for p in self.pieces if p is not chosen and p.role != "drop"
                             and ref.names & defined_names(p.source) and not unanswered(p.source)
                             and (p.cell.cell_type == "code" or parses(p.source))]
                if elsewhere:
                    self.flag(f"`{ref.gid}` is written in cell {_cells(elsewhere)}, but its answer cell still "
                              "holds the starting code, which runs later and replaces it. Move the code into "
                              "the answer cell.")
            return
        elsewhere = [p for p in self.pieces if p.role != "drop" and ref.names & defined_names(p.source)
                     and (p.cell.cell_type == "code" or parses(p.source))]
        if elsewhere:
            self.not_restored.add(ref.index)
            self.flag(f"The answer cell of `{ref.gid}` is missing and `{ref.gid}` is defined inside another "
                      f"cell (cell {_cells(elsewhere)}) together with other code; left it there. Check that "
                      "it is graded as intended.")
            return
        self.restored.add(ref.index)
        self.say(self.deleted(ref, "put it back with its starting code"))

    def _answer_refs(self):
        return {r.index for r in self.refs if r.kind == "answer"}

    def _untouched(self, piece, ref):
        return norm(piece.source) == ref.norm or unanswered(piece.source) or (
            piece.gid == ref.gid and recorded_checksum_matches(piece.cell))

    def _join_split(self, ref, ids):
        """Join runs of neighbouring cells that carry the same grade id (JupyterLab's Split keeps it on both)."""
        if len(ids) < 2:
            return ids
        runs = [[ids[0]]]
        for piece in ids[1:]:
            between = self.pieces[self.position(runs[-1][-1]) + 1:self.position(piece)]
            if all(p.blank and p.role == "own" and not p.claims for p in between):
                runs[-1].append(piece)
            else:
                runs.append([piece])
        glue = "\n" if ref.cell.cell_type == "code" else "\n\n"
        for run in runs:
            if len(run) < 2:
                continue
            head = run[0]
            head.cell = _with(head.cell, source=glue.join(p.source.strip("\n") for p in run if p.source.strip()))
            lo, hi = self.position(head), self.position(run[-1])
            gone = {id(p) for p in self.pieces[lo + 1:hi + 1]}  # the other pieces, and blank cells between them
            self.pieces = [p for p in self.pieces if id(p) not in gone]
            self.say(f"{_cap(ref.label)} had been split into {len(run)} cells ({_cells(run)}); "
                     "joined them back into one.")
        return [run[0] for run in runs]

    def _join_bare_split(self, ref, piece):
        """Join the answer cell with a neighbouring code cell without metadata when the two are one cell
        split in two by an editor that left the new half bare (see split_join); repeated for a cell split
        more than once."""
        while True:
            pos = self.position(piece)
            for step in (-1, 1):
                other = self._bare_neighbour(pos, step)
                if other is None:
                    continue
                first, second = (other, piece) if step < 0 else (piece, other)
                joined = split_join(first.source, second.source, ref.names)
                if joined is None:
                    continue
                text, ambiguous = joined
                piece.cell = _with(piece.cell, source=text)
                other.role = "drop"
                self.pieces.remove(other)
                self.say(f"{_cap(ref.label)} had been split into 2 cells ({_cells([first, second])}), and cell "
                         f"{other.origin} had lost its grading metadata; joined them back into one.")
                if ambiguous:
                    self.flag(f"Cell {other.origin} (without grading metadata) and {ref.label} look like one "
                              f"cell split in two, but both halves also run on their own: joined them, so "
                              f"`{ref.gid}` now includes the code of cell {other.origin}. Check both readings.")
                break
            else:
                return

    def _bare_neighbour(self, pos, step):
        """The next non-blank cell above (step -1) or below (+1) if it is a code cell of the student's
        without grading metadata that no other lesson cell claims; blank cells between are skipped."""
        n = pos + step
        while 0 <= n < len(self.pieces) and self.pieces[n].blank and self.pieces[n].role == "own":
            n += step
        if not 0 <= n < len(self.pieces):
            return None
        other = self.pieces[n]
        answers = self._answer_refs()
        if other.role != "own" or other.gid or "nbgrader" in other.cell.metadata or other.from_ref \
                or other.cell.cell_type != "code" or other.blank \
                or any(how != "defines" or index not in answers for index, how in other.claims.items()):
            return None
        return other

    def _choose_written(self, ref):
        ids = self._candidates(ref, ("id",))
        ids = self._join_split(ref, ids)
        if ids:
            texts = [p for p in ids if norm(p.source) != ref.norm]
            chosen = texts[0] if texts else ids[0]
            for piece in ids:
                if piece is chosen:
                    continue
                if norm(piece.source) == ref.norm:
                    piece.role = "drop"
                else:
                    self._make_own(piece, f"Cell {piece.origin} was a second copy of {ref.label}; kept it "
                                          "as an ordinary cell of yours.")
            if len({norm(p.source) for p in texts}) > 1:
                self.flag(f"{_cap(ref.label)} was written in {len(texts)} cells ({_cells(texts)}); the first is "
                          "graded as the answer, the others are kept below it. Read them all when grading.")
        else:
            exact = self._candidates(ref, ("exact",))
            chosen = exact[0] if exact else self._in_slot(ref)
            if chosen is not None:
                self.say(f"Cell {chosen.origin} is {ref.label} but had lost its grading metadata; restored it.")
        if chosen is None:
            self.restored.add(ref.index)
            self.say(self.deleted(ref))
            loose = [p for p in self.pieces if p.role == "own" and not p.blank and p.cell.cell_type != "code"
                     and not p.claims]
            if loose:
                self.flag(f"{_cap(ref.label)} was missing; the student wrote text in other cells "
                          f"({_cells(loose)}). Check whether one of them is the answer.")
            return
        self._take(chosen, ref)
        if chosen.cell.cell_type != ref.cell.cell_type:
            self.say(f"{_cap(ref.label)} had been turned into a {_type_name(chosen.cell.cell_type)} cell; "
                     f"made it a {_type_name(ref.cell.cell_type)} cell again.")

    def _in_slot(self, ref):
        """A text cell without metadata exactly where the written answer belongs (between its neighbours)."""
        before = [self.position(self.primary[r.index]) for r in self.refs[:ref.index] if r.index in self.primary]
        after = [self.position(self.primary[r.index]) for r in self.refs[ref.index + 1:] if r.index in self.primary]
        lo = before[-1] if before else -1
        hi = min(after) if after else len(self.pieces)
        if lo >= hi:
            return None
        slot = [p for p in self.pieces[lo + 1:hi]
                if p.role == "own" and not p.blank and p.cell.cell_type != "code" and not p.claims and not p.gid]
        return slot[0] if len(slot) == 1 else None

    # -- 4. the repaired notebook
    def assemble(self, restore_lesson=False, late_after_dropped=False):
        """The cells in the lesson's order, each student cell after the lesson cell it followed.

        restore_lesson: also put back lesson (ungraded) cells the notebook lacks.
        late_after_dropped: a student cell that followed a dropped cell goes after the
        lesson cells put back there (an update replaced the cell it followed).
        """
        anchored, late = {}, {}
        anchor, after_drop = -1, False
        for piece in self.pieces:
            if piece.role == "primary":
                anchor, after_drop = piece.ref, False
            elif piece.role == "drop":
                after_drop = after_drop or piece.old_lesson
            else:
                target = late if (after_drop and late_after_dropped) else anchored
                target.setdefault(anchor, []).append(piece)
        order = []
        pending_late = []
        for item in anchored.get(-1, []) + late.get(-1, []):
            order.append(("own", item))
        for ref in self.refs:
            present = ref.index in self.primary
            wanted = present or ref.index in self.restored or (
                restore_lesson and ref.kind == "lesson" and ref.index not in self.not_restored)
            if present and pending_late:
                order += [("own", p) for p in pending_late]
                pending_late = []
            for cell in self.extra_before.get(ref.index, []):
                order.append(("extra", cell))
            if wanted:
                order.append(("ref", ref))
            for cell in self.extra_after.get(ref.index, []):
                order.append(("extra", cell))
            order += [("own", p) for p in anchored.get(ref.index, [])]
            pending_late += late.get(ref.index, [])
        order += [("own", p) for p in pending_late]

        cells, preferred = [], []
        for what, item in order:
            if what == "ref":
                cell = self._lesson_cell(item)
                cells.append(cell)
                preferred.append(item.cell.get("id") if item.graded or item.index not in self.primary
                                 else self.primary[item.index].cell.get("id") or item.cell.get("id"))
            elif what == "extra":
                cells.append(item)
                preferred.append(None)
            else:
                cells.append(item.cell)
                preferred.append(item.cell.get("id"))
        nb = copy.deepcopy(self.nb)
        nb.cells = cells
        nb.nbformat, nb.nbformat_minor = 4, max(5, nb.get("nbformat_minor", 5) or 5)
        _assign_ids(nb.cells, preferred, [what == "ref" and item.graded for what, item in order])
        self._report_moves()
        return nb

    def _lesson_cell(self, ref):
        piece = self.primary.get(ref.index)
        if piece is None:
            return _with(ref.cell, source=ref.cell.source)
        meta = _meta_without_nbgrader(piece.cell.metadata)
        for key in ("nbgrader", "deletable", "editable"):
            if key in ref.cell.metadata:
                meta[key] = copy.deepcopy(ref.cell.metadata[key])
        if ref.kind in ("test", "locked"):
            unchanged = norm(piece.source) == ref.norm
            cell = _with(piece.cell, source=ref.cell.source, cell_type=ref.cell.cell_type, metadata=meta)
            if not unchanged and cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            return cell
        if ref.kind in ("answer", "written"):
            return _with(piece.cell, cell_type=ref.cell.cell_type, metadata=meta)
        # A lesson cell: the student's copy; lesson text typed as code or raw becomes text again.
        if ref.cell.cell_type == "markdown" and piece.cell.cell_type != "markdown":
            self.say(f"Lesson text (cell {piece.origin}) had been turned into a {_type_name(piece.cell.cell_type)} "
                     "cell; made it Markdown again.")
            return _with(piece.cell, cell_type="markdown")
        return piece.cell

    def _report_moves(self):
        placed = sorted((self.position(p), ref) for ref, p in self.primary.items())
        refs_in_student_order = [ref for _, ref in placed]
        keep = _longest_increasing(refs_in_student_order)
        moved = [self.refs[r] for r in refs_in_student_order if r not in keep]
        graded = [r for r in moved if r.graded]
        if graded:
            self.say("Moved " + " and ".join(r.label for r in graded) + (" back to its place" if len(graded) == 1
                     else " back to their places") + " in the lesson (tests run after the answers they check).")
        if len(moved) > len(graded):
            self.say(f"Moved {len(moved) - len(graded)} lesson cell(s) back to their place in the lesson.")


def _cut(source, target):
    """(before, after) if `source` is `target` merged with other text, else None.

    Merging joins cells with a blank line, so `target` must stand apart by one:
    a line a student typed just below a lesson cell's text is an edit, not a merge.
    """
    text = source
    start = text.find(target)
    while start != -1:
        end = start + len(target)
        at_start = start == 0 or text[:start].endswith("\n\n")
        at_end = end == len(text) or text[end:].startswith("\n\n") or not text[end:].strip()
        if at_start and at_end:
            before, after = text[:start].strip("\n"), text[end:].strip("\n")
            if before.strip() or after.strip():
                return before, after
            return None
        start = text.find(target, start + 1)
    return None


def compiles(source):
    """True if Python accepts the source as a module (parsed and compiled, never run)."""
    try:
        compile(source, "<cell>", "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False


def split_join(first, second, names):
    """(joined text, ambiguous) if `first` and `second` are one cell split in two, else None.

    They are when the joined text compiles and the definition of one of `names` (the
    graded function or class) starts in `first` and goes on into `second`: the
    function is incomplete in either half alone. The text is joined exactly (an
    editor that leaves the new half bare keeps every character on both sides of the
    cursor), except where the cut is between two non-blank characters and a line
    break between them also compiles: two tokens are not glued into one (`b` and
    `print(...)` into `bprint(...)`). Ambiguous when both halves also compile on
    their own: then either reading is a program, and only one of them is what the
    student meant.
    """
    if not first.strip() or not second.strip() or not names:
        return None
    glues = ["\n", ""] if not (first[-1].isspace() or second[0].isspace()) else [""]
    for glue in glues:
        text = first + glue + second
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        if not compiles(text):
            continue
        head = first.rstrip()
        last_of_first = head.count("\n") + 1
        rest = len(first) + len(glue)
        start_of_second = text[:rest + len(second) - len(second.lstrip())].count("\n") + 1
        spans = any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in names
                    and node.lineno <= last_of_first and node.end_lineno >= start_of_second for node in tree.body)
        if spans:
            return text, compiles(first) and compiles(second)
        return None  # the first glue that compiles decides
    return None


def _longest_increasing(seq):
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


def _assign_ids(cells, preferred, priority):
    """Unique, valid cell ids: lesson cells keep the lesson's id, the rest keep theirs where free."""
    taken = set()
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
        cell["id"] = _free_id(base[:56], taken)
        taken.add(cell["id"])


def _cap(text):
    return text[:1].upper() + text[1:]


def _type_name(cell_type):
    return {"markdown": "Markdown", "raw": "raw", "code": "code"}.get(cell_type, cell_type)


def _cells(pieces):
    numbers = sorted({p.origin for p in pieces})
    return ", ".join(str(n) for n in numbers)


# ---------------------------------------------------------------------------
# The public functions

def repair(nb, reference, notes=()):
    """Repair a student notebook against the released lesson; returns (repaired notebook, Report).

    Neither argument is modified. A notebook that needs nothing comes back equal
    to the input (and report.changed is False). notes: changes already made
    while reading the file (see loads), reported first.
    """
    matching = Matching(nb, reference)
    repaired = matching.assemble()
    report = matching.report
    report.changes[:0] = list(notes)
    if as_dict(repaired) != as_dict(nb) and not report.changes:
        report.changes.append("Tidied the notebook's cell ids and metadata.")
    if not report.changes:
        return copy.deepcopy(nb), report
    return repaired, report


def backup_path(path, suffix):
    """A free file name next to `path` for a backup: NAME.<suffix>.ipynb, then NAME.<suffix>-2.ipynb, ..."""
    path = Path(path)
    candidate = path.with_name(f"{path.stem}.{suffix}.ipynb")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}.{suffix}-{n}.ipynb")
    return candidate


def repair_file(path, reference_path, *, write=False):
    """Repair one notebook file. With write=True save it (keeping a backup next to it).

    Returns (Report, backup path or None).
    """
    path = Path(path)
    fixes = []
    nb = read(path, fixes)
    repaired, report = repair(nb, notebooks.read(reference_path), fixes)
    backup = None
    if write and report.changed:
        backup = backup_path(path, "before-repair")
        shutil.copy2(path, backup)
        notebooks.write(repaired, path)
    return report, backup


# ---------------------------------------------------------------------------
# Before grading

REPAIRS_DIR = "repairs"  # <course>/repairs/<student>/<lesson>/: originals and what was changed


def _release_dir(course):
    from .course import load_config
    return Path(load_config(course).CourseDirectory.release_directory)


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def repair_submissions(course, lesson, students=None, release=None):
    """Repair every chosen student's submitted notebooks of `lesson` in place, before grading.

    The reference is the lesson's student version in `release` (default: the
    course's release folder; generate_assignment writes it). A notebook that
    needs repair is rewritten in place; its original is kept in
    <course>/repairs/<student>/<lesson>/ with report.json (which also
    records flags), outside the submission folder so nbgrader never sees it. Grading again reuses that
    record (the repaired file is recognised by its hash), so the summary keeps
    showing what was changed. Never raises for one bad submission.
    Returns {student: Report} for students whose notebooks were repaired or flagged.
    """
    course = Path(course)
    try:
        release = Path(release or _release_dir(course)) / lesson
    except Exception:
        return {}
    submitted = course / "submitted"
    chosen = sorted(set(students)) if students else sorted(
        p.parent.name for p in submitted.glob(f"*/{lesson}") if p.is_dir())
    results = {}
    for student in chosen:
        report = Report()
        for path in sorted(Path(submitted, student, lesson).glob("*.ipynb")):
            reference = release / path.name
            if not reference.exists():
                continue
            try:
                one = _repair_submission(course, student, lesson, path, reference)
            except Exception as err:  # never stop grading because of the repair
                one = Report(flags=[f"{path.name}: the automatic repair failed ({type(err).__name__}: {err}); "
                                    "graded as submitted."])
            report.changes += one.changes
            report.flags += one.flags
        if report.changes or report.flags:
            results[student] = report
    return results


def _repair_submission(course, student, lesson, path, reference):
    record_dir = Path(course, REPAIRS_DIR, student, lesson)
    record_file = record_dir / "report.json"
    records = json.loads(record_file.read_text()) if record_file.exists() else {}
    record = records.get(path.name)
    current = _sha256(path)
    if record and record.get("repaired_sha256") == current:
        return Report(record.get("changes", []), record.get("flags", []))
    fixes = []
    try:
        nb = read(path, fixes)
    except RepairError as err:
        return Report(flags=[f"{path.name} is {err}; it cannot be repaired or graded."])
    repaired, report = repair(nb, notebooks.read(reference), fixes)
    if report.changed:
        record_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, record_dir / path.name)
        notebooks.write(repaired, path)
        records[path.name] = {"original_sha256": current, "repaired_sha256": _sha256(path),
                              "original": str(record_dir / path.name), **report.as_dict()}
    elif report.flags:  # nothing to change, but something for the instructor to look at
        records[path.name] = {"original_sha256": current, "repaired_sha256": current, **report.as_dict()}
    else:
        records.pop(path.name, None)
    if records:
        record_dir.mkdir(parents=True, exist_ok=True)
        record_file.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
    elif record_file.exists():
        record_file.unlink()
    return report


def annotate(result, repaired):
    """Attach what the repair changed (`repairs`) and flagged (`repair_flags`) to a GradeResult; returns it."""
    report = repaired.get(result.student)
    if report is not None:
        result.repairs = list(report.changes)
        result.repair_flags = list(report.flags)
    return result
