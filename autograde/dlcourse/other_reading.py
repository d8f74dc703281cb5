"""The other reading of an ambiguous split, graded too.

When a bare split's halves both run on their own, the repair (repair/answers.py) joins
them, flags the submission and keeps the other reading (the halves left apart, as
submitted) beside the original. `dlcourse grade` then grades that other reading as
well, in a scratch course with the same settings and its own SQLite gradebook, so the
instructor sees both scores in the flag. The joined reading's score is the one recorded;
nothing here writes to the course's gradebook.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .course import LoadedCourse, api_call
from .repair.records import record_dir

SUFFIX = ".other-reading.ipynb"


def kept_readings(course_root: Path, lesson: str, student: str) -> list[Path]:
    """The other readings the last autograde of this submission kept (repair/records.py keep)."""
    return sorted(record_dir(course_root, student, lesson).glob(f"*{SUFFIX}"))


def grade_apart(course: LoadedCourse, lesson: str, student: str, reading: Path) -> tuple[float, float]:
    """(score, max_score) of one kept other reading, autograded in a scratch course: same sources,
    same sandbox and limits, no deadlines, and a gradebook of its own (never the course's)."""
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    from .settings import configure, gradebook_url

    with tempfile.TemporaryDirectory(prefix="dlcourse-other-reading-") as folder:
        scratch = Path(folder)
        submitted = scratch / "submitted" / student / lesson
        submitted.mkdir(parents=True)
        shutil.copy2(reading, submitted / reading.name.replace(SUFFIX, ".ipynb"))
        config = configure(Config(), scratch, source_dir=course.setting("source_directory"),
                           release_dir=scratch / "release", exchange_dir=scratch / "exchange",
                           course_id=course.course_id, db_url=gradebook_url(scratch))
        api = NbGraderAPI(config=config)
        api_call(api.generate_assignment(lesson, force=True, create=True), f"generate_assignment {lesson}")
        api_call(api.autograde(lesson, student, force=True, create=True), f"autograde of {reading.name}")
        with Gradebook(gradebook_url(scratch), course.course_id) as gb:
            submission = gb.find_submission(lesson, student)
            return submission.score, submission.max_score


def notes(course: LoadedCourse, lesson: str, student: str, joined_score: float | None) -> list[str]:
    """One flag per kept other reading, with its score beside the joined reading's."""
    found = []
    for reading in kept_readings(course.root, lesson, student):
        try:
            score, max_score = grade_apart(course, lesson, student, reading)
        except Exception as err:  # a flag, never a failed grading pass
            found.append(f"The other reading {reading.name} could not be graded apart: {type(err).__name__}: {err}")
            continue
        joined = "" if joined_score is None else f"; joined, as recorded, it scores {joined_score:g}"
        found.append(f"Graded apart as submitted, the other reading {reading.name} scores {score:g} of "
                     f"{max_score:g}{joined}. Change the grade by hand if that reading was meant.")
    return found
