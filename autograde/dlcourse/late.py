"""Late work: the penalty policy (an nbgrader late-submission plugin) and how late each submission is.

nbgrader computes lateness itself (SubmittedAssignment.total_seconds_late: the
submission's timestamp against the due date plus the student's extension) and
asks a late-submission plugin for the penalty while autograding
(AssignLatePenalties). The course selects `LatePenalty` below
(settings.configure) and sets its policy from the [penalty] table of the
course's deadlines.toml:

    [penalty]
    method = "per_day"         # "none" (default), "zero" or "per_day"
    percent_per_day = 10       # per_day: 10 % of the score per started day late
    grace_minutes = 15         # late by less than this: no penalty (still shown as late)
    zero_after_days = 7        # later than this: the score becomes zero (0: never)

These are the plugin's traits, so lines in the course's nbgrader_config.py
after configure(...) override them: `c.LatePenalty.percent_per_day = 5`.
nbgrader's own setting `c.LateSubmissionPlugin.penalty_method = "zero"` still
works (LatePenalty is that plugin with more methods). Extensions need nothing of
the plugin: nbgrader's lateness already counts from the extended due date.

nbgrader only assigns penalties while autograding, so a changed deadlines.toml
or policy would leave old penalties in place. `sync` writes the deadlines into
the gradebook and assigns every penalty again from the stored scores, without
running anything: `dlcourse grade` and the export call it.
"""

import math
from dataclasses import dataclass
from datetime import datetime

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Enum, Float, Unicode

from . import deadlines as deadlines_mod

DAY = 24 * 3600


class LatePenalty(LateSubmissionPlugin):
    """nbgrader's late-submission plugin with a per-day penalty, a grace period and a last day."""

    penalty_method = Enum(
        deadlines_mod.PENALTY_METHODS, default_value="none",
        help="'none': no penalty; 'zero': the score becomes zero; 'per_day': percent_per_day of the "
             "score for each started day late (a day is 24 hours after the student's due date)",
    ).tag(config=True)
    percent_per_day = Float(10.0, help="per_day: percent of the score lost per started day late").tag(config=True)
    grace_minutes = Float(0.0, help="submissions late by less than this get no penalty").tag(config=True)
    zero_after_days = Float(0.0, help="submissions later than this many days score zero (0: never)").tag(config=True)
    policy_error = Unicode("", help="why the course's [penalty] table could not be read (set by "
                                    "settings.configure): no late submission is graded then").tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        if self.policy_error:
            raise deadlines_mod.DeadlineError(self.policy_error)
        return penalty(self.penalty_method, score, total_seconds_late, percent_per_day=self.percent_per_day,
                       grace_minutes=self.grace_minutes, zero_after_days=self.zero_after_days)


def penalty(method: str, score: float, seconds_late: float, *, percent_per_day: float = 10.0,
            grace_minutes: float = 0.0, zero_after_days: float = 0.0) -> float | None:
    """The points a submission loses for being `seconds_late` (None: no penalty)."""
    if seconds_late <= grace_minutes * 60 or method == "none":
        return None
    if method == "zero" or (zero_after_days > 0 and seconds_late > zero_after_days * DAY):
        return score
    started_days = math.ceil(seconds_late / DAY)
    return round(score * min(1.0, started_days * percent_per_day / 100), 6)  # 1.4, not 1.4000000000000001


def readable(seconds: float) -> str:
    """A lateness in days, hours and minutes ("1 d 2 h 30 min"), minutes rounded up ("" when on time)."""
    if seconds <= 0:
        return ""
    minutes = math.ceil(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours) + [f"{minutes} min"] * bool(minutes)
    return " ".join(parts)


@dataclass(frozen=True)
class Lateness:
    """How late one submission was, from the gradebook (times are naive UTC, as nbgrader stores them)."""
    due: datetime | None  # the student's due date, with the extension; None when the lesson has none
    extended: bool  # the student has an extension
    timestamp: datetime | None  # when it was submitted; None for a submission placed by hand
    seconds: float  # seconds after `due` (0 when on time or when it cannot be told)
    penalty: float  # points taken off

    @property
    def unknown(self) -> bool:
        """A due date but no timestamp: nbgrader counts it on time."""
        return self.due is not None and self.timestamp is None

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 2)

    def describe(self) -> str:
        """"late by 1 d 2 h", "on time", "no timestamp: counted on time", or "" without a due date."""
        if self.due is None:
            return ""
        if self.unknown:
            return "no timestamp: counted on time"
        extension = " (with extension)" if self.extended else ""
        return (f"late by {readable(self.seconds)}" if self.seconds > 0 else "on time") + extension


def lateness_of(submission) -> Lateness:
    """The Lateness of an nbgrader SubmittedAssignment."""
    due = submission.duedate
    return Lateness(due=due, extended=submission.extension is not None, timestamp=submission.timestamp,
                    seconds=float(submission.total_seconds_late), penalty=submission.late_submission_penalty or 0.0)


def course_plugin(config) -> LateSubmissionPlugin:
    """The late-submission plugin a course's config selects, configured as autograding configures it."""
    from nbgrader.preprocessors import AssignLatePenalties
    assigner = AssignLatePenalties(config=config)
    return assigner.plugin_class(parent=assigner)


def assign_penalties(submission, plugin) -> None:
    """Assign each notebook of a submission its penalty again, as nbgrader's AssignLatePenalties does
    (clipped to [0, the notebook's score]), from the scores already in the gradebook."""
    late = submission.total_seconds_late
    for notebook in submission.notebooks:
        value = None
        if late > 0:
            value = plugin.late_submission_penalty(submission.student_id, notebook.score, late)
        notebook.late_submission_penalty = None if value is None else min(max(value, 0.0), notebook.score)


def sync(gradebook, course, config, lessons=None, students=None) -> deadlines_mod.Applied:
    """Write deadlines.toml into the gradebook, then assign the penalties of the chosen submissions
    (all, or those of `lessons` / `students`) again under the course's policy."""
    plugin = course_plugin(config)
    if getattr(plugin, "policy_error", ""):
        raise deadlines_mod.DeadlineError(plugin.policy_error)
    applied = deadlines_mod.apply(gradebook, deadlines_mod.read_deadlines(course), lessons, students)
    for assignment in gradebook.assignments:
        if lessons and assignment.name not in lessons:
            continue
        for submission in assignment.submissions:
            if not students or submission.student_id in students:
                assign_penalties(submission, plugin)
    gradebook.db.commit()
    return applied
