"""The whole instructor workflow on lesson 01, in a temporary course folder:
grade a class of typical submissions, write feedback, export grades."""

import json
import sqlite3
import time
from pathlib import Path

import pytest

from dlcourse import grading, notebooks
from dlcourse.paths import SOLUTIONS_DIR, lesson_notebook
from dlcourse.sandbox.execute import GRADING_REPORT

from . import hostile
from . import submissions as subs

LESSON = "01-perceptron"

LOOPS_FOREVER = '''
def perceptron_train(X, y, lr=1.0, epochs=10):
    w = np.zeros(np.shape(X)[1])
    while True:
        w = w + 0.0
'''


# Tight limits so the hostile submissions finish quickly; every lesson-01 cell needs well under a second.
LIMITS = {"DLCOURSE_CELL_TIMEOUT": "8", "DLCOURSE_NOTEBOOK_TIMEOUT": "20", "DLCOURSE_STUCK_GRACE": "3"}
REGULAR = ("alice", "bob", "carol", "dave")
# Graded alone for comparison; dave's endless loop would only add its time limit to that run.
QUICK = ("alice", "bob", "carol")
# Most hostile submissions sit waiting for a time limit, so more workers than cores pay off.
CLASS_WORKERS = 4


def _regular_class(course, students=REGULAR):
    submissions = {
        "alice": lambda: subs.student_notebook(LESSON),                                      # all correct
        "bob": lambda: subs.blank_notebook(LESSON),                                          # did nothing
        "carol": lambda: subs.student_notebook(LESSON, {"perceptron_train": hostile.WRONG_TRAIN}),
        "dave": lambda: subs.student_notebook(LESSON, {"perceptron_train": LOOPS_FOREVER}),
    }
    for student in students:
        subs.submit(course, student, LESSON, submissions[student]())


def _grade_with_limits(course, **kwargs):
    mp = pytest.MonkeyPatch()
    for name, value in LIMITS.items():
        mp.setenv(name, value)
    try:
        return subs.grade(course, LESSON, **kwargs)
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def graded_alone(tmp_path_factory):
    """The regular students graded on their own, to compare with grading beside hostile ones."""
    course = subs.new_course(tmp_path_factory.mktemp("alone"))
    _regular_class(course, QUICK)
    _grade_with_limits(course)
    return {s: subs.cell_scores(course, LESSON, s) for s in QUICK}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A class of regular and hostile submissions (tests/hostile.py), plus a student who
    submitted nothing, graded in one run."""
    tmp = tmp_path_factory.mktemp("class")
    course = subs.new_course(tmp)
    _regular_class(course)
    subs.submit(course, "erin", LESSON, subs.not_json())                                     # broken file
    for entry in hostile.runnable():
        subs.submit(course, entry.student, LESSON, entry.build(course))
    subs.write_roster(course, [*REGULAR, "erin", "frank"])                                # frank: nothing
    alice_file = Path(course, "submitted", "alice", LESSON, f"{LESSON}.ipynb")
    before = alice_file.read_bytes()
    start = time.monotonic()
    results = _grade_with_limits(course, workers=CLASS_WORKERS)
    seconds = time.monotonic() - start
    assert alice_file.read_bytes() == before, "a submission changed another student's file"
    return course, results, seconds


def test_correct_submission_gets_every_autograded_point(graded_class):
    course, results, _ = graded_class
    total = sum(subs.autograded_points(LESSON).values())
    assert results["alice"].status == "graded"
    assert results["alice"].score == total
    assert results["alice"].findings == [], "a correct submission must raise no flag"
    scores = subs.cell_scores(course, LESSON, "alice")
    for test_id, points in subs.autograded_points(LESSON).items():
        assert scores[test_id] == (points, points), f"{test_id} should be at full marks"


def test_blank_submission_gets_zero(graded_class):
    _, results, _ = graded_class
    assert results["bob"].status == "graded" and results["bob"].score == 0


def test_partly_wrong_submission_loses_exactly_that_function(graded_class):
    course, results, _ = graded_class
    points = subs.autograded_points(LESSON)
    assert results["carol"].score == sum(points.values()) - points["test_perceptron_train"]
    assert subs.cell_scores(course, LESSON, "carol")["test_perceptron_train"][0] == 0


def test_infinite_loop_is_stopped_and_only_costs_its_cells(graded_class):
    course, results, _ = graded_class
    points = subs.autograded_points(LESSON)
    assert results["dave"].status == "graded"
    assert results["dave"].score == sum(points.values()) - points["test_perceptron_train"]
    assert any(f.kind == "time limit" for f in results["dave"].findings), "the instructor must be told"


def test_unreadable_submission_is_reported_and_does_not_stop_the_others(graded_class):
    _, results, _ = graded_class
    assert results["erin"].status == "not graded"
    assert "erin" in results["erin"].message, "the report should say whose submission failed"
    assert {"alice", "bob", "carol", "dave"} <= {s for s, r in results.items() if r.status == "graded"}


def test_feedback_is_written_and_hides_hidden_tests(graded_class):
    course, results, _ = graded_class
    files = grading.feedback(LESSON, course)
    students = {f.parents[1].name for f in files}
    assert students == {s for s, r in results.items() if r.status == "graded"}
    assert list(Path(course, "autograded").glob(f"*/{LESSON}/{GRADING_REPORT}")), "the sandbox reported"
    assert not list(Path(course, "feedback").glob(f"**/{GRADING_REPORT}")), "its report is the instructor's only"
    source = notebooks.read(lesson_notebook(LESSON, SOLUTIONS_DIR))
    hidden = [line for cell in source.cells
              for line in notebooks.region_lines(cell.source, notebooks.BEGIN_HIDDEN, notebooks.END_HIDDEN)]
    assert hidden
    page = grading.visible_text(next(f for f in files if "carol" in str(f)).read_text())
    assert "Score" in page or "score" in page
    assert "BEGIN HIDDEN" not in page
    own = grading.submitted_lines(course, "carol", LESSON)  # carol's own code may repeat a hidden line
    for line in set(hidden) - own:
        assert " ".join(line.split()) not in page, f"feedback shows a hidden test line: {line}"
    # The failing test's message reaches the student, but not its code.
    assert "errors_per_epoch" in page or "perceptron_train" in page


def test_export_holds_every_student(graded_class, tmp_path):
    course, _, _ = graded_class
    rows = grading.read_export(grading.export(course, tmp_path / "grades.csv"))
    by_student = {r["student_id"]: r for r in rows if r["assignment"] == LESSON}
    assert set(by_student) == {"alice", "bob", "carol", "dave", "erin", "frank", *(h.student for h in hostile.runnable())}
    assert by_student["frank"]["status"] == "no submission"
    assert by_student["erin"]["status"] == "not graded"
    assert by_student["alice"]["status"] == "graded"
    assert float(by_student["alice"]["score"]) == sum(subs.autograded_points(LESSON).values())


def test_grading_again_gives_identical_scores(graded_class):
    course, results, _ = graded_class
    before = {s: subs.cell_scores(course, LESSON, s) for s in ("alice", "carol")}
    again = _grade_with_limits(course, students=["alice", "carol"])
    for student in ("alice", "carol"):
        assert again[student].score == results[student].score
        assert subs.cell_scores(course, LESSON, student) == before[student]


def test_regular_students_get_exactly_the_scores_they_get_alone(graded_class, graded_alone):
    course, _, _ = graded_class
    for student in QUICK:
        assert subs.cell_scores(course, LESSON, student) == graded_alone[student], (
            f"{student}'s grade changed when graded beside the hostile submissions")


@pytest.mark.parametrize("entry", hostile.CATALOGUE, ids=lambda h: h.student)
def test_hostile_submission_gets_the_outcome_it_deserves(graded_class, entry):
    course, results, _ = graded_class
    if entry not in hostile.runnable():
        pytest.skip("needs bubblewrap for file-system isolation (apt-get install bubblewrap)")
    result = results[entry.student]
    if entry.status == "graded or not":  # a file the repair may rebuild into an empty lesson
        assert result.status == "not graded" or result.score == 0, f"{entry.why}: {result}"
        return
    assert result.status == entry.status, f"{entry.why}: {result.message}"
    if entry.status != "graded":
        return
    scores = subs.cell_scores(course, LESSON, entry.student)
    for test_id in entry.zero:
        assert scores[test_id][0] == 0, f"{entry.why}: {test_id} should score nothing, got {scores[test_id]}"
    for test_id in entry.full:
        assert scores[test_id][0] == scores[test_id][1], f"{entry.why}: {test_id} should keep full marks"
    told = [f"{f.kind}: {f.detail} ({f.grade_id})" for f in result.findings]
    told += [str(note) for note in [*result.repairs, *result.repair_flags]]
    for expected in entry.flags:
        assert any(expected in note for note in told), f"{entry.why}: instructor not told about '{expected}': {told}"
    if entry.extra.get("no_hidden_text"):
        source = notebooks.read(lesson_notebook(LESSON, SOLUTIONS_DIR))
        hidden = {line for cell in source.cells for line in
                  notebooks.region_lines(cell.source, notebooks.BEGIN_HIDDEN, notebooks.END_HIDDEN)}
        hidden -= grading.submitted_lines(course, entry.student, LESSON)
        graded_nb = Path(course, "autograded", entry.student, LESSON, f"{LESSON}.ipynb").read_text()
        outputs = "".join(json.dumps(c.get("outputs", [])) for c in json.loads(graded_nb)["cells"])
        leaked = [line for line in hidden if line in outputs]
        assert not leaked, f"{entry.why}: hidden test lines reached the student's output: {leaked[:3]}"


def test_gradebook_is_intact_after_hostile_grading(graded_class):
    course, results, _ = graded_class
    with sqlite3.connect(Path(course, "gradebook.db")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        students = {row[0] for row in db.execute("SELECT id FROM student")}
    assert {s for s, r in results.items() if r.status == "graded"} <= students


def test_a_hostile_class_is_graded_in_bounded_time(graded_class):
    _, results, seconds = graded_class
    per_notebook = int(LIMITS["DLCOURSE_NOTEBOOK_TIMEOUT"])
    # Every submission is bounded by the notebook limit plus a kernel start; the workers share them.
    assert seconds < len(results) * (per_notebook + 30)
    assert all(r.seconds < per_notebook + 60 for r in results.values()), \
        {s: round(r.seconds) for s, r in results.items()}


def _environment_variable(name):
    import os
    return os.environ.get(name)


def test_grading_workers_see_the_environment_of_each_call(tmp_path, monkeypatch):
    """Workers come from a long-lived fork server; a limit set after it started must still reach them."""
    from dlcourse import parallel
    course = subs.new_course(tmp_path)
    for timeout in ("11", "12"):
        monkeypatch.setenv("DLCOURSE_CELL_TIMEOUT", timeout)
        with parallel.worker_pool(course, 1) as pool:
            assert pool.submit(_environment_variable, "DLCOURSE_CELL_TIMEOUT").result() == timeout
