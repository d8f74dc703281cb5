"""Re-grading bookkeeping (dlcourse/versions.py): each score records the version of the tests that made it,
`dlcourse grade --only-new` grades only what is new or changed, a change of points never leaves other
students' scores silently out of date, and grading never writes to the committed lessons/.

The class is graded for real (lesson 01), in steps that build on each other: the module's fixtures
run in order, each returns what its tests look at.
"""

import contextlib
import io
import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from dlcourse import cli, grading, notebooks, summary, versions
from dlcourse.course import make_course
from dlcourse.paths import LESSONS_DIR, SOLUTIONS_DIR
from dlcourse.settings import gradebook_url

from . import submissions as subs
from . import nbcells

LESSON = "01-perceptron"
CHANGED_TEST = "test_step"


def dlcourse(*args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = cli.main(list(args))
    return status, out.getvalue()


def grade(course, *args):
    status, output = dlcourse("grade", LESSON, "--course", str(course), "--workers", "2", *args)
    assert status == 0, output
    return output


def snapshot(folder):
    """{relative path: (bytes, mtime_ns)} of every file and folder under `folder`."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"", p.stat().st_mtime_ns)
            for p in sorted(Path(folder).rglob("*"))}


def graded_now(output):
    """Students a grading run graded, from its progress lines ("[1/2] alice: 7/10 (9.1 s)")."""
    return sorted(line.split("] ", 1)[1].split(":", 1)[0] for line in output.splitlines() if line.startswith("["))


def record(course, student):
    return versions.read_record(course, LESSON, student)


def current_version(course):
    with Gradebook(gradebook_url(course)) as gb:
        return versions.tests_version(gb, LESSON)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Alice and bob graded, in a course that publishes to the repository's lessons/ (as the instructor's
    course autograde/ does) and grades its own copy of the lesson's source (so a test's points can change)."""
    tmp = tmp_path_factory.mktemp("regrade")
    shutil.copytree(SOLUTIONS_DIR / LESSON, tmp / "source" / LESSON)
    course = make_course(tmp / "course", source_dir=tmp / "source", release_dir=LESSONS_DIR)
    subs.submit(course, "alice", LESSON, subs.student_notebook(LESSON))
    subs.submit(course, "bob", LESSON, subs.student_notebook(LESSON))
    before = snapshot(LESSONS_DIR)
    output = grade(course)
    return course, tmp / "source", output, before, snapshot(LESSONS_DIR)


def test_grading_leaves_the_committed_lessons_untouched(graded):
    course, _, output, before, after = graded
    assert graded_now(output) == ["alice", "bob"]
    assert after == before, "grading wrote into lessons/"
    assert (grading.grading_release(course) / LESSON / f"{LESSON}.ipynb").exists(), "it generates in the course"


def test_each_score_records_the_tests_and_the_submission_that_made_it(graded):
    course = graded[0]
    version = current_version(course)
    for student in ("alice", "bob"):
        mine = record(course, student)
        assert mine.tests_version == version.id
        assert mine.submission_sha256 == versions.submission_hash(course, LESSON, student)
        assert f"{LESSON}/{CHANGED_TEST}" in mine.cells
    assert versions.outdated(course, LESSON, version) == []


def test_the_record_is_the_instructor_s_only(graded):
    course = graded[0]
    files = grading.feedback(LESSON, course, students=["alice"])
    assert files and not list(Path(course, "feedback").rglob(versions.VERSION_RECORD))


@pytest.fixture(scope="module")
def only_new(graded):
    """Bob submits again, carol for the first time; then `--only-new` twice."""
    course = graded[0]
    subs.submit(course, "bob", LESSON, subs.blank_notebook(LESSON))
    subs.submit(course, "carol", LESSON, subs.student_notebook(LESSON))
    alice = record(course, "alice")
    first = grade(course, "--only-new")
    return course, alice, first, grade(course, "--only-new")


def test_only_new_grades_new_and_changed_submissions_only(only_new):
    course, alice, first, _ = only_new
    assert graded_now(first) == ["bob", "carol"]
    assert "Skipping 1 submission(s) unchanged since graded by these tests (--only-new): alice" in first
    assert record(course, "alice") == alice, "alice's score was left alone"
    assert record(course, "bob").submission_sha256 == versions.submission_hash(course, LESSON, "bob")
    assert subs.read_scores(course, LESSON, ["bob"])["bob"][0] == 0


def test_only_new_with_nothing_new_grades_nothing(only_new):
    second = only_new[3]
    assert graded_now(second) == []
    assert "Nothing new to grade" in second and "alice, bob, carol" in second


@pytest.fixture(scope="module")
def points_changed(only_new):
    """A test's points change in the source; only alice is graded again, then the others with --only-new."""
    course = only_new[0]
    source = graded_source(course)
    nb = notebooks.read(source)
    cell = nbcells.cells_by_grade_id(nb)[CHANGED_TEST]
    old = cell.metadata.nbgrader.points
    cell.metadata.nbgrader.points = old + 2
    notebooks.write(nb, source)
    alone = grade(course, "--student", "alice")
    scores = subs.read_scores(course, LESSON, ["alice", "carol"])
    rest = grade(course, "--only-new")
    return course, old, alone, scores, rest


def graded_source(course):
    return Path(grading._config_value(course, "source_directory")) / LESSON / f"{LESSON}.ipynb"


def test_grading_one_student_after_a_points_change_warns_about_the_others(points_changed):
    course, old, alone, scores, _ = points_changed
    assert graded_now(alone) == ["alice"]
    full = sum(subs.autograded_points(LESSON).values())
    assert scores["alice"][0] == full + 2, "alice's score uses the new points"
    assert scores["carol"][0] == full, "carol's stored score is still the old one ..."
    warning = alone[alone.index("WARNING"):]
    assert "2 score(s) of 01-perceptron were made by an older version of its tests" in warning
    assert f"bob, carol ({CHANGED_TEST}: points {old:g} -> {old + 2:g})" in warning  # ... and the instructor is told
    assert f"dlcourse grade {LESSON} --only-new" in warning


def test_only_new_then_re_grades_the_outdated_scores_and_says_why(points_changed):
    course, old, _, _, rest = points_changed
    assert graded_now(rest) == ["bob", "carol"]
    assert f"Re-grading 2 score(s) made by an older version of the tests ({CHANGED_TEST}: points {old:g} -> " \
           f"{old + 2:g}): bob, carol" in rest
    assert "WARNING" not in rest
    full = sum(subs.autograded_points(LESSON).values())
    assert subs.read_scores(course, LESSON, ["carol"])["carol"][0] == full + 2
    assert grading.outdated_scores(course, LESSON) == []


# --- without grading ----------------------------------------------------------------------------------

def test_the_submission_hash_sees_every_submitted_file_but_editor_leftovers(tmp_path):
    folder = tmp_path / "submitted" / "s" / LESSON
    folder.mkdir(parents=True)
    (folder / f"{LESSON}.ipynb").write_text("{}")
    first = versions.submission_hash(tmp_path, LESSON, "s")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "x.ipynb").write_text("old")
    assert versions.submission_hash(tmp_path, LESSON, "s") == first
    (folder / "timestamp.txt").write_text("2026-10-09 23:59:00 UTC")  # a hand-placed submission gets its time
    assert versions.submission_hash(tmp_path, LESSON, "s") != first


def test_a_score_without_record_counts_as_outdated_and_is_graded_again(tmp_path):
    version = versions.TestsVersion({f"{LESSON}/test_step": "points=1 code source abc"})
    for student in ("old", "current"):
        (tmp_path / "submitted" / student / LESSON).mkdir(parents=True)
        (tmp_path / "autograded" / student / LESSON).mkdir(parents=True)
    versions.write_record(tmp_path, LESSON, "current", version, versions.submission_hash(tmp_path, LESSON, "current"))
    plan = versions.plan(tmp_path, LESSON, version, ["current", "old"], only_new=True)
    assert (plan.grade, plan.unchanged) == (["old"], ["current"])
    assert plan.outdated == [versions.Outdated("old", [])]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        summary.print_plan(plan, LESSON)
    assert "Re-grading 1 score(s) made by an older version of the tests (no version of the tests recorded): old" \
        in out.getvalue()


def test_changes_are_said_in_words():
    old = {"nb/test_step": "points=1 code source aaa", "nb/test_fit": "points=2 code source bbb",
           "nb/step": "source ccc", "nb/gone": "source ddd"}
    new = {"nb/test_step": "points=3 code source aaa", "nb/test_fit": "points=2 code source eee",
           "nb/step": "source ccc", "nb/new": "source fff"}
    assert versions.changes(old, new) == ["gone: removed", "new: added", "test_fit: code", "test_step: points 1 -> 3"]
