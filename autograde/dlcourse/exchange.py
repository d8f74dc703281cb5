"""nbgrader's exchange, changed where a course needs it.

ReleaseAssignment: a fresh course folder has no student versions yet, and nbgrader's
release_assignment refuses a lesson until `generate_assignment` has made one; this one
generates it first (see the class).

ReleaseFeedback: the README lets an instructor put submissions into submitted/<student>/<lesson>/
by hand. Such a submission has no timestamp.txt or submission_secret.txt (the
exchange writes them when a student submits), and nbgrader's release_feedback
stops with an error at the first one, releasing nothing after it. The student
never used the exchange, so could not fetch feedback from it anyway: this
release skips those folders, says where their feedback is, and releases the
rest. The course config selects both (settings.configure).
"""

import glob
import os

from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback

EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")  # what a submission through the exchange has


class ReleaseFeedback(ExchangeReleaseFeedback):
    """nbgrader's release_feedback, skipping feedback of submissions that did not come through the exchange."""

    def copy_files(self):
        student = self.coursedir.student_id or "*"
        pattern = self.coursedir.format_path(self.coursedir.feedback_directory, student, self.coursedir.assignment_id)
        by_hand = {}
        for folder in sorted(glob.glob(pattern)):
            if not all(os.path.isfile(os.path.join(folder, name)) for name in EXCHANGE_FILES):
                by_hand[os.path.basename(os.path.dirname(folder))] = folder
        for student_id, folder in by_hand.items():
            self.log.warning("Not releasing feedback for '%s': the submission did not come through the exchange "
                             "(no %s), so they cannot fetch it. Hand them %s another way.",
                             student_id, " or ".join(EXCHANGE_FILES), folder)
        excluded = self.coursedir.student_id_exclude
        self.coursedir.student_id_exclude = ",".join(filter(None, [excluded, *by_hand]))
        try:
            super().copy_files()
        finally:
            self.coursedir.student_id_exclude = excluded


class ReleaseAssignment(ExchangeReleaseAssignment):
    """nbgrader's release_assignment, which first generates the student version when the course has none.

    nbgrader releases what `generate_assignment` wrote into the course's release folder and
    refuses a lesson that is not there yet, so a fresh course folder (`dlcourse init`) could
    not release anything. This generates it from the lesson's source first (the same as
    `nbgrader generate_assignment LESSON`), then releases. A lesson already generated is
    released as it is.
    """

    def init_src(self):
        lesson = self.coursedir.assignment_id
        release = self.coursedir.format_path(self.coursedir.release_directory, ".", lesson)
        source = self.coursedir.format_path(self.coursedir.source_directory, ".", lesson)
        if not os.path.isdir(release) and os.path.isdir(source):
            from .course import NbgraderError, api_call, nbgrader_api
            self.log.info("No student version of %s in %s yet: generating it from %s first", lesson, release, source)
            try:
                api_call(nbgrader_api(self.coursedir.root).generate_assignment(lesson, force=False, create=True),
                         f"generate_assignment {lesson}")
            except NbgraderError as err:
                self.fail(str(err))
        super().init_src()
