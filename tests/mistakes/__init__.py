"""Catalogues of realistic wrong answers and differently written right answers.

One module per lesson, named after it (lesson_01_perceptron.py for
01-perceptron), with LESSON, MISTAKES and CORRECT. Each entry replaces one
answer cell of an otherwise perfect submission. The grading pipeline must
take points off the entry's own test cell for every mistake and give full
marks for every correct variant (tests/test_mistake_catalogue.py).

A function may have more than one test cell (partial credit): `test_<f>` for the
core behaviour and `test_<f>_<something>` (e.g. `test_<f>_edge`) for edge cases.
A mistake then names the cells it must fail (`fails`); by default the core cell
`test_<f>`. It must fail exactly those of f's own test cells and pass the others.
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
    fails: tuple = ()  # for a mistake: the test cells of `function` it must fail (default: test_<function>)

    @property
    def failing_cells(self):
        """The grade ids of the function's test cells this answer must fail (none for a correct one)."""
        if isinstance(self, Correct):
            return ()
        return tuple(self.fails) or (f"test_{self.function}",)

    @property
    def source(self):
        return textwrap.dedent(self.code).strip() + "\n"


class Mistake(Answer):
    """A wrong answer: the test cell test_<function> must lose points."""


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
