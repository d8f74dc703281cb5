"""One cost symbol and one convention for the mean squared error, in every lesson (issue #17).

Lesson 03 fixes the notation: L is the loss of one example, J the cost (the mean of the losses
over a batch), and the mean squared error is mean((y_hat - y)**2), with no 1/2 (`mse`). The
only loss with a 1/2 is lesson 04's one-neuron loss 0.5 * (a - y)**2, which the syllabus fixes
for `neuron_forward_backward` and the lesson explains where it appears (the 1/2 cancels the 2 of
the square). These tests fail when a lesson's prose or code comments drift: a cost named C, or
a squared error written with 1/2 outside the allowed place.
"""

import json
import re

import pytest

from dlcourse.paths import SOLUTIONS_DIR, lesson_ids, lesson_notebook

from . import submissions as subs

LESSONS = lesson_ids()
HALF_SQUARED_ERROR_ALLOWED = {"04-backprop"}

# A cost named C: dC/dZ, "cost C", C(w ...), $C = ...
COST_C = re.compile(r"\bdC/|\bcost C\b|\$C\s*[=(]|\bC\(w\b|\\partial C\b")
# A squared difference with a target (y) multiplied by one half: ½(a - y)², \tfrac12 (w x + b - y)^2,
# \frac{1}{2n} \sum (... - y_i)^2, 0.5 * (a - y) ** 2.
HALF_SQUARE = re.compile(
    r"(\\tfrac12|\\frac12|\\frac\{1\}\{2n?\}|½|0\.5 \*)\s*(\\sum[^$]{0,30}?)?\s*\\?\(\s*[^()$]{0,40}-\s*y[^()$]{0,6}\)\s*(\^|\*\*)\s*2")


def text_of(lesson):
    """The lesson's markdown and its code cells' comments and docstrings (what a student reads)."""
    nb = json.loads(lesson_notebook(lesson, SOLUTIONS_DIR).read_text())
    parts = []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            parts.append(source)
        else:
            parts += re.findall(r"#[^\n]*|\"\"\"[\s\S]*?\"\"\"", source)
    return "\n".join(parts)


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_cost_is_always_J(lesson):
    found = COST_C.findall(text_of(lesson))
    assert not found, f"{lesson} names the cost C ({found}); the course writes J for the cost, L for one example's loss"


def test_lesson_03_states_the_convention():
    text = text_of("03-loss-and-gradient-descent")
    assert "$L$ for the loss of one example, $J$ for the cost" in text
    mse = subs.reference_answers("03-loss-and-gradient-descent")["mse"]
    namespace = {}
    exec("import numpy as np\n" + mse, namespace)
    assert namespace["mse"]([1.0, 2.0], [0.0, 0.0]) == pytest.approx(2.5), "mse is the plain mean of the squares"


def test_a_squared_error_with_one_half_only_where_allowed():
    with_half = {lesson for lesson in LESSONS if HALF_SQUARE.search(text_of(lesson))}
    assert with_half == HALF_SQUARED_ERROR_ALLOWED, (
        f"squared errors with 1/2 in {sorted(with_half)}; only lesson 04's neuron loss (syllabus) has one")


def test_lesson_04_explains_its_one_half():
    text = text_of("04-backprop")
    assert "The ½ is here only to cancel the 2 of the square" in text and "03's `mse` has none" in text


def test_the_patterns_catch_drift():
    assert COST_C.search("given dZ = dC/dZ") and COST_C.search("the cost C of the batch")
    assert not COST_C.search("dJ/dZ; class C; C-contiguous")
    for drift in (r"$\tfrac12 (a - y)^2$", r"\frac{1}{2n}\sum_{i=1}^{n} (w\,x_i + b - y_i)^2", "0.5 * (a - y) ** 2"):
        assert HALF_SQUARE.search(drift), drift
    assert not HALF_SQUARE.search(r"$\operatorname{mean}(\hat y - y)^2$")
