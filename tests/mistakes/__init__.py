"""Catalogues of realistic wrong answers and differently written right answers.

One module per lesson, named after it (lesson_01_perceptron.py for
01-perceptron), with LESSON, MISTAKES and CORRECT. Each entry replaces one
answer cell of an otherwise perfect submission. The grading pipeline must
take points off the entry's own test cell for every mistake and give full
marks for every correct variant (tests/test_mistake_catalogue.py).
"""

import importlib
import pkgutil
import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    function: str  # grade_id of the answer cell it replaces (the function's name)
    why: str  # what the student did, in a few words
    code: str  # the whole cell
    # For a mistake: which of the function's test cells must lose points. A function's tests may be
    # split into a core cell, test_<function> (cell ""), and an edge-case cell, test_<function>_edge
    # (cell "edge"), so that an answer right in substance but wrong at an edge keeps most points.
    cell: str = ""

    @property
    def source(self):
        return textwrap.dedent(self.code).strip() + "\n"

    @property
    def test_cell(self):
        """The grade id of the test cell this mistake must lose points on."""
        return f"test_{self.function}" + (f"_{self.cell}" if self.cell else "")


class Mistake(Answer):
    """A wrong answer: its test cell (test_<function>, or the one `cell` names) must lose points."""


class Correct(Answer):
    """A right answer written differently: every test cell must give full marks."""


def variant(reference, *edits):
    """`reference` code with each (old, new) edit made; each old text must occur exactly once."""
    code = reference
    for old, new in edits:
        assert code.count(old) == 1, f"not exactly once in the reference: {old!r}"
        code = code.replace(old, new)
    return code


def catalogues():
    """{lesson id: module} for every catalogue in this package."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "LESSON"):
            found[module.LESSON] = module
    return dict(sorted(found.items()))
