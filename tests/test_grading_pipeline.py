"""The whole instructor workflow on lesson 01, in a temporary course folder:
grade a class of typical submissions, write feedback, export grades."""

import pytest

from dlcourse import grading, notebooks
from dlcourse.paths import SOLUTIONS_DIR, lesson_notebook

from . import submissions as subs

LESSON = "01-perceptron"

NO_BIAS_UPDATE = '''
def perceptron_train(X, y, lr=1.0, epochs=10):
    X = np.asarray(X, dtype=float)
    w = np.zeros(X.shape[1])
    b = 0.0
    errors_per_epoch = []
    for _ in range(epochs):
        errors = 0
        for x_i, y_i in zip(X, y):
            delta = y_i - perceptron_predict(x_i, w, b)
            if delta != 0:
                w = w + lr * delta * x_i
                errors += 1
        errors_per_epoch.append(errors)
    return w, b, errors_per_epoch
'''

LOOPS_FOREVER = '''
def perceptron_train(X, y, lr=1.0, epochs=10):
    w = np.zeros(np.shape(X)[1])
    while True:
        w = w + 0.0
'''


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A class of five submissions and one student who submitted nothing, graded once."""
    tmp = tmp_path_factory.mktemp("class")
    course = subs.new_course(tmp)
    subs.submit(course, "alice", LESSON, subs.student_notebook(LESSON))                     # all correct
    subs.submit(course, "bob", LESSON, subs.blank_notebook(LESSON))                         # did nothing
    subs.submit(course, "carol", LESSON, subs.student_notebook(LESSON, {"perceptron_train": NO_BIAS_UPDATE}))
    subs.submit(course, "dave", LESSON, subs.student_notebook(LESSON, {"perceptron_train": LOOPS_FOREVER}))
    subs.submit(course, "erin", LESSON, subs.not_json())                                     # broken file
    subs.write_roster(course, ["alice", "bob", "carol", "dave", "erin", "frank"])         # frank: nothing
    mp = pytest.MonkeyPatch()
    mp.setenv("DLCOURSE_CELL_TIMEOUT", "3")  # dave's loop costs 3 s per cell that calls it
    try:
        results = subs.grade(course, LESSON)
    finally:
        mp.undo()
    return course, results


def test_correct_submission_gets_every_autograded_point(graded_class):
    course, results = graded_class
    total = sum(subs.autograded_points(LESSON).values())
    assert results["alice"].status == "graded"
    assert results["alice"].score == total
    scores = subs.cell_scores(course, LESSON, "alice")
    for test_id, points in subs.autograded_points(LESSON).items():
        assert scores[test_id] == (points, points), f"{test_id} should be at full marks"


def test_blank_submission_gets_zero(graded_class):
    _, results = graded_class
    assert results["bob"].status == "graded" and results["bob"].score == 0


def test_partly_wrong_submission_loses_exactly_that_function(graded_class):
    course, results = graded_class
    points = subs.autograded_points(LESSON)
    assert results["carol"].score == sum(points.values()) - points["test_perceptron_train"]
    assert subs.cell_scores(course, LESSON, "carol")["test_perceptron_train"][0] == 0


def test_infinite_loop_is_stopped_and_only_costs_its_cells(graded_class):
    course, results = graded_class
    points = subs.autograded_points(LESSON)
    assert results["dave"].status == "graded"
    assert results["dave"].score == sum(points.values()) - points["test_perceptron_train"]


def test_unreadable_submission_is_reported_and_does_not_stop_the_others(graded_class):
    _, results = graded_class
    assert results["erin"].status == "not graded"
    assert "erin" in results["erin"].message, "the report should say whose submission failed"
    assert {s for s, r in results.items() if r.status == "graded"} == {"alice", "bob", "carol", "dave"}


def test_feedback_is_written_and_hides_hidden_tests(graded_class):
    course, _ = graded_class
    files = grading.feedback(LESSON, course)
    students = {f.parents[1].name for f in files}
    assert students == {"alice", "bob", "carol", "dave"}
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
    course, _ = graded_class
    rows = grading.read_export(grading.export(course, tmp_path / "grades.csv"))
    by_student = {r["student_id"]: r for r in rows if r["assignment"] == LESSON}
    assert set(by_student) == {"alice", "bob", "carol", "dave", "erin", "frank"}
    assert by_student["frank"]["status"] == "no submission"
    assert by_student["erin"]["status"] == "not graded"
    assert by_student["alice"]["status"] == "graded"
    assert float(by_student["alice"]["score"]) == sum(subs.autograded_points(LESSON).values())


def test_grading_again_gives_identical_scores(graded_class):
    course, results = graded_class
    before = {s: subs.cell_scores(course, LESSON, s) for s in ("alice", "carol")}
    again = subs.grade(course, LESSON, students=["alice", "carol"])
    for student in ("alice", "carol"):
        assert again[student].score == results[student].score
        assert subs.cell_scores(course, LESSON, student) == before[student]
