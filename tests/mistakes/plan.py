"""Packing catalogue entries into as few graded submissions as is safe.

Grading a notebook takes seconds, so each pretend submission carries several
catalogue entries at once, but only entries that cannot hide each other: a
mistake in f may share a submission with a mistake in g only if neither
test_f nor test_g can reach the other function (through the test's own code
or through the answers it calls). Then a lost point on test_f is f's fault.
"""

import ast

from dlcourse import notebooks

from ..submissions import reference_answers
from . import Correct


def names_used(source):
    """Every bare name a piece of code reads."""
    return {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}


def reach(start_names, code_of, functions):
    """The answer functions reachable from start_names, following calls in code_of[f]."""
    seen, todo = set(), [n for n in start_names if n in functions]
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        todo += [n for n in names_used(code_of[f]) if n in functions and n not in seen]
    return seen


class Planner:
    """Knows a lesson's answer functions, their reference code and their tests."""

    def __init__(self, source_nb, reference):
        self.reference = dict(reference)  # {function: reference code}
        self.functions = set(self.reference)
        cells = notebooks.cells_by_grade_id(source_nb)
        # {function: its test cells}: test_<function> and test_<function>_<part> (an edge-case cell),
        # each cell given to the longest function name it fits (test_relu_grad is relu_grad's).
        self.tests_of = {f: [] for f in self.functions}
        for gid, cell in cells.items():
            owners = [f for f in self.functions if gid == f"test_{f}" or gid.startswith(f"test_{f}_")]
            if owners and notebooks.is_autograded_test(cell):
                self.tests_of[max(owners, key=len)].append(gid)
        self.test_code = {f: "\n".join(cells[gid].source for gid in self.tests_of[f])
                          for f in self.functions if f"test_{f}" in cells}

    def test_reaches(self, function, code_of):
        """Answer functions the tests of <function> (all its test cells) can execute, given each function's code."""
        return reach(names_used(self.test_code[function]) | {function}, code_of, self.functions)

    def fits(self, batch, entry):
        """Can `entry` join `batch` ({function: Answer}) without blurring who lost which point?"""
        if entry.function in batch:
            return False
        trial = {**batch, entry.function: entry}
        code_of = {**self.reference, **{f: a.source for f, a in trial.items()}}
        if isinstance(entry, Correct):
            return True  # every test must pass anyway: nothing to attribute
        wrong = {f for f, a in trial.items() if not isinstance(a, Correct)}
        return all(not (self.test_reaches(f, code_of) & (wrong - {f})) for f in wrong)

    def pack(self, entries):
        """Group entries into batches; mistakes and correct answers never share a batch."""
        batches = []
        for entry in entries:
            for batch in batches:
                same_kind = all(isinstance(a, Correct) == isinstance(entry, Correct) for a in batch.values())
                if same_kind and self.fits(batch, entry):
                    batch[entry.function] = entry
                    break
            else:
                batches.append({entry.function: entry})
        return batches

    def clean_tests(self, batch):
        """Functions whose tests (every cell of them) must keep full marks in a batch: those that
        reach no mistaken function."""
        code_of = {**self.reference, **{f: a.source for f, a in batch.items()}}
        wrong = {f for f, a in batch.items() if not isinstance(a, Correct)}
        return [f for f in self.test_code if not (self.test_reaches(f, code_of) & wrong)]



def is_correct(batch):
    """True for a batch of correct variants only."""
    return all(isinstance(a, Correct) for a in batch.values())


def sources(batch):
    """{grade_id: cell source} of a batch, ready to fill into a notebook."""
    return {f: a.source for f, a in batch.items()}


def pack_catalogue(module):
    """(planner, [batch]): a catalogue module packed into pretend submissions."""
    from dlcourse.paths import SOLUTIONS_DIR, lesson_notebook
    lesson = module.LESSON
    planner = Planner(notebooks.read(lesson_notebook(lesson, SOLUTIONS_DIR)), reference_answers(lesson))
    return planner, planner.pack([*module.MISTAKES, *module.CORRECT])
