"""When something needed for safe grading is missing, nothing is graded or shown by accident.

- No bubblewrap: `dlcourse grade` refuses and says how to install it; `--unsafe` grades and
  marks every result "not isolated" in the summary and the export; plain `nbgrader autograde`
  on the course fails rather than run a submission unisolated.
- Feedback that would show a hidden test: every such page is deleted, the others are kept,
  and `dlcourse feedback` exits 1 with a message (no traceback).
"""

import csv
import os
from pathlib import Path

import pytest

from dlcourse import cli, grading, sandbox
from dlcourse.course import run_nbgrader
from dlcourse.paths import SOLUTIONS_DIR, lesson_notebook

from . import submissions as subs

LESSON = "01-perceptron"


@pytest.fixture
def no_bubblewrap(monkeypatch):
    """As on a machine without bubblewrap (for this process and the grading workers it starts)."""
    monkeypatch.setenv(sandbox.BWRAP_VARIABLE, "")
    assert sandbox.bwrap_path() is None


@pytest.fixture
def one_submission(tmp_path):
    course = subs.new_course(tmp_path)
    subs.submit(course, "alice", LESSON, subs.student_notebook(LESSON))
    return course


def test_grading_refuses_without_isolation_and_says_how_to_get_it(one_submission, no_bubblewrap, capsys):
    with pytest.raises(grading.IsolationUnavailable, match="bubblewrap"):
        grading.grade(LESSON, one_submission)
    assert cli.main(["grade", LESSON, "--course", str(one_submission)]) == 2
    message = capsys.readouterr().err
    assert "apt-get install bubblewrap" in message and "--unsafe" in message and "Traceback" not in message
    assert not Path(one_submission, "autograded").exists(), "nothing may be graded"


def test_unsafe_grading_marks_every_result_not_isolated(one_submission, no_bubblewrap, capsys, tmp_path):
    assert cli.main(["grade", LESSON, "--course", str(one_submission), "--unsafe", "--quiet"]) == 0
    summary = capsys.readouterr().out
    assert "[NOT ISOLATED]" in summary and "NOT ISOLATED: 1 submission" in summary
    out = grading.export(one_submission, tmp_path / "grades.csv")
    with open(out, newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["student_id"] == "alice")
    assert row["status"] == "graded" and "not isolated" in row["review"]
    assert os.environ.get("DLCOURSE_UNSAFE") is None, "--unsafe must not outlive the command"


def test_plain_nbgrader_refuses_to_run_a_submission_unisolated(one_submission, no_bubblewrap):
    run_nbgrader(one_submission, "generate_assignment", LESSON, "--force", check=False)
    done = run_nbgrader(one_submission, "autograde", LESSON, check=False)
    assert done.returncode != 0
    assert "bubblewrap" in done.stdout
    assert not list(Path(one_submission, "autograded").glob(f"alice/{LESSON}/*.ipynb"))


def _hidden_line():
    from dlcourse import notebooks
    source = notebooks.read(lesson_notebook(LESSON, SOLUTIONS_DIR))
    return next(line for cell in source.cells
                for line in notebooks.region_lines(cell.source, notebooks.BEGIN_HIDDEN, notebooks.END_HIDDEN)
                if len(line) > 30)


def test_every_leaking_feedback_page_is_deleted_and_the_rest_kept(tmp_path, monkeypatch, capsys):
    """A broken feedback configuration shows hidden tests: each page is checked, not just the first."""
    course = subs.new_course(tmp_path)
    hidden = _hidden_line()
    pages = {"ann": "<p>Score 3 / 7</p>", "ben": f"<pre>{hidden}</pre>", "cy": f"<pre>{hidden}</pre>",
             "dee": "<p>Score 7 / 7</p>"}

    def fake_nbgrader(course_root, *args, **kwargs):
        for student, page in pages.items():
            folder = Path(course_root, "feedback", student, LESSON)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{LESSON}.html").write_text(page)
    monkeypatch.setattr(grading, "run_nbgrader", fake_nbgrader)
    with pytest.raises(grading.FeedbackLeak) as caught:
        grading.feedback(LESSON, course)
    assert sorted(p.parents[1].name for p, _ in caught.value.leaks) == ["ben", "cy"]
    assert sorted(p.parents[1].name for p in caught.value.written) == ["ann", "dee"]
    left = sorted(p.parents[1].name for p in Path(course, "feedback").glob(f"*/{LESSON}/*.html"))
    assert left == ["ann", "dee"], "leaking pages must be deleted, the others kept"
    assert cli.main(["feedback", LESSON, "--course", str(course)]) == 1
    out = capsys.readouterr()
    assert "Wrote 2 feedback file(s)" in out.out
    assert "ben" in out.err and "cy" in out.err and "Traceback" not in out.err
