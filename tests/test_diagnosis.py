"""Naming a student's mistake (utils/diagnosis): the fingerprints are the catalogue's, they hold no
right answer, they name every catalogued mistake they can as itself and never a right answer, and
the lessons' error handler adds the diagnosis under a failing test and nowhere else.

Whether a failing hidden test names the mistake in the lesson's own flow is proved for every
catalogue entry in tests/test_mistake_catalogue.py; the grader's side in test_diagnosis_grading.py.
"""

import json
import time

import numpy as np
import pytest

from utils import diagnosis
from utils.diagnosis import match
from utils.diagnosis.observe import ATOL, Call, MARGIN, RTOL, close, header, observe, values

from .mistakes import catalogues, fingerprints as build
from .submissions import reference_answers

CATALOGUES = catalogues()
LESSONS = sorted(CATALOGUES)


@pytest.fixture(scope="module")
def built():
    """{lesson: (observations, fingerprints)} made afresh from the catalogues and the probes."""
    return build.build(build.lessons_with_probes())


def test_every_lesson_has_probes_for_every_catalogued_function():
    for lesson, module in CATALOGUES.items():
        probes = diagnosis.probes_for(lesson)
        missing = sorted({m.function for m in module.MISTAKES} - set(probes))
        assert not missing, f"{lesson}: no probes for {missing} (utils/diagnosis/probes/)"


def test_the_committed_fingerprints_are_the_catalogue_s(built):
    for lesson, (_, prints) in built.items():
        path = build.path_of(lesson)
        assert path.exists() and path.read_text() == build.render(prints), \
            f"{path} is out of date: run `make fingerprints`"
        assert json.loads(path.read_text()) == prints


def test_no_fingerprint_holds_a_right_answer(built):
    """Every number stored differs from the reference's number in the same place; where the shape
    or kind differs nothing but the shape and kind is stored."""
    for lesson, (found, prints) in built.items():
        for function, known in prints["functions"].items():
            reference = found["reference"][function]
            for entry in known["mistakes"]:
                for probe, path, item in entry["items"]:
                    right = reference[probe].get(path, ["absent"])
                    if item[0] == "is":
                        assert item[1] != header(right), (lesson, function, entry["why"], path, item)
                        assert item[1][0] not in ("num", "array") or len(item[1]) == {"num": 2, "array": 3}[item[1][0]], \
                            f"{lesson} {function} {entry['why']!r}: numbers stored with a shape or kind that differs"
                        continue
                    assert item[1] == header(right)
                    for position, number in item[2].items():
                        assert not close(number, values(right)[int(position)], MARGIN * RTOL, MARGIN * ATOL), \
                            f"{lesson} {function} {entry['why']!r}: probe {probe} {path}[{position}] is the right answer"


def test_each_mistake_is_named_as_itself_or_a_twin_and_correct_answers_never(built):
    for lesson, (found, prints) in built.items():
        for kind, function, why, named in build.verdicts(lesson, found, prints):
            known = prints["functions"].get(function, {"mistakes": []})["mistakes"]
            if kind == "correct":
                assert named == [], f"{lesson}: the correct {function} ({why}) was taken for {named}"
                continue
            entry = next(e for e in known if e["why"] == why)
            if entry["items"]:
                assert set(named) == {why, *entry.get("twins", ())}, (lesson, function, why, named)
            else:
                assert named == [], (lesson, function, why, named)


def test_the_reference_answers_are_named_nothing(built):
    for lesson, (found, prints) in built.items():
        for function, seen in found["reference"].items():
            assert match.best(prints["functions"][function]["mistakes"], seen) == [], (lesson, function)


def test_every_mistake_has_a_hint_that_does_not_give_the_code():
    for lesson, module in CATALOGUES.items():
        answers = reference_answers(lesson)
        for mistake in module.MISTAKES:
            assert mistake.hint.strip(), f"{lesson}: {mistake.function}: {mistake.why}: write a hint"
            code = [line.strip() for line in answers.get(mistake.function, "").splitlines() if len(line.strip()) > 12]
            given = [line for line in code if line in mistake.hint]
            assert not given, f"{lesson}: {mistake.function}: the hint quotes the answer: {given}"


# The engine itself, on a function made up here.

def _mean(x):
    return float(np.mean(x))


def _sum(x):
    return float(np.sum(x))


PROBES = [Call(np.array([1.0, 2.0, 4.0])), Call(np.array([[1, 2], [3, 5]]))]


def _fingerprints(*mistakes):
    reference = [observe(p, _mean) for p in PROBES]
    return [{"why": why, "items": [[i, path, item] for i, p in enumerate(PROBES)
                                   for path, item in match.differences(reference[i], observe(p, fn))]}
            for why, fn in mistakes]


def test_a_function_is_named_by_what_it_does_not_by_how_it_is_written():
    known = _fingerprints(("sum instead of mean", _sum))
    written_otherwise = lambda x: float(np.add.reduce(np.ravel(x)))  # noqa: E731
    assert [e["why"] for e in match.best(known, match.observations(PROBES, written_otherwise))] == ["sum instead of mean"]
    assert match.best(known, match.observations(PROBES, lambda x: sum(np.ravel(x)) / np.size(x))) == []


def test_the_most_specific_fingerprint_wins():
    def first_only(x):
        return float(np.ravel(x)[0])

    def wrong_on_matrices(x):
        x = np.asarray(x)
        return float(np.mean(x)) if x.ndim == 1 else float(np.sum(x))

    known = _fingerprints(("sum instead of mean", _sum), ("sums matrices", wrong_on_matrices), ("first", first_only))
    assert [e["why"] for e in match.best(known, match.observations(PROBES, _sum))] == ["sum instead of mean"]
    assert [e["why"] for e in match.best(known, match.observations(PROBES, wrong_on_matrices))] == ["sums matrices"]


def test_a_mistake_that_raises_or_changes_its_input_is_named():
    def crashes(x):
        return float(np.mean(x, axis=5))

    def zeroes_input(x):
        value = float(np.mean(x))
        x[...] = 0
        return value

    known = _fingerprints(("crashes", crashes), ("zeroes its input", zeroes_input))
    assert ["is", ["raises", "AxisError"]] in [item for _, path, item in known[0]["items"] if path == "out"]
    assert [e["why"] for e in match.best(known, match.observations(PROBES, zeroes_input))] == ["zeroes its input"]


def test_probing_is_quiet_and_leaves_every_random_state_as_it_was(capsys):
    def noisy(x):
        print("hello")
        np.random.seed(1)
        np.random.rand()
        return float(np.log(-1.0))

    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    seen = observe(PROBES[0], noisy)
    assert np.random.rand() == expected
    assert capsys.readouterr() == ("", "")
    assert seen["warned"] == ["bool", True] and seen["out"] == ["num", "f", "nan"]


def test_probing_stops_when_its_budget_is_spent():
    def slow(x):
        time.sleep(0.3)
        return _sum(x)

    started = time.monotonic()
    seen = match.observations(PROBES * 5, slow, budget=0.2)
    assert time.monotonic() - started < 1.0 and seen[0] is not None and seen[1:] == [None] * 9
    assert match.best(_fingerprints(("sum instead of mean", _sum)), seen) == [], "no name on half the evidence"


# The lessons' error handler (JupyterLab, Validate, dlcourse check).

LESSON = "03-loss-and-gradient-descent"
SUM = "def mse(y_hat, y):\n    return float(np.sum((np.asarray(y_hat) - np.asarray(y)) ** 2))\n"


@pytest.fixture
def shell(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    shell = InteractiveShell.instance()
    shell.run_cell(f"import numpy as np\nfrom utils import diagnosis\ndiagnosis.explain_failed_tests({LESSON!r})")
    yield shell
    shell.set_custom_exc((), None)


def _notes(result):
    return list(getattr(result.error_in_exec, "__notes__", []))


def test_a_failing_test_names_the_mistake_under_its_error(shell, capsys):
    shell.run_cell(SUM)
    result = shell.run_cell('assert np.isclose(mse(np.array([1.0, 2.0]), np.array([0.0, 0.0])), 2.5), "(1 + 4) / 2"')
    assert _notes(result) == [diagnosis.PREFIX + "your `mse` behaves like a known mistake: sum instead of mean."
                              + (f" {match.load(LESSON)['mse']['mistakes'][0].get('hint', '')}".rstrip())]
    assert "Diagnosis: your `mse`" in capsys.readouterr().out, "shown with the error"


def test_other_errors_and_right_answers_get_no_diagnosis(shell):
    shell.run_cell(SUM)
    assert _notes(shell.run_cell("mse(np.ones(2), np.ones(3))")) == [], "not a test: lesson code fails plainly"
    shell.run_cell("def mse(y_hat, y):\n    return float(np.mean((np.asarray(y_hat) - y) ** 2))\n")
    assert _notes(shell.run_cell("assert mse(np.ones(2), np.zeros(2)) == 2, 'a wrong test'")) == []


def test_the_handler_is_off_while_nbgrader_autogrades(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    shell.set_custom_exc((), None)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    diagnosis.explain_failed_tests(LESSON)
    assert shell.custom_exceptions == (), "the grader's checker diagnoses there; a handler would look like tampering"


def test_the_readme_shows_what_a_student_really_reads():
    import re
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    shown = re.search(r"\n(\s*)Diagnosis: (.+?)\n\s*```", readme, re.S)
    assert shown, "README's example of a diagnosis"
    namespace = {}
    exec("import numpy as np\n" + SUM, namespace)
    real = diagnosis.explain(diagnosis.diagnose(LESSON, "mse", namespace["mse"]))
    assert " ".join(shown.group(2).split()) == " ".join(real.removeprefix(diagnosis.PREFIX).split())


# Mistakes written unlike their catalogue entries (and not in the catalogue): the fingerprints name
# behaviour, so these must be named as the catalogue's mistake that behaves the same.
HELD_OUT = [
    ("01-perceptron", "step", "z > 0: zero maps to 0", """
def step(z):
    z = np.asarray(z)
    out = np.zeros(z.shape, dtype=int)
    out[z > 0] = 1
    return out
"""),
    ("02-activations", "relu_grad", "z >= 0: slope 1 at zero", """
def relu_grad(z):
    return np.where(np.asarray(z) < 0, 0.0, 1.0)
"""),
    ("03-loss-and-gradient-descent", "mse", "sum instead of mean", """
def mse(y_hat, y):
    total = 0.0
    for a, b in zip(np.ravel(y_hat), np.ravel(y)):
        total += (a - b) ** 2
    return float(total)
"""),
    ("06-minibatch-sgd", "cosine_lr", "decays in a straight line", """
def cosine_lr(step, total_steps, lr_max, lr_min=0.0):
    fraction = np.minimum(step, total_steps) / total_steps
    return lr_max - (lr_max - lr_min) * fraction
"""),
    ("07-softmax-mnist", "softmax", "normalises over the columns (axis 0)", """
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=0))
    return E / E.sum(axis=0)
"""),
    ("07-softmax-mnist", "one_hot", "labels treated as starting at 1", """
def one_hot(y, num_classes):
    return np.eye(num_classes)[np.asarray(y) - 1]
"""),
]


@pytest.mark.parametrize("lesson, function, why, code", HELD_OUT, ids=[f"{f}: {w}" for _, f, w, _ in HELD_OUT])
def test_a_mistake_written_another_way_is_named_the_same(lesson, function, why, code):
    namespace = {}
    exec("import numpy as np\n" + code, namespace)
    assert [d.why for d in diagnosis.diagnose(lesson, function, namespace[function])] == [why]
