"""Hostile and broken submissions of lesson 01, and the outcome each must get.

Each entry starts from a perfect submission and breaks or attacks it in one
way. Most attacks sit in `perceptron_train`, which no other graded function
calls, so the outcome is crisp: test_perceptron_train scores zero, the other
tests keep full marks, and the instructor is told what happened.
"""

import json
import textwrap
from dataclasses import dataclass, field

import nbformat

from dlcourse import notebooks

from . import submissions as subs
from .hostile_tricks import ALL_WRONG, TRICKS
from .mistakes.lesson_01_perceptron import NO_BIAS_UPDATE

LESSON = "01-perceptron"
TRAIN = "perceptron_train"
ALL_TESTS = ("test_weighted_sum", "test_step", "test_perceptron_predict", "test_perceptron_train")
OTHERS = ("test_weighted_sum", "test_step", "test_perceptron_predict")

# A wrong but harmless perceptron_train (never updates the bias): what a cheater tries to hide.
WRONG_TRAIN = textwrap.dedent(NO_BIAS_UPDATE)


def train_body(body):
    """A perceptron_train whose body is `body` (indented code)."""
    return "def perceptron_train(X, y, lr=1.0, epochs=10):\n" + body


@dataclass
class Hostile:
    student: str
    why: str
    build: object  # callable(course) -> notebook, or text for a broken file
    zero: tuple = ("test_perceptron_train",)  # tests that must score nothing
    full: tuple = OTHERS  # tests that must keep full marks
    status: str = "graded"
    flags: tuple = ()  # what the instructor must be told: words in the sandbox's findings or the repair notes
    extra: dict = field(default_factory=dict)
    needs_isolation: bool = False  # only safe to run when the sandbox has bubblewrap


def with_train(code):
    return lambda course: subs.student_notebook(LESSON, {TRAIN: code})


def with_extra_cell(code, after="test_weighted_sum", train=None):
    """A perfect (or wrong-train) submission with a student's own cell inserted after a graded cell."""
    def build(course):
        nb = subs.student_notebook(LESSON, {TRAIN: train} if train else None)
        index = next(i for i, c in enumerate(nb.cells) if notebooks.grade_id(c) == after)
        nb.cells.insert(index + 1, nbformat.v4.new_code_cell(code.format(course=course)))
        return nb
    return build


def edit_graded_cell(grade_id, change, train=WRONG_TRAIN):
    """A wrong-train submission with one graded cell damaged by `change(nb, index)`."""
    def build(course):
        nb = subs.student_notebook(LESSON, {TRAIN: train})
        index = next(i for i, c in enumerate(nb.cells) if notebooks.grade_id(c) == grade_id)
        change(nb, index)
        return nb
    return build


def all_wrong_with(trick):
    """Every graded function wrong, and `trick` (student code) after the first answer."""
    answers = dict(ALL_WRONG)
    answers["weighted_sum"] = answers["weighted_sum"] + "\n\n" + trick
    return lambda course: subs.student_notebook(LESSON, answers)


def _delete(nb, index):
    del nb.cells[index]


def _duplicate(nb, index):
    copy = nbformat.from_dict(json.loads(json.dumps(nb.cells[index])))
    copy.id = f"{copy.id}-copy"  # JupyterLab gives a pasted cell a new id, and the same metadata
    nb.cells.insert(index + 1, copy)


def _retype(nb, index):
    cell = nb.cells[index]
    nb.cells[index] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)


def _neuter(nb, index):
    nb.cells[index].source = '"""all fine"""\nassert True'


CATALOGUE = [
    # (A plain endless loop is dave's, in tests/test_grading_pipeline.py.)
    Hostile("stubborn", "a loop that swallows every interrupt",
            with_train(train_body("    import time\n    while True:\n        try:\n            time.sleep(0.05)\n"
                                  "        except KeyboardInterrupt:\n            pass\n")),
            flags=("ignored the time limit",)),
    Hostile("exit-inside", "os._exit inside perceptron_train",
            with_train(train_body("    import os\n    os._exit(3)\n")), flags=("kernel died",)),
    Hostile("exit-midway", "os._exit in a cell of its own in the middle of the notebook",
            with_extra_cell("import os\nos._exit(0)"), zero=(), full=ALL_TESTS, flags=("kernel died",)),
    Hostile("segfault", "a segmentation fault inside perceptron_train",
            with_train(train_body("    import faulthandler\n    faulthandler._sigsegv()\n")), flags=("kernel died",)),
    Hostile("memory", "allocates memory until it runs out",
            with_train(train_body("    hog = []\n    while True:\n        hog.append(bytearray(50 * 2**20))\n"))),
    Hostile("flood", "prints without end",
            with_train(train_body("    while True:\n        print('spam ' * 200)\n")), flags=("output limit",)),
    Hostile("fork-bomb", "forks until the machine gives out",
            with_train(train_body("    import os\n    while True:\n        try:\n            os.fork()\n"
                                  "        except OSError:\n            pass\n")),
            flags=("time limit",)),
    Hostile("not-json", "a file that is not a notebook", lambda course: subs.not_json(),
            zero=(), full=(), status="not graded"),
    Hostile("empty-file", "an empty file", lambda course: "", zero=ALL_TESTS, full=(), status="graded or not"),
    Hostile("no-cells", "a notebook with every cell deleted",
            lambda course: nbformat.v4.new_notebook(), zero=ALL_TESTS, full=(), flags=("test_",)),
    Hostile("deleted-test", "deletes the test of a wrong answer",
            edit_graded_cell("test_perceptron_train", _delete), flags=("test_perceptron_train",)),
    Hostile("duplicated-test", "duplicates a passing test cell to count it twice",
            edit_graded_cell("test_weighted_sum", _duplicate), flags=("test_weighted_sum",)),
    Hostile("retyped-test", "turns the test of a wrong answer into Markdown",
            edit_graded_cell("test_perceptron_train", _retype), flags=("test_perceptron_train",)),
    Hostile("edited-test", "replaces the test of a wrong answer with `assert True`",
            edit_graded_cell("test_perceptron_train", _neuter), flags=("test_perceptron_train",)),
    Hostile("patched-numpy", "makes numpy's comparisons always succeed",
            with_extra_cell("import numpy\nfor name in ('allclose', 'isclose', 'array_equal'):\n"
                            "    setattr(numpy, name, lambda *a, **k: True)\n"
                            "numpy.testing.assert_allclose = lambda *a, **k: None",
                            after="test_perceptron_predict", train=WRONG_TRAIN),
            flags=("tampering",)),
    Hostile("patched-traceback", "silences IPython's error reports",
            with_extra_cell("from IPython.core.interactiveshell import InteractiveShell\n"
                            "InteractiveShell.showtraceback = lambda *a, **k: None\n"
                            "get_ipython().showtraceback = lambda *a, **k: None\n"
                            "get_ipython()._showtraceback = lambda *a, **k: None",
                            after="test_perceptron_predict", train=WRONG_TRAIN),
            flags=("tampering",)),
    Hostile("patch-inside-test", "patches np.allclose from inside the graded function",
            with_train(WRONG_TRAIN.replace("    return w, b, errors_per_epoch",
                                           "    np.allclose = lambda *a, **k: True\n    np.isclose = lambda *a, **k: True\n"
                                           "    return w, b, errors_per_epoch")),
            flags=("tampering during the test",)),
    Hostile("snoop", "looks for the hidden tests and solutions on disk and prints them",
            with_extra_cell("import glob\nfor pattern in ['{course}/**/*.ipynb', '/work/**/solutions/**/*.ipynb',\n"
                            "                '{course}/gradebook.db', '/tmp/**/*.ipynb']:\n"
                            "    for path in glob.glob(pattern, recursive=True):\n"
                            "        try:\n            print(path, open(path, errors='replace').read())\n"
                            "        except OSError as err:\n            print(path, err)",
                            after="test_perceptron_predict"),
            zero=(), full=ALL_TESTS, extra={"no_hidden_text": True}, needs_isolation=True),
    Hostile("vandal", "writes to the gradebook and to another student's submission",
            with_extra_cell("for path in ['{course}/gradebook.db', '{course}/submitted/alice/01-perceptron/01-perceptron.ipynb',\n"
                            "             '{course}/autograded/alice/01-perceptron/01-perceptron.ipynb']:\n"
                            "    try:\n        open(path, 'w').write('overwritten')\n"
                            "    except OSError as err:\n        print(path, err)",
                            after="test_perceptron_predict"),
            zero=(), full=ALL_TESTS, needs_isolation=True),
    # Every graded function wrong, with one trick on the kernel itself: each must earn nothing.
    *[Hostile(name, why, all_wrong_with(code), zero=ALL_TESTS, full=(), flags=flags)
      for name, why, code, flags in TRICKS],
]


def runnable():
    """The entries this machine can grade safely (without bubblewrap, not the ones that attack files)."""
    from dlcourse import sandbox
    return [h for h in CATALOGUE if sandbox.bwrap_path() or not h.needs_isolation]
