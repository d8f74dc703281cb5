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
from .. import nbcells


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


def owner(test_id, functions):
    """The function a test cell belongs to: test_<f>, or test_<f>_<part> (an edge-case cell, say);
    the longest such f, so that test_relu_grad is relu_grad's. None when no function matches."""
    matches = [f for f in functions if test_id == f"test_{f}" or test_id.startswith(f"test_{f}_")]
    return max(matches, key=len) if matches else None


class Planner:
    """Knows a lesson's answer functions, their reference code and their tests."""

    def __init__(self, source_nb, reference):
        self.reference = dict(reference)  # {function: reference code}
        self.functions = set(self.reference)
        cells = nbcells.cells_by_grade_id(source_nb)
        # Every test cell of an answer function, main and partial-credit ones: {test id: code}.
        self.tests = {gid: cell.source for gid, cell in cells.items()
                      if nbcells.is_autograded_test(cell) and owner(gid, self.functions)}
        self.owner = {gid: owner(gid, self.functions) for gid in self.tests}

    def tests_of(self, function):
        """The test cells of one answer function, in notebook order."""
        return [gid for gid in self.tests if self.owner[gid] == function]

    def cell_reaches(self, test_id, code_of):
        """Answer functions one test cell can execute, given each function's code."""
        return reach(names_used(self.tests[test_id]) | {self.owner[test_id]}, code_of, self.functions)

    def fits(self, batch, entry):
        """Can `entry` join `batch` ({function: Answer}) without blurring who lost which point?"""
        if entry.function in batch:
            return False
        trial = {**batch, entry.function: entry}
        code_of = {**self.reference, **{f: a.source for f, a in trial.items()}}
        if isinstance(entry, Correct):
            return True  # every test must pass anyway: nothing to attribute
        wrong = {f for f, a in trial.items() if not isinstance(a, Correct)}
        return all(not (self.cell_reaches(t, code_of) & (wrong - {f})) for f in wrong for t in self.tests_of(f))

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
        """Test cells (ids) that must keep full marks in a batch: those that reach no mistaken function."""
        code_of = {**self.reference, **{f: a.source for f, a in batch.items()}}
        wrong = {f for f, a in batch.items() if not isinstance(a, Correct)}
        return [t for t in self.tests if not (self.cell_reaches(t, code_of) & wrong)]



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
