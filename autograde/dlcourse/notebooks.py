"""Reading and writing lesson notebooks, and finding their nbgrader cells."""

import hashlib
import re
from pathlib import Path

import nbformat

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
# Any of nbgrader's region markers, in any case or comment style.
MARKER = re.compile(r"(BEGIN|END)\s+(SOLUTION|HIDDEN\s+TESTS)", re.IGNORECASE)


def read(path):
    """Read a notebook (nbformat 4)."""
    return nbformat.read(str(path), as_version=4)


def write(nb, path):
    """Write a notebook the way nbformat does, so unchanged notebooks stay byte-identical."""
    nbformat.write(nb, str(path))


def nbgrader_meta(cell):
    """The cell's nbgrader metadata, or an empty dict."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell):
    return nbgrader_meta(cell).get("grade_id")


def _stable_id(cell, taken):
    """A cell id that survives re-ordering: the grade id, else a hash of the source."""
    base = grade_id(cell) or f"{cell.cell_type[:2]}-{hashlib.sha1(cell.source.encode()).hexdigest()[:8]}"
    base = re.sub(r"[^A-Za-z0-9_-]", "-", base)[:60]
    cell_id, n = base, 1
    while cell_id in taken:
        n += 1
        cell_id = f"{base}-{n}"
    taken.add(cell_id)
    return cell_id


def normalize_source(nb):
    """Put an instructor source notebook in its canonical, diff-friendly form (in place).

    Clears outputs and execution counts, drops editor-only metadata, gives
    every cell a stable id and sets the kernelspec; returns the notebook.
    """
    taken = set()
    nb.metadata = nbformat.from_dict({
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    for cell in nb.cells:
        cell.id = _stable_id(cell, taken)
        keep = {k: v for k, v in cell.metadata.items() if k in ("nbgrader", "tags")}
        cell.metadata = nbformat.from_dict(keep)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def leaks(path):
    """Lines of a student file that hold a solution or hidden-test marker: [(line_no, text)]."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return [(i, line.strip()) for i, line in enumerate(text.splitlines(), 1) if MARKER.search(line)]


def region_lines(source, begin, end):
    """The meaningful lines inside begin/end regions of a cell source."""
    lines, inside = [], False
    for line in source.split("\n"):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside and len(line.strip()) > 12 and not line.strip().startswith("#"):
            lines.append(line.strip())
    return lines


def leaked_lines(source_nb, student_nb):
    """Solution or hidden-test lines of the source that appear in the student notebook.

    Only lines that are not also part of the visible text of the source count,
    so a line that legitimately appears in both (a shared import) is no leak.
    """
    visible, secret = set(), []
    for cell in source_nb.cells:
        secret += region_lines(cell.source, BEGIN_SOLUTION, END_SOLUTION)
        secret += region_lines(cell.source, BEGIN_HIDDEN, END_HIDDEN)
    for cell in student_nb.cells:
        visible.update(line.strip() for line in cell.source.split("\n"))
    public = set()
    for cell in source_nb.cells:
        text = cell.source
        for begin, end in ((BEGIN_SOLUTION, END_SOLUTION), (BEGIN_HIDDEN, END_HIDDEN)):
            text = re.sub(re.escape(begin) + r".*?" + re.escape(end), "", text, flags=re.S)
        public.update(line.strip() for line in text.split("\n"))
    return sorted({line for line in secret if line in visible and line not in public})
