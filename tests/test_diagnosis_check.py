"""Diagnoses where students check their own work: `dlcourse check` and `nbgrader validate` (the Validate
button runs it), on lesson 03 (whose probes and fingerprints exist) with mse summing instead of averaging.

Both run the notebook in a plain kernel, so the lesson's setup cell turns the IPython handler of
utils.diagnosis on and a failing test's traceback ends with "Diagnosis: ..." lines.
"""

import subprocess
import sys

import pytest

from dlcourse import notebooks, selfcheck
from utils.diagnosis import PREFIX

from . import submissions as subs
from .conftest import REPO
from .mistakes import lesson_03_loss_and_gradient_descent as catalogue

LESSON = "03-loss-and-gradient-descent"
SUM = next(m for m in catalogue.MISTAKES if (m.function, m.why) == ("mse", "sum instead of mean"))
SENTENCE = PREFIX + "your `mse` behaves like a known mistake: sum instead of mean."


def _place(tmp_path, name, nb):
    path = tmp_path / name / f"{LESSON}.ipynb"
    path.parent.mkdir()
    notebooks.write(nb, path)
    return path


@pytest.fixture(scope="module")
def summed(tmp_path_factory):
    """A complete notebook whose mse sums."""
    return _place(tmp_path_factory.mktemp("diagnosis-check"), "summed",
                  subs.student_notebook(LESSON, {"mse": SUM.source}, written=True))


def test_check_shows_the_diagnosis_under_the_failing_test(summed):
    result = selfcheck.check(summed, lesson=LESSON)
    (problem,) = result.failures
    assert problem.where == "the test `test_mse`" and problem.kind == "a visible test failed"
    assert problem.diagnosis and problem.diagnosis[0].startswith(SENTENCE), problem
    lines = problem.line().splitlines()
    assert lines[1].strip() == problem.detail and lines[2].strip() == problem.diagnosis[0], "under the message"
    assert SENTENCE in result.summary()


def test_a_problem_without_diagnosis_reads_as_before():
    problem = selfcheck.Problem(3, "the test `test_step`", "a visible test failed", "look at z = 0")
    assert problem.line() == "FAIL  cell 3 · the test `test_step`: a visible test failed\n        look at z = 0"


def test_the_diagnosis_lines_are_read_from_the_end_of_the_traceback():
    error = {"ename": "AssertionError", "evalue": "wrong", "traceback": [
        "\x1b[31mAssertionError\x1b[39m: wrong", f"{PREFIX}your `mse` behaves like a known mistake: a.",
        f"{PREFIX}your `mse_grad` behaves like a known mistake: b."]}
    assert selfcheck.diagnosis_lines(error) == [f"{PREFIX}your `mse` behaves like a known mistake: a.",
                                                f"{PREFIX}your `mse_grad` behaves like a known mistake: b."]
    assert selfcheck.diagnosis_lines({"ename": "AssertionError", "traceback": ["AssertionError: wrong"]}) == []


def test_nbgrader_validate_shows_the_diagnosis(summed):
    """What the Validate button shows: nbgrader validate with the course's settings (minimal tracebacks)."""
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(summed)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    report = proc.stdout + proc.stderr
    assert "The following cell failed" in report and SENTENCE in report, report[-3000:]
    assert report.index("one error of 2 among three predictions") < report.index(SENTENCE)
    assert "BEGIN HIDDEN" not in report and "_hidden_mse" not in report
