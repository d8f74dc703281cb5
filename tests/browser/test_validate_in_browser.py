"""The Validate button in the notebook toolbar, as a student clicks it before submitting."""

import pytest

from .. import submissions
from . import jlab
from .conftest import student_copy

LESSON = "01-perceptron"
# A realistic slip: a strict > where the perceptron's step needs >= at z = 0.
WRONG_STEP = {"step": "def step(z):\n    return (np.asarray(z) > 0).astype(int)\n"}
VALIDATE_TIMEOUT_MS = 300_000  # nbgrader runs the whole notebook (in fast mode) before it answers


def validate(page, shots):
    """Click Validate and return the text of the dialog that answers."""
    button = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-toolbar .validate-button")
    button.click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator(".jp-Dialog-header").wait_for(timeout=VALIDATE_TIMEOUT_MS)
    shots.page(page, "validate-dialog")
    text = dialog.text_content()
    dialog.locator(".jp-mod-accept").click()
    dialog.wait_for(state="detached")
    return text


@pytest.mark.parametrize("answers", ["correct", "wrong"])
def test_validate_tells_the_student_whether_the_visible_tests_pass(answers, lab, page, shots):
    replacements = WRONG_STEP if answers == "wrong" else None
    path = student_copy(LESSON, f"validate-{answers}", submissions.student_notebook(LESSON, replacements, written=True))
    jlab.open_notebook(page, lab, path, page.workspace)
    text = validate(page, shots)
    assert "BEGIN HIDDEN" not in text and "### " not in text, "Validate must never show hidden tests"
    if answers == "correct":
        assert "Success! Your notebook passes all the tests." in text, text[:2000]
    else:
        assert "Success" not in text, text[:2000]
        assert "The following cell failed" in text and "look at z = 0" in text, text[:2000]


def test_validate_names_the_known_mistake_under_the_failing_test(lab, page, shots):
    """Lesson 03 with mse summing the squared errors: the dialog shows the diagnosis (utils.diagnosis)."""
    from utils.diagnosis import PREFIX

    from ..mistakes import lesson_03_loss_and_gradient_descent as catalogue

    lesson = "03-loss-and-gradient-descent"
    mistake = next(m for m in catalogue.MISTAKES if (m.function, m.why) == ("mse", "sum instead of mean"))
    nb = submissions.student_notebook(lesson, {"mse": mistake.source}, written=True)
    jlab.open_notebook(page, lab, student_copy(lesson, "validate-diagnosis", nb), page.workspace)
    text = validate(page, shots)
    assert "The following cell failed" in text, text[:2000]
    sentence = PREFIX + "your `mse` behaves like a known mistake: sum instead of mean."
    assert sentence in text, text[:3000]
    assert text.index("one error of 2 among three predictions") < text.index(sentence), "under the test's message"
    assert "BEGIN HIDDEN" not in text and "_hidden_mse" not in text, "Validate must never show hidden tests"
