"""Numpy exercises stay numpy: lesson 10's convolution, pooling and batch normalisation.

Their hidden tests compare with torch.nn.functional, in a kernel that has PyTorch, so an
answer could hand its arrays to exactly those functions. Two defences, both tried here:
the tests fail an answer during which any PyTorch function ran (utils.torch_helpers.torch_calls,
which sees every route into PyTorch's operations), and the grader flags an answer that names
anything beyond numpy, its own variables and plain builtins (sandbox/scan.py), which is what
hiding a PyTorch call from the first defence takes.
"""

import copy

import nbformat
import numpy as np
import pytest
import torch
from traitlets.config import Config

from dlcourse.paths import SOLUTIONS_DIR, lesson_notebook
from dlcourse.sandbox.checked_tests import lesson_imports
from dlcourse.sandbox.scan import NUMPY_ONLY_TAG, code_only, numpy_only_answers, outside_numpy, scan_student_code
from utils.torch_helpers import torch_calls

from .mistakes import catalogues
from .test_sandbox import code, errors, needs_bwrap, run, text

LESSON = "10-cnn-mnist"
NUMPY_ONLY = {"conv2d_forward", "maxpool2d_forward", "batchnorm_forward"}


@pytest.fixture(scope="module")
def lesson():
    return nbformat.read(lesson_notebook(LESSON, SOLUTIONS_DIR), as_version=4)


def allowed(lesson_nb):
    aliases, _ = lesson_imports(lesson_nb)
    numpy_names = {name for name, (module, _) in aliases.items() if module.split(".")[0] in ("numpy", "math")}
    answers = {c.metadata["nbgrader"]["grade_id"] for c in lesson_nb.cells
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    return numpy_names | answers


def test_the_lesson_tags_exactly_its_numpy_exercises(lesson):
    assert numpy_only_answers(lesson) == NUMPY_ONLY


def test_every_route_into_pytorch_is_seen():
    x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    routes = {
        "torch.nn.functional": lambda: torch.nn.functional.relu(torch.tensor(x)).numpy(),
        "torch.ops.aten": lambda: torch.ops.aten.relu(torch.from_numpy(x)).numpy(),
        "a tensor method": lambda: torch.from_numpy(x).clamp(min=0).numpy(),
        "np.asarray of a tensor": lambda: np.maximum(np.asarray(torch.from_numpy(x)), 0),
        "torch's C functions": lambda: torch._C._VariableFunctions.relu(torch.from_numpy(x)).numpy(),
    }
    for route, call in routes.items():
        result, names = torch_calls(call)
        assert names, f"{route} went unseen"
        assert np.array_equal(result, np.maximum(x, 0))
    assert torch_calls(np.maximum, x, 0)[1] == [], "plain numpy calls no PyTorch"


EVASIONS = {
    "F by its lesson name": ("def f(X):\n    return F.max_pool2d(torch.from_numpy(X), 2).numpy()", "F"),
    "its own import": ("def f(X):\n    import torch.nn.functional as G\n    return G.max_pool2d(X, 2)", "import torch"),
    "a name looked up at run time": ("def f(X):\n    return globals()['F'].max_pool2d(X, 2)", "globals"),
    "getattr": ("def f(X):\n    return getattr(np, 'lib')", "getattr"),
    "a path through numpy to sys.modules": (
        "def f(X):\n    return np.testing._private.utils.sys.modules['tor' + 'ch']", ".sys"),
    "a course helper that imports torch": ("def f(X):\n    return th.torch.max_pool2d(X, 2)", "th"),
    "a frame from a traceback": (
        "def f(X):\n    try:\n        1 / 0\n    except ZeroDivisionError as e:\n"
        "        return e.__traceback__.tb_frame.f_back.f_globals['F']", ".tb_frame"),
    "eval": ("def f(X):\n    return eval('F').max_pool2d(X, 2)", "eval"),
    "the mode popped": ("def f(X):\n    with torch.overrides._pop_mode_temporarily():\n"
                        "        return F.max_pool2d(torch.from_numpy(X), 2).numpy()", "torch"),
    "a string naming torch": ("def f(X):\n    name = 'TORCH'.lower()\n    return name", "TORCH"),
    "a helper from another cell": ("def f(X):\n    return my_pool(X)", "my_pool"),
}


@pytest.mark.parametrize("how", sorted(EVASIONS))
def test_an_answer_that_reaches_beyond_numpy_is_named(how, lesson):
    source, named = EVASIONS[how]
    found = outside_numpy(source, allowed(lesson))
    assert any(named in item for item in found), f"{how}: {found}"


def test_no_numpy_answer_of_the_lesson_or_its_catalogue_is_flagged(lesson):
    """No false alarms: the reference answers and every catalogued answer (right or wrong) that
    does not use PyTorch pass the allow-list; every catalogued one that does is named."""
    names = allowed(lesson)
    sources = [(c.metadata["nbgrader"]["grade_id"], "reference", c.source) for c in lesson.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") in NUMPY_ONLY]
    catalogue = catalogues()[LESSON]
    sources += [(a.function, a.why, a.source) for a in catalogue.MISTAKES + catalogue.CORRECT
                if a.function in NUMPY_ONLY]
    assert len(sources) > 20
    for function, why, source in sources:
        found = outside_numpy(source, names)
        uses_torch = "torch" in code_only(source) or "F." in code_only(source)
        assert bool(found) == uses_torch, f"{function}: {why}: {found}"


def test_the_tag_is_read_from_the_lesson_not_the_submission(lesson):
    """A student who removes the tag from their copy changes nothing: the scan asks the source."""
    submission = copy.deepcopy(lesson)
    for cell in submission.cells:
        cell.metadata.pop("tags", None)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "maxpool2d_forward":
            cell.source = "def maxpool2d_forward(X, size=2, stride=2):\n    return F.max_pool2d(torch.tensor(X), size, stride).numpy()\n"
    aliases, _ = lesson_imports(lesson)
    found = [f for f in scan_student_code(submission, aliases, lesson) if f.kind == "not numpy only"]
    assert [f.grade_id for f in found] == ["maxpool2d_forward"], found
    assert "'F'" in found[0].detail and "'torch'" in found[0].detail


# name: (its answer, passes its test, flagged for the instructor)
SUBMISSIONS = {
    "relu_numpy": ("return np.maximum(x, 0)", True, False),
    "relu_torch": ("return F.relu(torch.from_numpy(x)).numpy()", False, True),
    "relu_found_at_run_time": ("return globals()['F'].relu(torch.from_numpy(x)).numpy()", False, True),
    # Passes its test (the recorder is popped while PyTorch runs), and is flagged for the instructor.
    "relu_recorder_popped": ("with torch.overrides._pop_mode_temporarily():\n"
                             "        return F.relu(torch.from_numpy(x)).numpy()", True, True),
    # A cell before it replaces the recorder (REPLACE_RECORDER): the checker puts it back and fails the test.
    "relu_recorder_replaced": ("return F.relu(torch.from_numpy(x)).numpy()", False, True),
}
REPLACE_RECORDER = "th.torch_calls = lambda function, *args, **kwargs: (function(*args, **kwargs), [])"


def graded(name, **extra):
    return {"grade": False, "solution": True, "locked": False, "grade_id": name, "schema_version": 3, **extra}


def numpy_only_lesson(tmp_path, answers):
    """A lesson with one numpy-only exercise per name in `answers`, written as a course source
    (answers: the reference) in tmp_path/src; returns the submission's cells (answers: `answers`)."""
    cells, source = [], []
    setup = "import numpy as np\nimport torch\nimport torch.nn.functional as F\nfrom utils import torch_helpers as th"
    cells.append(code(setup)), source.append(code(setup))
    for name, body in answers.items():
        if name == "relu_recorder_replaced":
            cells.append(code(REPLACE_RECORDER))
        answer = code(f"def {name}(x):\n    {body}")
        answer.metadata["nbgrader"] = graded(name)
        reference = code(f"def {name}(x):\n    return np.maximum(x, 0)")
        reference.metadata["nbgrader"] = graded(name)
        reference.metadata["tags"] = [NUMPY_ONLY_TAG]
        test = code(f'_out, _calls = th.torch_calls({name}, np.array([-1.0, 2.0]))\n'
                    f'assert not _calls, f"{name} is a numpy exercise, but it called PyTorch ({{_calls[0]}})"\n'
                    'assert np.allclose(_out, [0.0, 2.0])\nprint("passed")')
        test.metadata["nbgrader"] = graded(f"test_{name}", grade=True, solution=False, locked=True, points=1)
        cells += [answer, test]
        source += [reference, test]
    (tmp_path / "src" / "lesson").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=source), tmp_path / "src" / "lesson" / "lesson.ipynb")
    return cells


@needs_bwrap
def test_in_the_sandbox_pytorch_fails_the_test_or_is_flagged(tmp_path):
    cells = numpy_only_lesson(tmp_path, {name: body for name, (body, _, _) in SUBMISSIONS.items()})
    config = Config()
    config.CourseDirectory.source_directory = str(tmp_path / "src")
    (tmp_path / "run").mkdir()
    nb, report = run(cells, tmp_path / "run", resources={"nbgrader": {"assignment": "lesson", "notebook": "lesson"}},
                     config=config)
    flagged = {f["grade_id"] for f in report["findings"] if f["kind"] == "not numpy only"}
    tampered = [f for f in report["findings"] if f["kind"] not in ("not numpy only", "suspicious code")]
    assert [f["kind"] for f in tampered] == ["tampering before the test (cell failed)"], tampered
    tests = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    for name, (_, passes, is_flagged) in SUBMISSIONS.items():
        test = tests[f"test_{name}"]
        assert (not errors(test) and "passed" in text(test)) == passes, (name, errors(test), text(test))
        assert (name in flagged) == is_flagged, (name, report["findings"])
