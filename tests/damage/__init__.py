"""A catalogue of damaged student notebooks, built the ways students damage them.

Each entry starts from a complete submission of a lesson (every answer
written) and does what a student does in JupyterLab, the way JupyterLab does
it: Split (Ctrl+Shift+-) copies the cell's metadata onto every piece and
strips the newlines at the cut; Merge (Shift+M) joins the sources with a
blank line and keeps the type and metadata of the active cell; copy-paste
copies the metadata (grade id included); changing a cell's type keeps its
metadata. Other editors lose metadata or repeat cell ids; the classic
Notebook's Split Cell keeps the text on both sides of the cursor exactly but
leaves the new cell (above) bare, as IPython 2-3 did with the new cell below
(split_bare).

`outcome` is what repair + grading must give:

    "intact"   the same autograded score, cell by cell, as the undamaged submission
    "flagged"  the same score, and the repair flags the submission for the instructor
    "empty"    nothing to grade: zero points, flagged

Entries work on any lesson: they pick their targets by role (the first or last
exercise, a written answer), and return None when a lesson has no such target.
"""

import copy
import hashlib
from dataclasses import dataclass
from typing import Callable

import nbformat

from dlcourse import notebooks
from dlcourse.paths import LESSONS_DIR, lesson_ids, lesson_notebook
from .. import nbcells


@dataclass
class Damage:
    name: str
    how: str  # what the student did
    make: Callable  # make(Lesson) -> damaged notebook, raw bytes, or None (not applicable)
    outcome: str = "intact"


class Lesson:
    """A complete submission of one lesson, and where its graded cells are."""

    def __init__(self, lesson, nb):
        self.id = lesson
        self.nb = nb

    def copy(self):
        return copy.deepcopy(self.nb)

    @staticmethod
    def index(nb, gid):
        return next(i for i, c in enumerate(nb.cells) if notebooks.grade_id(c) == gid)

    @property
    def answers(self):
        """Grade ids of the code answer cells, in order."""
        return [notebooks.grade_id(c) for c in self.nb.cells
                if nbcells.is_answer_cell(c) and c.cell_type == "code"]

    @property
    def written(self):
        return [notebooks.grade_id(c) for c in self.nb.cells
                if nbcells.is_answer_cell(c) and c.cell_type == "markdown"]

    def test_of(self, answer):
        return f"test_{answer}"


# ---------------------------------------------------------------------------
# What JupyterLab does

def _new_id(cell, tag):
    return hashlib.sha1(f"{cell.get('id')}-{tag}".encode()).hexdigest()[:12]


def split_cell(nb, i, offset):
    """JupyterLab's Split at a character offset: both pieces keep the metadata."""
    cell = nb.cells[i]
    first, second = copy.deepcopy(cell), copy.deepcopy(cell)
    first.source = cell.source[:offset].strip("\n")
    second.source = cell.source[offset:].strip("\n")
    second.id = _new_id(cell, "split")
    if cell.cell_type == "code":
        first.outputs = []
    nb.cells[i:i + 1] = [first, second]
    return nb


def merge_cells(nb, first, last, active=None):
    """JupyterLab's Merge of cells first..last: sources joined by a blank line,
    type and metadata of the active cell (default: the first)."""
    active = first if active is None else active
    primary = copy.deepcopy(nb.cells[active])
    primary.source = "\n\n".join(c.source for c in nb.cells[first:last + 1])
    if primary.cell_type == "code":
        primary.outputs = []
    nb.cells[first:last + 1] = [primary]
    return nb


def paste_copy(nb, i, at):
    """Copy cell i and paste it so it becomes cell `at` (metadata and grade id included)."""
    cell = copy.deepcopy(nb.cells[i])
    cell.id = _new_id(cell, f"copy-{at}")
    nb.cells.insert(at, cell)
    return nb


def change_type(nb, i, cell_type):
    """JupyterLab's change of cell type: same source and metadata."""
    old = nb.cells[i]
    data = {"cell_type": cell_type, "id": old.id, "metadata": copy.deepcopy(old.metadata), "source": old.source}
    if cell_type == "code":
        data.update(outputs=[], execution_count=None)
    nb.cells[i] = nbformat.from_dict(data)
    return nb


def move(nb, i, to):
    cell = nb.cells.pop(i)
    nb.cells.insert(to if to >= 0 else len(nb.cells) + 1 + to, cell)
    return nb


def new_code_cell(source, tag):
    cell = nbformat.v4.new_code_cell(source)
    cell.id = hashlib.sha1(tag.encode()).hexdigest()[:12]
    return cell


def new_markdown_cell(source, tag):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.id = hashlib.sha1(tag.encode()).hexdigest()[:12]
    return cell


def with_own_cells(nb, note, code):
    """`nb` with a Markdown note and a code cell of the student's own right after the first test cell."""
    first_test = next(i for i, c in enumerate(nb.cells) if nbcells.is_autograded_test(c))
    nb.cells.insert(first_test + 1, new_markdown_cell(note, "own-note"))
    nb.cells.insert(first_test + 2, new_code_cell(code, "own-code"))
    return nb


def middle_offset(source):
    """An offset at a line break in the middle of a function body (where a student would split)."""
    lines = source.split("\n")
    body = [n for n, line in enumerate(lines) if n > 0 and line.startswith("    ") and line.strip()]
    cut = body[len(body) // 2] if len(body) > 1 else max(1, len(lines) // 2)
    return len("\n".join(lines[:cut])) + 1


def split_bare(nb, i, offset, new_above):
    """A Split at the cursor by an editor that leaves the new cell bare (no metadata, a new id) and
    keeps the text exactly as it was on both sides of the cursor (no newline stripped).

    new_above: the classic Notebook (4 to 6) keeps the original cell for the text after the cursor
    and inserts the new cell above it with the text before; older ones (IPython 2 and 3) keep the
    original for the text before and insert the new cell below."""
    cell = nb.cells[i]
    bare = new_code_cell(cell.source[offset:] if not new_above else cell.source[:offset], f"bare-{cell.id}-{offset}")
    cell.source = cell.source[offset:] if new_above else cell.source[:offset]
    cell.outputs, cell.execution_count = [], None
    nb.cells.insert(i if new_above else i + 1, bare)
    return nb


def docstring_offset(source):
    """The cursor inside the function's docstring (between two words of its first line)."""
    start = source.find('"""')
    if start < 0:
        return None
    end = source.find("\n", start)
    cut = source.find(" ", (start + end) // 2 if end > 0 else start + 3)
    return cut if start < cut < (end if end > 0 else len(source)) else None


def return_offset(source):
    """The cursor just before the `return` of the function's last line (after its indentation)."""
    lines = source.rstrip().split("\n")
    last = lines[-1]
    if not last.lstrip().startswith("return"):
        return None
    return len("\n".join(lines[:-1])) + 1 + (len(last) - len(last.lstrip()))


def ambiguous_offset(source):
    """A cursor after the indentation of the function's last statement where both halves run on their
    own: the rest is a whole statement at the top level (a loop, an assignment), not a `return`.
    None when the function has no such place."""
    import ast
    lines = source.rstrip().split("\n")
    for n in range(len(lines) - 1, 0, -1):
        line = lines[n]
        if not line.strip() or not line.startswith("    ") or line.startswith("     "):
            continue
        offset = len("\n".join(lines[:n])) + 1 + 4
        first, second = source[:offset], source[offset:]
        try:
            compile(first, "<split>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_TYPE_COMMENTS, dont_inherit=True)
            compile(second, "<split>", "exec", dont_inherit=True)
            compile(first, "<split>", "exec", dont_inherit=True)
        except SyntaxError:
            return None
        return offset
    return None


# ---------------------------------------------------------------------------
# Cells from another lesson

FOREIGN_ANSWER = '''def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), elementwise."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))'''

FOREIGN_TEST = '''"""sigmoid: 0.5 at zero."""
assert np.isclose(sigmoid(0.0), 0.5), "sigmoid(0) should be 0.5"'''


def foreign_cells(lesson):
    """An answer cell and its test cell from another lesson (its grade ids unknown to this one).

    From a real released lesson when there is another one; else made up the same way.
    """
    for other in lesson_ids(LESSONS_DIR):
        if other == lesson:
            continue
        nb = notebooks.read(lesson_notebook(other, LESSONS_DIR))
        answer = next((c for c in nb.cells if nbcells.is_answer_cell(c) and c.cell_type == "code"), None)
        if answer is not None and any(notebooks.grade_id(c) == f"test_{notebooks.grade_id(answer)}" for c in nb.cells):
            test = next(c for c in nb.cells if notebooks.grade_id(c) == f"test_{notebooks.grade_id(answer)}")
            own = nbcells.cells_by_grade_id(notebooks.read(lesson_notebook(lesson, LESSONS_DIR)))
            if notebooks.grade_id(answer) not in own:
                return copy.deepcopy(answer), copy.deepcopy(test)
    answer = new_code_cell(FOREIGN_ANSWER, "foreign-answer")
    answer.metadata = nbformat.from_dict({"nbgrader": {
        "cell_type": "code", "checksum": "0" * 32, "grade": False, "grade_id": "sigmoid", "locked": False,
        "schema_version": 3, "solution": True, "task": False}})
    test = new_code_cell(FOREIGN_TEST, "foreign-test")
    test.metadata = nbformat.from_dict({"deletable": False, "editable": False, "nbgrader": {
        "cell_type": "code", "checksum": "1" * 32, "grade": True, "grade_id": "test_sigmoid", "locked": True,
        "points": 1, "schema_version": 3, "solution": False, "task": False}})
    return answer, test


# ---------------------------------------------------------------------------
# The damages

def _split_answer(les):
    nb = les.copy()
    i = les.index(nb, les.answers[-1])
    return split_cell(nb, i, middle_offset(nb.cells[i].source))


def _split_written(les):
    if not les.written:
        return None
    nb = les.copy()
    i = les.index(nb, les.written[0])
    text = nb.cells[i].source
    cut = text.find(" ", len(text) // 2)
    return split_cell(nb, i, cut if cut > 0 else len(text) // 2)


def _merge_answer_with_test(les):
    nb = les.copy()
    i = les.index(nb, les.answers[0])
    return merge_cells(nb, i, i + 1)


def _merge_answer_down_to_markdown(les):
    nb = les.copy()
    i = les.index(nb, les.answers[0])
    j = next((k for k in range(i + 1, len(nb.cells)) if nb.cells[k].cell_type == "markdown"), None)
    return None if j is None else merge_cells(nb, i, j)


def _merge_prompt_into_answer(les):
    nb = les.copy()
    i = les.index(nb, les.answers[1 if len(les.answers) > 1 else 0])
    if nb.cells[i - 1].cell_type != "markdown" or notebooks.grade_id(nb.cells[i - 1]):
        return None
    return merge_cells(nb, i - 1, i)  # the exercise text is the active cell: the result is Markdown


def _merge_written_with_next(les):
    if not les.written:
        return None
    nb = les.copy()
    i = les.index(nb, les.written[0])
    if i + 1 >= len(nb.cells) or nb.cells[i + 1].cell_type != "markdown":
        return None
    return merge_cells(nb, i, i + 1)


def _copy_test_below(les):
    nb = les.copy()
    i = les.index(nb, les.test_of(les.answers[0]))
    return paste_copy(nb, i, i + 1)


def _copy_test_to_end(les):
    nb = les.copy()
    i = les.index(nb, les.test_of(les.answers[-1]))
    return paste_copy(nb, i, len(nb.cells))


def _delete_test(les):
    nb = les.copy()
    del nb.cells[les.index(nb, les.test_of(les.answers[0]))]
    return nb


def _delete_every_test(les):
    nb = les.copy()
    nb.cells = [c for c in nb.cells if not nbcells.is_autograded_test(c)]
    return nb


def _answer_to(cell_type):
    def make(les):
        nb = les.copy()
        return change_type(nb, les.index(nb, les.answers[0]), cell_type)
    return make


def _test_to_markdown(les):
    nb = les.copy()
    return change_type(nb, les.index(nb, les.test_of(les.answers[-1])), "markdown")


def _written_to_code(les):
    if not les.written:
        return None
    nb = les.copy()
    return change_type(nb, les.index(nb, les.written[0]), "code")


def _drop_metadata(pick):
    def make(les):
        gid = pick(les)
        if gid is None:
            return None
        nb = les.copy()
        nb.cells[les.index(nb, gid)].metadata = nbformat.from_dict({})
        return nb
    return make


def _drop_all_metadata(les):
    nb = les.copy()
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict({})
    return nb


def _test_above_answer(les):
    nb = les.copy()
    i = les.index(nb, les.answers[0])
    return move(nb, i + 1, i)


def _answer_to_end(les):
    nb = les.copy()
    return move(nb, les.index(nb, les.answers[0]), -1)


def _shuffle_exercises(les):
    """Exercises dragged around: the last exercise (answer and test) moved to the top."""
    nb = les.copy()
    i = les.index(nb, les.answers[-1])
    pair = nb.cells[i:i + 2]
    del nb.cells[i:i + 2]
    nb.cells[1:1] = pair
    return nb


def _foreign_cells(les):
    nb = les.copy()
    answer, test = foreign_cells(les.id)
    i = les.index(nb, les.test_of(les.answers[0]))
    nb.cells[i + 1:i + 1] = [answer, test]
    return nb


def _empty_notebook(les):
    nb = les.copy()
    nb.cells = []
    return nb


def _empty_file(les):
    return b""


def _answer_in_new_cell_below(les):
    """Left the starting code alone and wrote the answer in a new cell just below it."""
    nb = les.copy()
    gid = les.answers[0]
    i = les.index(nb, gid)
    answer = nb.cells[i].source
    nb.cells[i].source = _stub(les, gid)
    nb.cells.insert(i + 1, new_code_cell(answer, f"below-{gid}"))
    return nb


def _answer_below_test(les):
    """Wrote the answer in a new cell after the test cell (after the test failed)."""
    nb = les.copy()
    gid = les.answers[-1]
    i = les.index(nb, gid)
    answer = nb.cells[i].source
    nb.cells[i].source = _stub(les, gid)
    nb.cells.insert(i + 2, new_code_cell(answer, f"after-test-{gid}"))
    return nb


def _answer_retyped(les):
    """Deleted the answer cell and typed the function into a new cell at the same place."""
    nb = les.copy()
    gid = les.answers[0]
    i = les.index(nb, gid)
    nb.cells[i] = new_code_cell(nb.cells[i].source, f"retyped-{gid}")
    return nb


def _answer_inside_another(les):
    """Wrote the second function in the first answer cell and deleted the second answer cell."""
    if len(les.answers) < 2:
        return None
    nb = les.copy()
    first, second = les.answers[0], les.answers[1]
    code = nb.cells[les.index(nb, second)].source
    nb.cells[les.index(nb, first)].source += "\n\n\n" + code
    del nb.cells[les.index(nb, second)]
    return nb


def _written_lost_and_moved(les):
    """A written answer that lost its metadata (pasted as text) and ended up at the end."""
    if not les.written:
        return None
    nb = les.copy()
    i = les.index(nb, les.written[0])
    nb.cells[i].metadata = nbformat.from_dict({})
    return move(nb, i, -1)


def _duplicate_cell_ids(les):
    nb = les.copy()
    nb.cells[2].id = nb.cells[1].id
    nb.cells[3].id = nb.cells[1].id
    return nb


def _many_at_once(les):
    """A long evening: split an answer, copy one test, delete another, re-type a third, paste a cell
    from another lesson, write an answer in a new cell, and lose a cell's metadata."""
    nb = les.copy()
    answers = les.answers
    # an answer written in a new cell below its starting code
    gid = answers[0]
    i = les.index(nb, gid)
    code = nb.cells[i].source
    nb.cells[i].source = _stub(les, gid)
    nb.cells.insert(i + 1, new_code_cell(code, f"many-below-{gid}"))
    # the last answer split in two
    i = les.index(nb, answers[-1])
    split_cell(nb, i, middle_offset(nb.cells[i].source))
    # the first test copied to the end, the last test deleted
    paste_copy(nb, les.index(nb, les.test_of(answers[0])), len(nb.cells))
    del nb.cells[les.index(nb, les.test_of(answers[-1]))]
    if len(answers) > 2:
        change_type(nb, les.index(nb, answers[1]), "raw")
        nb.cells[les.index(nb, les.test_of(answers[2]))].metadata = nbformat.from_dict({})
    answer, test = foreign_cells(les.id)
    nb.cells.insert(len(nb.cells) // 2, answer)
    return nb


def _split_bare(pick, where, new_above):
    """Split an answer cell at the cursor (`where` finds it) with an editor that leaves the new cell bare."""
    def make(les):
        gid = pick(les)
        nb = les.copy()
        i = les.index(nb, gid)
        offset = where(nb.cells[i].source)
        if offset is None:
            return None
        return split_bare(nb, i, offset, new_above)
    return make


def _with_return(les):
    """The first answer (after the first) whose function ends with a `return`."""
    found = [gid for gid in les.answers if return_offset(les.nb.cells[les.index(les.nb, gid)].source)]
    return (found[1:] or found or [les.answers[0]])[0]


def _with_ambiguous_cut(les):
    found = [gid for gid in les.answers if ambiguous_offset(les.nb.cells[les.index(les.nb, gid)].source)]
    return found[0] if found else les.answers[0]


def _stub(les, gid):
    released = notebooks.read(lesson_notebook(les.id, LESSONS_DIR))
    return next(c.source for c in released.cells if notebooks.grade_id(c) == gid)


CATALOGUE = [
    Damage("split_answer", "split an answer cell in two in the middle of the function (Ctrl+Shift+-)",
           _split_answer),
    Damage("split_written_answer", "split a written answer in two", _split_written),
    Damage("merge_answer_with_test", "merged an answer cell with the test cell below (Shift+M)", _merge_answer_with_test),
    Damage("merge_answer_down_to_markdown", "selected an answer cell down to the next text cell and merged them",
           _merge_answer_down_to_markdown),
    Damage("merge_prompt_into_answer",
           "merged the exercise text with the answer cell below it (the result is Markdown)",
           _merge_prompt_into_answer),
    Damage("merge_written_answer_with_next", "merged a written answer with the next Markdown cell",
           _merge_written_with_next),
    Damage("copy_test_below", "copied a test cell and pasted it below itself (duplicate grade id)", _copy_test_below),
    Damage("copy_test_to_end", "pasted a copy of a test cell at the end of the notebook", _copy_test_to_end),
    Damage("delete_test", "deleted a test cell", _delete_test),
    Damage("delete_every_test", "deleted every test cell", _delete_every_test),
    Damage("answer_to_markdown", "turned an answer cell into Markdown (key M)", _answer_to("markdown")),
    Damage("answer_to_raw", "turned an answer cell into a raw cell (key R)", _answer_to("raw")),
    Damage("test_to_markdown", "turned a test cell into Markdown", _test_to_markdown),
    Damage("written_answer_to_code", "turned a written answer into a code cell", _written_to_code),
    Damage("answer_metadata_lost", "an answer cell lost its nbgrader metadata",
           _drop_metadata(lambda les: les.answers[-1])),
    Damage("test_metadata_lost", "a test cell lost its nbgrader metadata",
           _drop_metadata(lambda les: les.test_of(les.answers[0]))),
    Damage("written_metadata_lost", "a written answer lost its nbgrader metadata",
           _drop_metadata(lambda les: les.written[0] if les.written else None)),
    Damage("all_metadata_lost", "every cell lost its metadata (an editor that drops it)", _drop_all_metadata),
    Damage("test_above_answer", "moved a test cell above its answer cell", _test_above_answer),
    Damage("answer_moved_to_end", "dragged an answer cell to the end of the notebook", _answer_to_end),
    Damage("exercise_moved_to_top", "dragged the last exercise (answer and test) to the top", _shuffle_exercises),
    Damage("cells_from_another_lesson", "pasted an answer cell and a test cell from another lesson", _foreign_cells),
    Damage("empty_notebook", "saved the notebook with every cell deleted", _empty_notebook, "empty"),
    Damage("empty_file", "the file was saved empty (0 bytes)", _empty_file, "empty"),
    Damage("answer_in_new_cell_below", "left the starting code and wrote the answer in a new cell below it",
           _answer_in_new_cell_below),
    Damage("answer_below_test", "wrote the answer in a new cell below the test cell", _answer_below_test),
    Damage("answer_retyped_in_new_cell", "deleted the answer cell and typed the function into a new cell",
           _answer_retyped),
    Damage("answer_inside_another_answer", "wrote a function in another exercise's answer cell and deleted its own",
           _answer_inside_another, "flagged"),
    Damage("written_answer_lost_and_moved", "a written answer lost its metadata and moved to the end",
           _written_lost_and_moved, "flagged"),
    Damage("duplicate_cell_ids", "cells with the same cell id (copied by an editor that keeps ids)",
           _duplicate_cell_ids),
    Damage("many_at_once", "several of the above in one notebook", _many_at_once),
    # An editor whose Split leaves the new cell bare: the classic Notebook (new cell above) and
    # IPython 2-3 (new cell below). The cursor stood where students stop typing.
    Damage("bare_split_in_docstring", "split an answer inside its docstring; the new cell (above) got no metadata",
           _split_bare(lambda les: les.answers[0], docstring_offset, True)),
    Damage("bare_split_mid_body", "split an answer in the middle of its body; the new cell (above) got no metadata",
           _split_bare(lambda les: les.answers[-1], middle_offset, True)),
    Damage("bare_split_before_return", "split an answer just before `return`; the new cell (above) got no metadata",
           _split_bare(_with_return, return_offset, True)),
    Damage("bare_split_below_in_docstring",
           "split an answer inside its docstring; the new cell (below) got no metadata",
           _split_bare(lambda les: les.answers[-1], docstring_offset, False)),
    Damage("bare_split_below_mid_body",
           "split an answer in the middle of its body; the new cell (below) got no metadata",
           _split_bare(lambda les: les.answers[0], middle_offset, False)),
    Damage("bare_split_below_before_return",
           "split an answer just before `return`; the new cell (below) got no metadata",
           _split_bare(_with_return, return_offset, False)),
    Damage("bare_split_ambiguous",
           "split an answer before its last statement, which runs on its own too; the new cell (below) is bare",
           _split_bare(_with_ambiguous_cut, ambiguous_offset, False), "flagged"),
]


def build(lesson, complete):
    """{name: (Damage, damaged notebook or bytes)} for every entry that applies to the lesson."""
    les = Lesson(lesson, complete)
    out = {}
    for damage in CATALOGUE:
        made = damage.make(les)
        if made is not None:
            out[damage.name] = (damage, made)
    return out


def to_bytes(made):
    """The damaged file as bytes, written as is (nbformat would quietly fix repeated cell ids)."""
    import json
    return made if isinstance(made, bytes) else (json.dumps(made, indent=1, sort_keys=True) + "\n").encode()
