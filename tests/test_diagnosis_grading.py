"""Diagnoses where instructors and students look after grading: the autograded notebook, the feedback
page, `dlcourse grade`'s summary, the export and `dlcourse stats` (issue #13).

One graded class of lesson 03 (whose probes and fingerprints exist), graded through `dlcourse grade`:

- perfect: the reference answers;
- summer: mse sums the squared errors instead of taking their mean (a catalogued mistake);
- tamperer: summer's mistake; its answer cell replaces utils.diagnosis.diagnose_cell and explain, the
  engine's cache and the lesson's probes, to show a diagnosis of its own, and its mse patches
  np.isclose when the probes (not the tests) call it: on inputs of a size that neither the tests nor
  the lesson's cells use (the probes have some);
- sleeper: summer's mistake, and its mse sleeps on those probe-sized inputs.

The summer submission is also graded in a second course with diagnosis switched off
(SafeExecute.diagnose = False), to compare scores, and graded a second time to compare diagnoses.
"""

import contextlib
import io
import json
import os
import re

import pytest

from dlcourse import cli, grading, notebooks, stats
from dlcourse.records import GRADING_REPORT, Kind, SandboxReport
from utils.diagnosis import PREFIX

from . import submissions as subs
from .mistakes import lesson_03_loss_and_gradient_descent as catalogue

LESSON = "03-loss-and-gradient-descent"
CELL_LIMIT = 30  # seconds per cell while this class is graded: the sleeper's test runs into it
SUM = next(m for m in catalogue.MISTAKES if (m.function, m.why) == ("mse", "sum instead of mean"))
MISTAKE = "mse: sum instead of mean"
SENTENCE = PREFIX + "your `mse` behaves like a known mistake: sum instead of mean."
FAKE = "FAKE DIAGNOSIS"
USED_SIZES = (2, 3, 4, 7, 12, 30)  # of mse's inputs in lesson 03's tests (visible and hidden) and lesson cells

TAMPERER = f'''
import utils.diagnosis as _engine
import utils.diagnosis.probes.lesson_03_loss_and_gradient_descent as _probes
_engine.diagnose_cell = lambda *args, **kwargs: []
_engine.explain = lambda found: "{PREFIX}{FAKE}"
_engine._cache = {{"{LESSON}": ({{"mse": []}}, {{"mse": {{"mistakes": [{{"why": "{FAKE}", "items": []}}]}}}})}}
_probes.PROBES["mse"] = []
''' + SUM.source.replace("def mse(y_hat, y):\n", f'''def mse(y_hat, y):
    if np.size(y_hat) not in {USED_SIZES}:  # only a probe calls it so
        np.isclose = lambda *args, **kwargs: True
''')
SLEEPER = SUM.source.replace("def mse(y_hat, y):\n", f'''def mse(y_hat, y):
    if np.size(y_hat) not in {USED_SIZES}:  # only a probe calls it so
        import time
        time.sleep(1000)
''')
ANSWERS = {"perfect": None, "summer": SUM.source, "tamperer": TAMPERER, "sleeper": SLEEPER}
MISTAKEN = ("summer", "tamperer", "sleeper")


def _quietly(*args):
    """cli.main(args) and what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = cli.main([*args])
    return status, out.getvalue()


def _submit_all(course, students):
    for student in students:
        answer = ANSWERS[student]
        subs.submit(course, student, LESSON, subs.student_notebook(LESSON, {"mse": answer} if answer else None))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(course, what `dlcourse grade` printed, results of the second grading of summer)."""
    previous = os.environ.get("DLCOURSE_CELL_TIMEOUT")
    os.environ["DLCOURSE_CELL_TIMEOUT"] = str(CELL_LIMIT)
    try:
        course = subs.new_course(tmp_path_factory.mktemp("diagnosis"))
        _submit_all(course, ANSWERS)
        status, printed = _quietly("grade", LESSON, "--course", str(course), "--workers", "2")
        assert status == 0, printed
        first = {s: _report(course, s) for s in ANSWERS}
        first_outputs = _failing_output(course, "summer", "test_mse")
        again = subs.grade(course, LESSON, students=["summer"], workers=1)
    finally:
        if previous is None:
            os.environ.pop("DLCOURSE_CELL_TIMEOUT", None)
        else:
            os.environ["DLCOURSE_CELL_TIMEOUT"] = previous
    return course, printed, first, first_outputs, again


@pytest.fixture(scope="module")
def undiagnosed(tmp_path_factory):
    """A course that grades summer with the diagnosis switched off."""
    course = subs.new_course(tmp_path_factory.mktemp("undiagnosed"))
    with open(course / "nbgrader_config.py", "a") as f:
        f.write("\nget_config().SafeExecute.diagnose = False\n")
    _submit_all(course, ("summer",))
    subs.grade(course, LESSON, workers=1)
    return course


def test_the_probes_call_mse_on_a_size_no_test_uses():
    """What the tamperer and the sleeper rely on, so that they act only while their mistake is diagnosed."""
    import numpy as np
    from utils.diagnosis import probes_for
    sizes = [np.size(probe.args[0]) for probe in probes_for(LESSON)["mse"] if hasattr(probe, "args")]
    assert any(size not in USED_SIZES for size in sizes), sizes


def _report(course, student):
    return SandboxReport.read(course / "autograded" / student / LESSON)


def _cells(course, student):
    """{grade_id: cell} of a student's autograded notebook."""
    nb = notebooks.read(course / "autograded" / student / LESSON / f"{LESSON}.ipynb")
    return {notebooks.grade_id(c): c for c in nb.cells if notebooks.grade_id(c)}


def _failing_output(course, student, gid):
    """The text of a cell's error outputs (name, message and traceback)."""
    return "\n".join(f"{o.ename}: {o.evalue}\n" + "\n".join(o.traceback)
                     for o in _cells(course, student)[gid].outputs if o.output_type == "error")


def _all_output(course, student):
    return json.dumps([c.get("outputs", []) for c in _cells(course, student).values()])


def test_the_failing_test_shows_the_diagnosis_and_the_report_keeps_it(graded):
    course, _, first, _, _ = graded
    shown = _failing_output(course, "summer", "test_mse")
    assert SENTENCE in shown, shown
    assert shown.index("AssertionError") < shown.index(SENTENCE), "the diagnosis comes under the test's message"
    assert [(d.function, d.why, d.grade_id) for d in first["summer"].diagnoses] == [("mse", SUM.why, "test_mse")]
    assert not first["summer"].findings, "a diagnosis is no finding: nothing to review"


def test_a_perfect_submission_gets_no_diagnosis(graded):
    course, printed, first, _, _ = graded
    assert first["perfect"].diagnoses == []
    assert PREFIX not in _all_output(course, "perfect")
    assert not re.search(r"^\s*perfect:", printed, re.M)


def test_the_score_is_what_it_is_without_diagnosis(graded, undiagnosed):
    course, *_ = graded
    assert subs.cell_scores(course, LESSON, "summer") == subs.cell_scores(undiagnosed, LESSON, "summer")
    assert PREFIX not in _all_output(undiagnosed, "summer"), "switched off, nothing is diagnosed"
    assert _report(undiagnosed, "summer").diagnoses == []
    points = subs.autograded_points(LESSON)
    full = sum(points.values())
    scores = subs.read_scores(course, LESSON, list(ANSWERS))
    assert scores["perfect"][0] == full
    for student in MISTAKEN:  # nothing the hostile ones did changed a score beyond the mistake's test
        assert scores[student][0] == full - points["test_mse"], student


def test_grading_again_gives_the_same_diagnosis(graded):
    course, _, first, first_outputs, again = graded
    assert again["summer"].diagnoses == first["summer"].diagnoses
    assert [d.mistake for d in again["summer"].diagnoses] == [MISTAKE]
    assert _failing_output(course, "summer", "test_mse") == first_outputs


def test_the_grade_summary_names_each_students_mistake(graded):
    _, printed, first, _, _ = graded
    assert "Diagnosed mistakes" in printed
    lines = {m.group(1): m.group(2) for m in re.finditer(r"^  (\w+): (.*)$", printed.split("Diagnosed mistakes")[1], re.M)}
    diagnosed = {s for s in ANSWERS if first[s].diagnoses}
    assert set(lines) >= diagnosed and "perfect" not in lines
    assert lines["summer"] == f"{MISTAKE} (test_mse)"


def test_the_export_has_a_column_of_diagnosed_mistakes(graded):
    course, *_ = graded
    status, _ = _quietly("export", "--course", str(course))
    assert status == 0
    rows = {r["student_id"]: r for r in grading.read_export(course / "grades.csv")}
    assert rows["summer"]["diagnosed_mistakes"] == MISTAKE
    assert rows["perfect"]["diagnosed_mistakes"] == ""


def test_stats_lists_the_most_common_diagnosed_mistakes(graded, tmp_path):
    course, _, first, _, _ = graded
    status, printed = _quietly("stats", LESSON, "--course", str(course), "--to", str(tmp_path))
    assert status == 0
    diagnosed = [s for s in ANSWERS if any(d.mistake == MISTAKE for d in first[s].diagnoses)]
    assert "summer" in diagnosed
    assert f"{len(diagnosed)} x {MISTAKE}" in printed.split("Diagnosed mistakes")[1]
    result = stats.collect(LESSON, course)
    assert result.mistakes[0] == (MISTAKE, len(diagnosed))
    assert {s.id for s in result.students if MISTAKE in s.mistakes} == set(diagnosed)
    header, *rows = list(__import__("csv").reader(open(tmp_path / "mistakes.csv", encoding="utf-8")))
    assert rows[0][:3] == ["mse", SUM.why, str(len(diagnosed))]
    messages = {t.grade_id: t.messages for t in result.tests}["test_mse"]
    assert messages and not any(PREFIX in m for m in messages), "failure messages are counted without the diagnosis"


def test_the_feedback_shows_the_diagnosis_below_the_failing_test_and_no_hidden_test(graded):
    course, *_ = graded
    status, printed = _quietly("feedback", LESSON, "--course", str(course))
    assert status == 0, printed  # dlcourse feedback deletes any page that shows a hidden test and fails
    page = grading.visible_text((course / "feedback" / "summer" / LESSON / f"{LESSON}.html").read_text("utf-8"))
    test_line = "assert mse(np.array([0.5, -1.0]), np.array([0.5, -1.0])) == 0"
    next_cell = "def mse_grad(y_hat, y):"
    assert test_line in page and next_cell in page
    assert page.index(test_line) < page.index(SENTENCE) < page.index(next_cell), "under the failing test"
    assert "_hidden_mse" not in page and "BEGIN HIDDEN" not in page
    perfect = (course / "feedback" / "perfect" / LESSON / f"{LESSON}.html").read_text("utf-8")
    assert PREFIX not in grading.visible_text(perfect)


def test_replacing_the_engine_is_caught_and_shows_nothing_of_the_students(graded):
    course, _, first, _, _ = graded
    report = first["tamperer"]
    tampering = [f for f in report.findings if f.kind == Kind.TAMPERING_BEFORE and f.grade_id == "test_mse"]
    details = " ".join(f.detail for f in tampering)
    assert "utils.diagnosis.diagnose_cell was replaced" in details and "utils.diagnosis.explain was replaced" in details
    assert FAKE not in _all_output(course, "tamperer") and FAKE not in json.dumps([d.to_dict() for d in report.diagnoses])
    # The genuine engine, with the lesson's own probes and fingerprints, still names the mistake.
    assert [d.mistake for d in report.diagnoses] == [MISTAKE]
    assert SENTENCE in _failing_output(course, "tamperer", "test_mse")


def test_tampering_by_code_the_probes_run_is_caught_on_the_diagnosed_test(graded):
    course, _, first, _, _ = graded
    findings = first["tamperer"].findings
    during = [f for f in findings if f.kind == Kind.TAMPERING_DURING]
    assert during and {f.grade_id for f in during} == {"test_mse"}, findings
    assert any("numpy.isclose was replaced" in f.detail for f in during)
    before = [f for f in findings if f.kind == Kind.TAMPERING_BEFORE]
    assert {f.grade_id for f in before} == {"test_mse"}, "undone at once: no later test is touched"


def test_a_function_that_sleeps_on_probe_inputs_costs_only_its_failing_cell(graded):
    course, _, first, _, _ = graded
    report = first["sleeper"]
    assert {(f.kind, f.grade_id) for f in report.findings} == {(Kind.TIME_LIMIT, "test_mse")}, report.findings
    shown = _failing_output(course, "sleeper", "test_mse")
    assert "CellTimeoutError" in shown and "the diagnosis of its failure" in shown
    scores = subs.cell_scores(course, LESSON, "sleeper")
    assert scores == subs.cell_scores(course, LESSON, "summer"), "every other cell scores as without diagnosis"


def test_a_pytorch_lesson_is_diagnosed_without_false_alarms(tmp_path):
    """Lesson 09's probes run PyTorch training loops inside the checker (PyTorch hooks an optimizer class's
    `step` the first time one is made): its fullest mistake submission is graded as the trial grades it,
    each failing test names a mistake the submission made, and nothing is flagged."""
    from .mistakes import catalogues, trial
    from .mistakes.plan import is_correct, pack_catalogue, sources

    lesson = "09-pytorch-mnist"
    _, batches = pack_catalogue(catalogues()[lesson])
    wrong = max((b for b in batches if not is_correct(b)), key=len)
    _, outcomes = trial.run(lesson, [sources(wrong)])
    results = []
    lost = trial.graded_by_nbgrader(subs.new_course(tmp_path), lesson, [sources(wrong)], results_out=results)
    assert lost == [trial.failing(outcomes[0])], "diagnosis changes no score"
    (result,) = results
    assert result.findings == [], result.findings
    made = {f"{function}: {answer.why}" for function, answer in wrong.items()}
    assert result.diagnoses and {d.mistake for d in result.diagnoses} <= made, result.diagnoses
    assert {d.grade_id for d in result.diagnoses} <= lost[0]
