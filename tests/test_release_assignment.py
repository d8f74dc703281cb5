"""A fresh course folder releases a lesson with plain `nbgrader release_assignment` (dlcourse/exchange.py):
the student version is generated first when the course has none, and equals the committed one."""

import subprocess
import sys

from dlcourse import cli
from dlcourse.course import nbgrader_env
from dlcourse.paths import LESSONS_DIR

LESSON = "01-perceptron"
PLAIN_NBGRADER = ("--ExchangeFactory.release_assignment="
                  "nbgrader.exchange.default.release_assignment.ExchangeReleaseAssignment")


def release(course, *extra):
    return subprocess.run([sys.executable, "-m", "nbgrader", "release_assignment", LESSON, *extra], cwd=course,
                          env=nbgrader_env(), capture_output=True, text=True, timeout=300)


def test_release_works_in_a_fresh_course_folder(tmp_path):
    course = tmp_path / "class"
    assert cli.main(["init", str(course), "--exchange", str(tmp_path / "exchange"), "--course-id", "dl-test"]) == 0
    plain = release(course, PLAIN_NBGRADER)
    assert plain.returncode != 0 and "generate_assignment" in plain.stdout + plain.stderr, "nbgrader's own refuses"
    assert not (course / "release" / LESSON).exists()

    done = release(course)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "generating it" in done.stdout + done.stderr
    released = tmp_path / "exchange" / "dl-test" / "outbound" / LESSON / f"{LESSON}.ipynb"
    assert released.read_bytes() == (LESSONS_DIR / LESSON / f"{LESSON}.ipynb").read_bytes()

    again = release(course, "--force")  # already generated: released as it is
    assert again.returncode == 0, again.stdout + again.stderr
    assert "generating it" not in again.stdout + again.stderr
