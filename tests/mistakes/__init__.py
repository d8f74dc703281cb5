"""Catalogues of realistic wrong answers and differently written right answers.

One module per lesson, named after it (lesson_01_perceptron.py for
01-perceptron), with LESSON, MISTAKES and CORRECT. Each entry replaces one
answer cell of an otherwise perfect submission. The grading pipeline must
take points off the entry's own test cell for every mistake (or, when a
function's tests are split into a core cell and an edge-case cell for partial
credit, exactly the cells the mistake names) and give full marks for every
correct variant (tests/test_mistake_catalogue.py).
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
    # A Mistake's test cells that must lose points. Empty: test_<function> must, and the
    # function's other test cells (an edge-case cell, say) are not checked. Named: exactly
    # these of the function's test cells lose points, and its others keep full marks.
    cells: tuple = ()
    # What a student is told when their function behaves like this mistake (utils/diagnosis): a
    # question or observation that leads to the mistake without giving the code. Empty: `why`.
    hint: str = ""

    @property
    def source(self):
        return textwrap.dedent(self.code).strip() + "\n"

    @property
    def failing_cells(self):
        """The test cells this answer must fail (a Mistake's; nothing for a Correct)."""
        return tuple(self.cells) or (f"test_{self.function}",)


class Mistake(Answer):
    """A wrong answer: the test cell test_<function> (or exactly the cells it names) must lose points."""


class Correct(Answer):
    """A right answer written differently: every test cell must give full marks."""


def variant(reference, *edits):
    """`reference` code with each (old, new) edit made; each old text must occur exactly once."""
    code = reference
    for old, new in edits:
        assert code.count(old) == 1, f"not exactly once in the reference: {old!r}"
        code = code.replace(old, new)
    return code


def catalogues(only=None):
    """{lesson id: module} for every catalogue in this package (only those lessons, when given)."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "LESSON") and (not only or module.LESSON in only):
            found[module.LESSON] = module
    return dict(sorted(found.items()))
