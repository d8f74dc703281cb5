"""What a cell's text says, read without running it: names it defines, whether it compiles,
whether it is untouched starting code, whether two cells are one split in two.

Nothing here executes a student's code: `ast.parse` and `compile` only read it.
"""

from __future__ import annotations

import ast
import copy
import re

import nbformat
from nbformat import NotebookNode

from .. import notebooks

_PARSE_ERRORS = (SyntaxError, ValueError, MemoryError, RecursionError)


def norm(source: str) -> str:
    """A source with trailing spaces and surrounding blank lines removed, for comparing."""
    return "\n".join(line.rstrip() for line in source.split("\n")).strip("\n")


def defined_names(source: str) -> set[str]:
    """Top-level functions and classes a source defines (by regex if it does not parse)."""
    try:
        tree = ast.parse(source)
    except _PARSE_ERRORS:
        return set(re.findall(r"^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)", source, flags=re.M))
    return {node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def parses(source: str) -> bool:
    try:
        ast.parse(source)
        return True
    except _PARSE_ERRORS:
        return False


def compiles(source: str) -> bool:
    """True if Python accepts the source as a module: parsed and compiled (`return` outside a
    function fails here), never run."""
    try:
        compile(source, "<cell>", "exec", dont_inherit=True)
        return True
    except _PARSE_ERRORS:
        return False


def unanswered(source: str) -> bool:
    """True for starting code nobody has worked on: definitions whose bodies only
    hold docstrings, comments and `raise NotImplementedError()`."""
    try:
        tree = ast.parse(source)
    except _PARSE_ERRORS:
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

    try:
        return stub(tree.body, top=True)
    except RecursionError:
        return False


def split_join(first: str, second: str, names: frozenset[str] | set[str]) -> tuple[str, bool] | None:
    """(joined text, ambiguous) if `first` and `second` are one cell split in two, else None.

    They are when the joined text compiles and the definition of one of `names` (the
    graded function or class) starts in `first` and goes on into `second`: the
    definition is incomplete in either half alone. The text is joined exactly (an
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
        except _PARSE_ERRORS:
            continue
        if not compiles(text):
            continue
        last_of_first = first.rstrip().count("\n") + 1
        start = len(first) + len(glue) + len(second) - len(second.lstrip())
        first_of_second = text[:start].count("\n") + 1
        spans = any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in names
                    and node.lineno <= last_of_first and node.end_lineno >= first_of_second for node in tree.body)
        if spans:
            return text, compiles(first) and compiles(second)
        return None  # the first glue that compiles decides
    return None


def cut(source: str, target: str) -> tuple[str, str] | None:
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


# ---------------------------------------------------------------------------
# Cells

def recorded_checksum_matches(cell: NotebookNode) -> bool:
    """True if the cell is unchanged since its release, by nbgrader's own checksum."""
    meta = notebooks.nbgrader_meta(cell)
    if not meta.get("checksum") or not meta.get("grade_id"):
        return False
    try:
        from nbgrader.utils import compute_checksum
        return compute_checksum(cell) == meta["checksum"]
    except Exception:
        return False


def without_nbgrader(metadata: dict) -> NotebookNode:
    """Cell metadata without nbgrader's keys (and the locks that go with them)."""
    meta = copy.deepcopy(dict(metadata))
    for key in ("nbgrader", "deletable", "editable"):
        meta.pop(key, None)
    return nbformat.from_dict(meta)


def with_cell(cell: NotebookNode, *, source: str | None = None, cell_type: str | None = None,
              metadata: dict | None = None) -> NotebookNode:
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
