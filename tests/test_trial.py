"""The quick way the mistake catalogue is tried (tests/mistakes/trial.py), on made-up cells."""

import nbformat

from .mistakes import trial


def answer(gid, source):
    return {"grade_id": gid, "kind": "answer", "source": source}


def graded_test(gid, source):
    return {"grade_id": gid, "kind": "test", "source": source}


def setup(source):
    return {"grade_id": "", "kind": "setup", "source": source}


CELLS = [
    setup("import numpy as np\ndata = np.arange(4.0)"),
    answer("double", "def double(x):\n    return 2 * x"),
    graded_test("test_double", "assert np.array_equal(double(data), [0, 2, 4, 6])"),
    answer("total", "def total(x):\n    return float(np.sum(x))"),
    graded_test("test_total", "assert total(data) == 6.0"),
]


def test_each_batch_fails_exactly_the_tests_its_answers_break(tmp_path):
    batches = [
        {"double": "def double(x):\n    return x + x"},          # right, written differently
        {"double": "def double(x):\n    return x * x"},          # wrong
        {"total": "def total(x):\n    return len(x)"},           # wrong
        {"double": "def double(x):\n    x *= 2\n    return x"},  # passes its test, but doubles the data in place
        {"total": "def total(x):\n    return total(x)"},         # endless recursion: an error, not a crash
    ]
    reference, outcomes = trial.run_cells(CELLS, batches, tmp_path)
    assert reference == {"test_double": None, "test_total": None}
    failing = [{t for t, error in outcome.items() if error} for outcome in outcomes]
    assert failing == [set(), {"test_double"}, {"test_total"}, {"test_total"}, {"test_total"}]
    assert "AssertionError" in outcomes[1]["test_double"]
    assert "RecursionError" in outcomes[4]["test_total"]


def test_a_batch_never_sees_what_another_did(tmp_path):
    """The in-place mutation of batch 0 happens in a forked child: batch 1 still sees 0..3."""
    batches = [{"double": "def double(x):\n    x *= 2\n    return x"}, {}]
    batches[1] = {"total": "def total(x):\n    return float(np.sum(x))  # same as the reference"}
    _, outcomes = trial.run_cells(CELLS, batches, tmp_path)
    assert outcomes[0]["test_total"] and outcomes[1] == {"test_double": None, "test_total": None}


def test_a_hanging_or_dying_answer_costs_only_its_own_batch(tmp_path):
    batches = [{"total": "def total(x):\n    while True:\n        pass"},
               {"total": "import os\nos._exit(3)"},
               {"double": "def double(x):\n    return 2 * x"}]
    reference, outcomes = trial.run_cells(CELLS, batches, tmp_path, cell_timeout=2)
    assert "time limit" in outcomes[0]["test_total"] and outcomes[0]["test_double"] is None
    assert outcomes[1]["test_total"] == "the trial process died" and outcomes[1]["test_double"] is None
    assert outcomes[2] == {"test_double": None, "test_total": None}
    assert reference == {"test_double": None, "test_total": None}


def test_only_the_cells_the_tests_need_are_kept():
    code = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(cells=[
        code("import numpy as np\nimport matplotlib.pyplot as plt"),
        code("data = np.arange(4.0)"),
        code("fig, ax = plt.subplots()\nax.plot(data)"),                      # a picture: not needed
        code("### BEGIN SOLUTION\ndef double(x):\n    return 2 * x\n### END SOLUTION",
             metadata={"nbgrader": {"grade_id": "double", "solution": True, "grade": False}}),
        code("scaled = double(data)"),                                         # a test reads it: needed
        code("print(double(3))"),                                              # a demo: not needed
        code("assert np.array_equal(scaled, [0, 2, 4, 6])",
             metadata={"nbgrader": {"grade_id": "test_double", "solution": False, "grade": True, "points": 1}}),
    ])
    kept = trial.needed_cells(nb, {"double": "def double(x):\n    return 2 * x\n"})
    assert [c["kind"] for c in kept] == ["setup", "setup", "answer", "setup", "test"]
    assert kept[2]["source"] == "def double(x):\n    return 2 * x\n"
    assert kept[3]["source"] == "scaled = double(data)"


def test_a_batch_can_run_only_some_tests(tmp_path):
    """tests=[...]: a batch runs only those test cells and no cell after the last of them; the others
    are absent from its outcome. tests=None (the default) runs everything, as before."""
    import time

    batches = [{"double": "def double(x):\n    return x * x", "total": "while True:\n    pass"},  # never reached
               {"total": "def total(x):\n    return len(x)"},
               {"double": "def double(x):\n    return x * x"}]
    start = time.monotonic()
    reference, outcomes = trial.run_cells(CELLS, batches, tmp_path, cell_timeout=5,
                                          tests=[["test_double"], ["test_total"], None])
    assert time.monotonic() - start < 5, "a cell after the last wanted test ran"
    assert reference == {"test_double": None, "test_total": None}
    assert set(outcomes[0]) == {"test_double"} and "AssertionError" in outcomes[0]["test_double"]
    assert set(outcomes[1]) == {"test_total"} and outcomes[1]["test_total"]
    assert set(outcomes[2]) == {"test_double", "test_total"}, "no list: every test, as before"


def test_more_batches_than_children_at_once(tmp_path):
    """Children start as earlier ones end (two at a time here), and each batch keeps its own outcome."""
    batches = [{"double": f"def double(x):\n    return x * {k}"} for k in range(7)]
    _, outcomes = trial.run_cells(CELLS, batches, tmp_path, parallel=2)
    assert [outcome["test_double"] is None for outcome in outcomes] == [k == 2 for k in range(7)]


def test_a_test_that_writes_to_stderr_fails_as_nbgrader_scores_it(tmp_path):
    """nbgrader gives a test cell with stderr output no points (nbgrader.utils.determine_grade), so a
    warning an answer raises during its test costs the test, in the trial as in real grading; what
    a non-test cell writes to stderr (a progress bar) costs nothing."""
    from nbformat.v4 import new_code_cell, new_output
    from nbgrader.utils import determine_grade

    cell = new_code_cell("", outputs=[new_output("stream", name="stderr", text="RuntimeWarning: overflow\n")])
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 1, "grade_id": "t"}
    assert determine_grade(cell) == (0, 1.0), "nbgrader's rule, which the trial follows"
    cells = [setup("import numpy as np\nimport sys\ndata = np.arange(4.0)\nsys.stderr.write('a progress bar\\n')"), *CELLS[1:]]
    batches = [
        {"double": "def double(x):\n    return np.exp(np.float64(1000)) * 0 + 2 * x"},  # overflow warning: inf*0=nan
        {"double": "def double(x):\n    import warnings\n    warnings.warn('careful')\n    return 2 * x"},
        {"total": "def total(x):\n    import sys\n    print('debug', file=sys.stderr)\n    return float(np.sum(x))"},
    ]
    reference, outcomes = trial.run_cells(cells, batches, tmp_path)
    assert reference == {"test_double": None, "test_total": None}, "stderr outside a test costs nothing"
    assert outcomes[1]["test_double"].startswith("wrote to stderr") and "careful" in outcomes[1]["test_double"]
    assert outcomes[2]["test_total"] == "wrote to stderr: debug" and outcomes[2]["test_double"] is None
    assert outcomes[0]["test_double"], "nan values fail the assertion, the overflow warning too"
