"""Proof that the hidden tests can be trusted: every catalogued mistake loses points on
its own test, and every differently written correct answer earns full marks.

The whole catalogue is tried quickly (tests/mistakes/trial.py: the answers and the tests
in one process, forked per submission); sample submissions of every lesson are also
graded by the real pipeline (dlcourse grade: nbgrader autograde on a course folder), which
must give exactly the same test-cell scores, and raise no flag for correct answers. `python benchmarks/catalogue_in_nbgrader.py`
grades every catalogue entry through nbgrader.
"""

import pytest

from utils.diagnosis import match as diagnosis_match

from . import submissions as subs
from .mistakes import Correct, catalogues, trial
from .mistakes.plan import is_correct, pack_catalogue, sources

CATALOGUES = catalogues()
# Graded by the real pipeline too: for every lesson the fullest correct submission (the reference
# answers with as many correct variants as fit), which must agree with the trial and raise no flag
# at all; for the first numpy lesson, the longest numpy network and the PyTorch lessons also the
# fullest mistake submission. `python benchmarks/catalogue_in_nbgrader.py` grades every entry.
MISTAKES_GRADED_BY_NBGRADER = ("01-perceptron", "05-neural-network", "09-pytorch-mnist", "10-cnn-mnist")


@pytest.fixture(scope="module", params=sorted(CATALOGUES))
def tried_catalogue(request):
    """One lesson's whole catalogue, tried: (lesson, planner, batches, reference, outcomes)."""
    lesson = request.param
    planner, batches, reference, outcomes = trial.try_catalogue(lesson, CATALOGUES[lesson])
    module = CATALOGUES[lesson]
    print(f"{lesson}: {len(module.MISTAKES)} mistakes and {len(module.CORRECT)} correct answers "
          f"in {len(batches)} pretend submissions")
    return lesson, planner, batches, reference, outcomes


def test_catalogue_covers_every_graded_function(tried_catalogue):
    lesson, planner, batches, _, _ = tried_catalogue
    mistaken = {f for batch in batches for f, a in batch.items() if not isinstance(a, Correct)}
    assert planner.functions <= mistaken, f"{lesson}: no catalogued mistake for {sorted(planner.functions - mistaken)}"
    assert CATALOGUES[lesson].CORRECT, f"{lesson}: add correct answers written differently"


def test_reference_passes_every_test(tried_catalogue):
    lesson, planner, _, reference, _ = tried_catalogue
    assert set(reference) >= set(planner.tests), f"{lesson}: tests not run: {reference}"
    assert not trial.failing(reference), f"{lesson}: the reference solution fails: {reference}"


def test_every_mistake_loses_points_on_its_own_test(tried_catalogue):
    """Each mistake fails test_<function>, or exactly the test cells it names (partial credit:
    a function's core cell and its edge-case cell), and nothing it cannot reach."""
    lesson, planner, batches, _, outcomes = tried_catalogue
    escaped, overreached, interfered = [], [], []
    for batch, failed in zip(batches, outcomes):
        if is_correct(batch):
            continue
        for function, answer in batch.items():
            own = planner.tests_of(function)
            assert set(answer.failing_cells) <= set(own), \
                f"{lesson}: {function}: {answer.why}: names cells that are not {function}'s tests: {answer.failing_cells}"
            for test in answer.failing_cells:
                if failed[test] is None:
                    escaped.append(f"{test}: {function}: {answer.why}")
            if answer.cells:  # named exactly: the function's other test cells keep full marks
                for test in own:
                    if test not in answer.cells and failed[test] is not None:
                        overreached.append(f"{test} failed too ({failed[test]}): {function}: {answer.why}")
        # Tests that cannot reach any mistake in this submission must be untouched.
        for test in planner.clean_tests(batch):
            if failed[test] is not None:
                interfered.append(f"{test} failed ({failed[test]}) next to {[a.why for a in batch.values()]}")
    assert not escaped, f"{lesson}: the hidden tests let these mistakes through: {escaped}"
    assert not overreached, f"{lesson}: mistakes failed cells they do not name: {overreached}"
    assert not interfered, f"{lesson}: tests depend on more than the code they test: {interfered}"


def test_every_correct_variant_gets_full_marks(tried_catalogue):
    lesson, _, batches, _, outcomes = tried_catalogue
    for batch, failed in zip(batches, outcomes):
        if is_correct(batch):
            assert not trial.failing(failed), (
                f"{lesson}: correct answers {[f'{f}: {a.why}' for f, a in batch.items()]} lost points: {failed}")


def test_every_mistake_is_named_as_itself_and_nothing_else(tried_catalogue):
    """What a student reads under a failing test (utils.diagnosis, run where the test failed, as the
    grader's checker and the lesson's error handler run it) names the mistake made, or one of its
    twins that behave identically on every probe, and never another mistake. A mistake the
    fingerprints cannot tell from the right answer is named nowhere; so is one whose tests fail only
    by printing a warning (no exception, so no handler runs)."""
    lesson, planner, batches, _, outcomes = tried_catalogue
    known = diagnosis_match.load(lesson)
    missed, wrong = [], []
    for batch, failed in zip(batches, outcomes):
        if is_correct(batch):
            continue
        for function, answer in batch.items():
            entry = next((e for e in known.get(function, {}).get("mistakes", []) if e["why"] == answer.why), None)
            allowed = {answer.why, *(entry or {}).get("twins", ())}
            errors = [failed[test] for test in planner.tests_of(function) if failed.get(test)]
            named = {why for error in errors for f, why in trial.diagnosed(error) if f == function}
            wrong += [f"{function}: {answer.why} was named {why!r}" for why in named - allowed]
            raised = [e for e in errors if not e.startswith("wrote to stderr")]
            if entry and entry["items"] and raised and answer.why not in named:
                missed.append(f"{function}: {answer.why}")
    assert not wrong, f"{lesson}: diagnoses that name the wrong mistake: {wrong}"
    assert not missed, f"{lesson}: mistakes the fingerprints know but no failing test named: {missed}"


def sample(lesson, batches):
    """The fullest correct submission, and for some lessons the fullest mistake submission too."""
    right = max((b for b in batches if is_correct(b)), key=len)
    wrong = max((b for b in batches if not is_correct(b)), key=len)
    return [right, wrong] if lesson in MISTAKES_GRADED_BY_NBGRADER else [right]


@pytest.fixture(scope="module", params=sorted(CATALOGUES))
def graded_sample(request, tmp_path_factory):
    """(lesson, batches, trial outcomes, test cells nbgrader took points off, GradeResults)."""
    lesson = request.param
    _, batches = pack_catalogue(CATALOGUES[lesson])
    chosen = sample(lesson, batches)
    _, outcomes = trial.run(lesson, [sources(b) for b in chosen])
    results = []
    course = subs.new_course(tmp_path_factory.mktemp(lesson))
    graded = trial.graded_by_nbgrader(course, lesson, [sources(b) for b in chosen], results_out=results)
    return lesson, chosen, outcomes, graded, results


def test_nbgrader_gives_the_scores_the_trial_found(graded_sample):
    lesson, chosen, outcomes, graded, _ = graded_sample
    for batch, failed, lost in zip(chosen, outcomes, graded):
        assert lost == trial.failing(failed), (
            f"{lesson} {[a.why for a in batch.values()]}: nbgrader took points off {lost}, the trial found {failed}")


def test_correct_answers_raise_no_flag(graded_sample):
    """No false alarms: a correct submission (reference answers and answers written differently)
    is graded without a single finding, not even a note about suspicious-looking code."""
    lesson, chosen, _, _, results = graded_sample
    for batch, result in zip(chosen, results):
        if is_correct(batch):
            assert result.status == "graded" and result.isolated
            assert result.findings == [], f"{lesson}: a correct submission was flagged: {result.findings}"
