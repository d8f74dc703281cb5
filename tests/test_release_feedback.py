"""Releasing feedback when some submissions were placed in submitted/ by hand (dlcourse/exchange.py)."""

import subprocess
import sys

from nbgrader.utils import notebook_hash

from dlcourse.course import nbgrader_env
from dlcourse.paths import COURSE_ID

from . import submissions as subs

LESSON = "01-perceptron"
PLAIN_NBGRADER = "--ExchangeFactory.release_feedback=nbgrader.exchange.default.release_feedback.ExchangeReleaseFeedback"


def feedback_for(course, student, *, through_exchange):
    """feedback/<student>/<lesson>/<lesson>.html as `dlcourse feedback` writes it; a submission that came
    through the exchange also has its timestamp and secret there (collect copies them)."""
    folder = course / "feedback" / student / LESSON
    folder.mkdir(parents=True)
    (folder / f"{LESSON}.html").write_text(f"<p>feedback for {student}</p>")
    if through_exchange:
        (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
        (folder / "submission_secret.txt").write_text(f"secret-of-{student}")


def release(course, *extra):
    return subprocess.run([sys.executable, "-m", "nbgrader", "release_feedback", LESSON, *extra], cwd=course,
                          env=nbgrader_env(), capture_output=True, text=True, timeout=120)


def released(course):
    return sorted(p.name for p in (course / "exchange" / COURSE_ID / "feedback").glob("*.html"))


def test_hand_placed_submissions_are_skipped_and_the_others_released(tmp_path):
    course = subs.new_course(tmp_path)
    feedback_for(course, "aaron", through_exchange=False)   # sorts first: nbgrader stopped here
    feedback_for(course, "zoe", through_exchange=True)
    feedback_for(course, "yann", through_exchange=True)

    plain = release(course, PLAIN_NBGRADER)
    assert plain.returncode != 0 and "timestamp.txt" in plain.stdout + plain.stderr, "nbgrader's own release fails"

    done = release(course)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert released(course) == sorted(f"{notebook_hash(secret=f'secret-of-{s}', notebook_id=LESSON)}.html"
                                      for s in ("zoe", "yann"))
    assert "Not releasing feedback for 'aaron'" in log and str(course / "feedback" / "aaron" / LESSON) in log
