"""Proof that the hidden tests can be trusted: every catalogued mistake loses points on
its own test, every differently written correct answer earns full marks, and all of it is
graded by the real pipeline (dlcourse grade: nbgrader autograde on a course folder)."""

import pytest

from . import submissions as subs
from .lesson_checks import source_notebook
from .mistakes import Correct, catalogues
from .mistakes.plan import Planner

CATALOGUES = catalogues()


@pytest.fixture(scope="module", params=sorted(CATALOGUES))
def graded_catalogue(request, tmp_path_factory):
    """One lesson's whole catalogue, packed into submissions and graded in one run."""
    lesson = request.param
    module = CATALOGUES[lesson]
    planner = Planner(source_notebook(lesson), subs.reference_answers(lesson))
    batches = planner.pack([*module.MISTAKES, *module.CORRECT])
    course = subs.new_course(tmp_path_factory.mktemp(lesson))
    plan = {}
    for i, batch in enumerate(batches):
        kind = "ok" if all(isinstance(a, Correct) for a in batch.values()) else "bad"
        student = f"{kind}-{i:03d}"
        subs.submit(course, student, lesson,
                    subs.student_notebook(lesson, {f: a.source for f, a in batch.items()}))
        plan[student] = batch
    results = subs.grade(course, lesson)
    print(f"{lesson}: {len(module.MISTAKES)} mistakes and {len(module.CORRECT)} correct answers "
          f"in {len(batches)} graded submissions")
    return lesson, course, planner, plan, results


def test_catalogue_covers_every_graded_function(graded_catalogue):
    lesson, _, planner, plan, _ = graded_catalogue
    mistaken = {f for batch in plan.values() for f, a in batch.items() if not isinstance(a, Correct)}
    assert planner.functions <= mistaken, f"{lesson}: no catalogued mistake for {sorted(planner.functions - mistaken)}"
    assert CATALOGUES[lesson].CORRECT, f"{lesson}: add correct answers written differently"


def test_every_mistake_loses_points_on_its_own_test(graded_catalogue):
    lesson, course, planner, plan, results = graded_catalogue
    escaped, interfered = [], []
    for student, batch in plan.items():
        if all(isinstance(a, Correct) for a in batch.values()):
            continue
        assert results[student].status == "graded", f"{student}: {results[student].message}"
        scores = subs.cell_scores(course, lesson, student)
        for function, answer in batch.items():
            score, best = scores[f"test_{function}"]
            if score >= best:
                escaped.append(f"{function}: {answer.why}")
        # Tests that cannot reach any mistake in this submission must be untouched.
        for function in planner.clean_tests(batch):
            score, best = scores[f"test_{function}"]
            if score < best:
                interfered.append(f"test_{function} lost points next to {[a.why for a in batch.values()]}")
    assert not escaped, f"{lesson}: the hidden tests let these mistakes through: {escaped}"
    assert not interfered, f"{lesson}: tests depend on more than the code they test: {interfered}"


def test_every_correct_variant_gets_full_marks(graded_catalogue):
    lesson, course, _, plan, results = graded_catalogue
    full = sum(subs.autograded_points(lesson).values())
    for student, batch in plan.items():
        if all(isinstance(a, Correct) for a in batch.values()):
            assert results[student].status == "graded", f"{student}: {results[student].message}"
            assert results[student].score == full, (
                f"{lesson}: correct answers {[f'{f}: {a.why}' for f, a in batch.items()]} lost points: "
                f"{subs.cell_scores(course, lesson, student)}")
