"""Reading notebooks tolerantly and deterministically, even when they are damaged.

Empty text is an empty notebook; repeated or missing cell ids get new ones
deterministically (nbformat would pick random ones); anything that is not an
nbformat-4 notebook raises RepairError.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import nbformat
from nbformat import NotebookNode

CELL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class RepairError(ValueError):
    """The file is not a notebook at all (not JSON, not nbformat 4)."""


def loads(text: str, fixes: list[str] | None = None) -> NotebookNode:
    """A notebook from the text of a file. Empty text is an empty notebook.

    Duplicate or missing cell ids are fixed deterministically (nbformat would
    pick random ones), and described in the list `fixes` when one is given.
    Raises RepairError if the text is not a notebook.
    """
    if not text.strip():
        return nbformat.v4.new_notebook()
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise RepairError(f"not a notebook (the file is not valid JSON: {err})") from None
    if not isinstance(data, dict) or data.get("nbformat") != 4 or not isinstance(data.get("cells"), list):
        raise RepairError("not a notebook in nbformat 4")
    for cell in data["cells"]:
        if isinstance(cell, dict) and isinstance(cell.get("source"), list):
            cell["source"] = "".join(str(part) for part in cell["source"])
    fixed = fix_raw_ids(data)
    if fixed and fixes is not None:
        fixes.append(f"Gave {fixed} cell(s) a new cell id: every cell needs its own id, and an editor had "
                     "repeated or dropped some.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return nbformat.reads(json.dumps(data), as_version=4, capture_validation_error={})
        except Exception as err:  # nbformat's own reader gave up
            raise RepairError(f"not a readable notebook ({type(err).__name__}: {err})") from None


def read(path: str | Path, fixes: list[str] | None = None) -> NotebookNode:
    """Read a notebook file for repair (see loads)."""
    return loads(Path(path).read_text(encoding="utf-8", errors="replace"), fixes)


def fix_raw_ids(data: dict) -> int:
    """Make the cell ids of raw notebook JSON unique and valid, deterministically; returns how many changed."""
    minor = data.get("nbformat_minor")
    if not isinstance(minor, int) or minor < 5:
        return 0
    taken, fixed = set(), 0
    for n, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict):
            continue
        cid = cell.get("id")
        if not isinstance(cid, str) or not CELL_ID.match(cid) or cid in taken:
            base = cid if isinstance(cid, str) and CELL_ID.match(cid) else f"cell-{n + 1}"
            cid = free_id(base[:56], taken)
            cell["id"] = cid
            fixed += 1
        taken.add(cid)
    return fixed


def free_id(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`, ... : the first one not in `taken`."""
    cid, n = base, 1
    while cid in taken:
        n += 1
        cid = f"{base}-{n}"
    return cid


def as_dict(nb: NotebookNode) -> dict:
    """The notebook as plain JSON data, to compare two notebooks."""
    return json.loads(nbformat.writes(nb))
