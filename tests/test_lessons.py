"""Every lesson: the graded interface of the syllabus, well-formed graded cells, and a clean run."""

import ast
import re

import pytest

from dlcourse import notebooks

from .lesson_checks import LESSONS, answer_functions, run_solution, signature, source_notebook
from .syllabus import SYLLABUS
from . import nbcells


def test_lessons_exist():
    assert LESSONS, "solutions/ holds no lesson"
    assert set(LESSONS) <= set(SYLLABUS), f"lessons not in the syllabus: {sorted(set(LESSONS) - set(SYLLABUS))}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_graded_interface_matches_syllabus(lesson):
    defined = answer_functions(source_notebook(lesson))
    for name, expected in SYLLABUS[lesson].items():
        assert name in defined, f"{lesson}: graded {name} is not defined in an answer cell"
        got = signature(defined[name])
        if expected == "class":
            assert got == "class", f"{lesson}: {name} must be a class"
        else:
            # Numbers may be spelled differently (1e-3 vs 0.001); compare values.
            assert _normalise(got) == _normalise(expected), f"{lesson}: {name}{got} should be {name}{expected}"


def _normalise(sig):
    def number(match):
        return repr(float(match.group(0)))
    return re.sub(r"(?<![\w.])\d+\.?\d*(?:e-?\d+)?", number, sig)


@pytest.mark.parametrize("lesson", LESSONS)
def test_graded_cells_are_well_formed(lesson):
    nb = source_notebook(lesson)
    ids = [notebooks.grade_id(c) for c in nb.cells if notebooks.grade_id(c)]
    assert len(ids) == len(set(ids)), f"{lesson}: duplicate grade ids"
    cells = nbcells.cells_by_grade_id(nb)
    tests = {gid: c for gid, c in cells.items() if nbcells.is_autograded_test(c)}
    answers = {gid: c for gid, c in cells.items() if nbcells.is_answer_cell(c) and c.cell_type == "code"}
    assert tests and answers, f"{lesson}: no graded code"
    for gid, cell in answers.items():
        assert notebooks.BEGIN_SOLUTION in cell.source, f"{lesson}/{gid}: answer cell without a solution region"
        assert f"test_{gid}" in tests, f"{lesson}/{gid}: no test cell test_{gid}"
    for gid, cell in tests.items():
        meta = notebooks.nbgrader_meta(cell)
        assert meta.get("points", 0) > 0, f"{lesson}/{gid}: a test cell must be worth points"
        body = ast.parse(cell.source).body
        assert body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str), f"{lesson}/{gid}: a test cell starts with a docstring"
        visible = re.sub(re.escape(notebooks.BEGIN_HIDDEN) + ".*?" + re.escape(notebooks.END_HIDDEN), "",
                         cell.source, flags=re.S)
        assert "assert" in visible, f"{lesson}/{gid}: keep at least one visible assertion for self-checking"
        assert notebooks.BEGIN_HIDDEN in cell.source, f"{lesson}/{gid}: no hidden tests"
    manual = [c for c in cells.values() if nbcells.is_answer_cell(c) and c.cell_type == "markdown"]
    assert 1 <= len(manual) <= 3, f"{lesson}: one to three written answers, found {len(manual)}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_notebook_runs_without_error(lesson):
    """The instructor version runs top to bottom in fast mode, as CI and graders run it."""
    run = run_solution(lesson)
    assert not run.errors, f"{lesson}: cells raised errors: {run.errors}"
    print(f"{lesson}: executed in {run.seconds:.1f} s")
