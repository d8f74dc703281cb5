"""`dlcourse check`: restart, run all, run the visible tests, exit non-zero on any failure.

Each check starts a kernel, so the failing cases share one notebook of lesson 01
that goes wrong in several ways at once.
"""

import pytest

from dlcourse import cli, merge, notebooks, selfcheck
from dlcourse.paths import LESSONS_DIR, lesson_ids, lesson_notebook

from . import damage
from . import submissions as subs
from . import nbcells

LESSON = "01-perceptron"
LESSONS = [lesson for lesson in lesson_ids(LESSONS_DIR) if lesson_notebook(lesson, LESSONS_DIR).exists()]

WRONG_STEP = "def step(z):\n    return (np.asarray(z) > 0).astype(int)\n"  # forgets z = 0
BROKEN_PREDICT = "def perceptron_predict(X, w, b):\n    return step(weighted_sum(X, w, b)\n"  # a missing bracket
ENDLESS_TRAIN = "def perceptron_train(X, y, lr=1.0, epochs=10):\n    while True:\n        pass\n"


def place(tmp_path, lesson, nb):
    folder = tmp_path / lesson
    folder.mkdir(exist_ok=True)
    path = folder / f"{lesson}.ipynb"
    notebooks.write(nb, path)
    return path


def cell_number(nb, gid):
    return next(i for i, c in enumerate(nb.cells) if notebooks.grade_id(c) == gid) + 1


@pytest.mark.parametrize("lesson", LESSONS)
def test_a_complete_notebook_passes(lesson, tmp_path, capsys):
    path = place(tmp_path, lesson, subs.student_notebook(lesson, written=True))
    before = path.read_bytes()
    assert cli.main(["check", str(path)]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    tests = sum(1 for c in notebooks.read(path).cells if nbcells.is_autograded_test(c))
    assert f"OK: {tests} of {tests} visible tests pass" in out
    assert path.read_bytes() == before, "checking never changes the notebook"


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """One notebook with a wrong answer, a syntax error, an endless loop, a blank answer and a blank question."""
    nb = subs.student_notebook(LESSON, {"step": WRONG_STEP, "perceptron_predict": BROKEN_PREDICT,
                                        "perceptron_train": ENDLESS_TRAIN})
    nb = subs.fill_answers(nb, {"weighted_sum": subs.blank_notebook(LESSON).cells[
        cell_number(nb, "weighted_sum") - 1].source})
    path = place(tmp_path_factory.mktemp("check"), LESSON, nb)
    result = selfcheck.check(path, timeout=3)
    return nb, path, result


def problems_at(result, nb, gid):
    return [p for p in result.problems if p.cell == cell_number(nb, gid) and not p.warning]


def test_failures_make_the_check_fail(broken):
    nb, path, result = broken
    assert not result.ok
    assert result.passed == [] and len(result.tests) == 4
    assert "FAILED: 0 of 4 visible tests pass" in result.summary()


def test_a_blank_answer_is_reported_as_not_answered_yet(broken):
    nb, _, result = broken
    (problem,) = problems_at(result, nb, "test_weighted_sum")
    assert problem.kind == "not answered yet: `weighted_sum` still raises NotImplementedError"


def test_a_failed_visible_test_shows_its_message(broken):
    nb, _, result = broken
    (problem,) = problems_at(result, nb, "test_step")
    assert problem.kind == "a visible test failed"
    assert "look at z = 0" in problem.detail
    assert f"cell {cell_number(nb, 'test_step')} · the test `test_step`" in problem.line()


def test_a_syntax_error_points_at_the_answer_and_explains_its_test(broken):
    nb, _, result = broken
    (answer,) = problems_at(result, nb, "perceptron_predict")
    assert "not valid Python" in answer.kind and "line 2" in answer.detail
    (test,) = problems_at(result, nb, "test_perceptron_predict")
    assert f"answer cell (cell {cell_number(nb, 'perceptron_predict')}) failed" in test.kind


def test_an_endless_loop_is_stopped_and_named(broken):
    nb, _, result = broken
    (problem,) = problems_at(result, nb, "test_perceptron_train")
    assert "took longer than 3 s" in problem.kind


def test_blank_written_answers_are_warnings(broken):
    nb, _, result = broken
    warnings = {p.cell for p in result.warnings if p.kind == "not written yet"}
    assert warnings == {i + 1 for i, c in enumerate(nb.cells)
                        if nbcells.is_answer_cell(c) and c.cell_type == "markdown"}


def test_lesson_code_failing_for_the_same_reason_is_one_line(broken):
    _, _, result = broken
    lesson = [p for p in result.failures if p.where.startswith("lesson code")]
    assert len({(p.kind, p.detail) for p in lesson}) == len(lesson)


def test_exit_codes(broken, tmp_path, capsys):
    _, path, _ = broken
    not_a_notebook = tmp_path / "broken.ipynb"
    not_a_notebook.write_text(subs.not_json())
    assert cli.main(["check", str(not_a_notebook)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert cli.main(["check", str(tmp_path / "missing.ipynb")]) == 2


def test_damage_and_update_notes_are_warnings(tmp_path):
    nb = subs.student_notebook(LESSON, written=True)
    _, made = damage.build(LESSON, nb)["copy_test_below"]
    made.cells.insert(7, merge.note_cell("weighted_sum", "the exercise `weighted_sum` changed"))
    path = place(tmp_path, LESSON, made)
    result = selfcheck.check(path)
    assert result.ok, result.summary()
    kinds = " ".join(p.kind for p in result.warnings)
    assert "dlcourse repair --write" in kinds
    assert any(p.where == "a note from `dlcourse update`" and p.cell == 8 for p in result.warnings)


def test_a_failing_cell_is_named_by_its_section_heading_as_jupyterlab_lists_it(broken):
    """JupyterLab shows no cell numbers by default; its table of contents lists the headings, so each
    problem also names the heading of the section it sits in (markup dropped, as the list shows it)."""
    nb, _, result = broken
    (problem,) = problems_at(result, nb, "test_step")
    assert problem.section == "Exercise 2 · step (1 point)"
    assert f"cell {cell_number(nb, 'test_step')} · the test `test_step` (under “Exercise 2 · step (1 point)”): " \
           "a visible test failed" in problem.line()
    (answer,) = problems_at(result, nb, "perceptron_predict")
    assert answer.section.startswith("Exercise 3 · perceptron_predict")
    written = [p for p in result.warnings if p.kind == "not written yet"]
    assert written and all(p.section.startswith("Question") for p in written)


def test_sections_follow_the_last_heading_above_each_cell():
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    nb = new_notebook(cells=[new_code_cell("x = 1"), new_markdown_cell("# Lesson\n\ntext\n\n## 1. `step`, **twice**"),
                             new_code_cell("y = 2"), new_markdown_cell("no heading here, #not-a-heading"),
                             new_code_cell("z = 3"), new_markdown_cell("### Exercise 2 · $h$ ###")])
    assert selfcheck.sections(nb) == {0: "", 1: "1. step, twice", 2: "1. step, twice", 3: "1. step, twice",
                                      4: "1. step, twice", 5: "Exercise 2 · h"}
