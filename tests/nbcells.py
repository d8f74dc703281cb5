"""Finding a lesson's nbgrader cells, for the tests (the grader asks nbgrader.utils itself)."""

from dlcourse.notebooks import BEGIN_SOLUTION, END_SOLUTION, grade_id, nbgrader_meta


def is_answer_cell(cell):
    """A cell the student writes in (code or a written answer)."""
    return bool(nbgrader_meta(cell).get("solution"))


def is_autograded_test(cell):
    """A locked code cell whose assertions earn points."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def cells_by_grade_id(nb):
    """{grade_id: cell} for every nbgrader cell of the notebook."""
    return {grade_id(cell): cell for cell in nb.cells if grade_id(cell)}


def strip_solution_markers(source):
    """The full solution with the BEGIN/END SOLUTION lines removed (what a perfect student writes)."""
    kept = [line for line in source.split("\n") if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION)]
    return "\n".join(kept)
