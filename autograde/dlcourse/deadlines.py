"""Due dates and extensions, kept in the course folder's `deadlines.toml` and written into nbgrader's gradebook.

nbgrader already knows both: an assignment's `duedate` and a submission's
`extension` (SubmittedAssignment.extension, the extra time one student gets);
its `total_seconds_late` compares the submission's timestamp with the due date
plus that extension, and its late-submission plugin turns the lateness into a
penalty (see dlcourse/late.py). nbgrader only lacks a place where an instructor
writes them down, so this file is that place:

    # Times without a UTC offset are in this time zone (default UTC).
    timezone = "Europe/Berlin"

    [due]
    "01-perceptron" = 2026-10-09T23:59:00       # a TOML date-time ...
    "02-activations" = "2026-10-16 23:59"       # ... or the same as a string

    [extensions.alice]                          # a student id ("j.smith" needs quotes)
    "01-perceptron" = "48h"                     # extra time: "48h", "2d", "90min", "1d 12h", or hours as a number
    "02-activations" = 2026-10-20T12:00:00      # or the student's own due date

    [penalty]                                   # the late policy (dlcourse/late.py); default: no penalty
    method = "per_day"                          # "none", "zero" or "per_day"
    percent_per_day = 10                        # per_day: percent of the score per started day late
    grace_minutes = 15                          # late by less than this: no penalty (still shown as late)
    zero_after_days = 7                         # later than this: the score becomes zero (0: never)

The [penalty] table configures nbgrader's late-submission plugin (the course's
settings turn it into c.LatePenalty.* when nbgrader loads its config); a line
such as `c.LatePenalty.percent_per_day = 5` in nbgrader_config.py, after
configure(...), overrides it.

The file is the truth for every lesson it gives a due date: `apply` sets that
date and, for each submission of the lesson, the extension the file gives (or
none). Lessons the file does not name keep what the gradebook holds (set with
the Formgrader or `nbgrader db assignment add --duedate`). Only lessons and
submissions already in the gradebook are touched: a due date for a lesson not
yet released creates no empty column in the export, and an extension reaches a
submission as soon as it is graded.
"""

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .paths import LESSON_ID

DEADLINES_FILE = "deadlines.toml"

TEMPLATE = '''\
# Due dates, extensions and the late penalty of this course (see docs/deadlines.md);
# `dlcourse grade` and `dlcourse export` write them into the gradebook.
# Times without a UTC offset are in this time zone:
timezone = "UTC"

[due]
# "01-perceptron" = 2026-10-09T23:59:00

# [extensions.alice]                # a student id; quote ids with dots: [extensions."j.smith"]
# "01-perceptron" = "48h"           # extra time ("2d", "90min", "1d 12h", or hours as a number)
# "02-activations" = 2026-10-20T12:00:00   # or the student's own due date

[penalty]
# method = "per_day"                # "none" (the default), "zero" (late scores zero) or "per_day"
# percent_per_day = 10              # per_day: percent of the score lost per started day late
# grace_minutes = 0                 # late by less than this: no penalty (still shown as late)
# zero_after_days = 0               # later than this many days: zero (0: never)
'''

# [penalty] key -> the LatePenalty trait it sets, and the type of its value
PENALTY_KEYS = {"method": ("penalty_method", str), "percent_per_day": ("percent_per_day", float),
                "grace_minutes": ("grace_minutes", float), "zero_after_days": ("zero_after_days", float)}
PENALTY_METHODS = ("none", "zero", "per_day")

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(days?|d|hours?|h|minutes?|min)", re.IGNORECASE)
_UNIT = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


class DeadlineError(ValueError):
    """The deadlines file cannot be read; the message names the file and the entry."""


@dataclass(frozen=True)
class Deadlines:
    """Due dates (naive UTC, as nbgrader stores them) and each student's extra time per lesson."""
    due: dict[str, datetime] = field(default_factory=dict)
    extensions: dict[tuple[str, str], timedelta] = field(default_factory=dict)  # (student, lesson) -> extra time

    def extension(self, student: str, lesson: str) -> timedelta | None:
        return self.extensions.get((student, lesson))


def deadlines_path(course) -> Path:
    return Path(course) / DEADLINES_FILE


def write_template(course) -> Path | None:
    """Write a commented deadlines.toml into a course folder that has none; returns its path, or None."""
    path = deadlines_path(course)
    if path.exists():
        return None
    path.write_text(TEMPLATE, encoding="utf-8")
    return path


def read_deadlines(course) -> Deadlines:
    """The course's deadlines.toml; no file means no due dates and no extensions."""
    path = deadlines_path(course)
    return parse(_load(path), str(path)) if path.exists() else Deadlines()


def read_policy(course) -> dict[str, object]:
    """{LatePenalty trait: value} from the [penalty] table of the course's deadlines.toml ({} without one)."""
    path = deadlines_path(course)
    if not path.exists():
        return {}
    table = _table(_load(path), "penalty", str(path))
    policy = {}
    for key, value in table.items():
        if key not in PENALTY_KEYS:
            raise DeadlineError(f"{path}, [penalty]: unknown key {key!r} (known: {', '.join(PENALTY_KEYS)})")
        trait, kind = PENALTY_KEYS[key]
        if kind is float and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            raise DeadlineError(f"{path}, [penalty] {key}: must be a number, 0 or more")
        if kind is str and value not in PENALTY_METHODS:
            raise DeadlineError(f"{path}, [penalty] method: {value!r} is not one of {', '.join(PENALTY_METHODS)}")
        policy[trait] = kind(value)
    return policy


def check(course) -> None:
    """Raise DeadlineError, naming the entry, if the course's deadlines.toml cannot be used."""
    read_deadlines(course)
    read_policy(course)


def _load(path):
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise DeadlineError(f"{path}: {err}") from None


def parse(data: dict, where: str = DEADLINES_FILE) -> Deadlines:
    """Deadlines from the parsed TOML (see the module's docstring for the layout)."""
    unknown = sorted(set(data) - {"timezone", "due", "extensions", "penalty"})
    if unknown:
        raise DeadlineError(f"{where}: unknown key(s) {', '.join(unknown)} "
                            "(expected timezone, [due], [extensions.STUDENT], [penalty])")
    zone = _zone(data.get("timezone", "UTC"), where)
    due = {}
    for lesson, value in _table(data, "due", where).items():
        _check_lesson(lesson, f"{where}, [due]")
        due[lesson] = to_utc(value, zone, f"{where}, [due] {lesson}")
    extensions = {}
    for student, lessons in _table(data, "extensions", where).items():
        if not isinstance(lessons, dict):
            raise DeadlineError(f"{where}: extensions.{student} must be a table: [extensions.{student}]")
        for lesson, value in lessons.items():
            what = f"{where}, [extensions.{student}] {lesson}"
            _check_lesson(lesson, what)
            if lesson not in due:
                raise DeadlineError(f"{what}: {lesson} has no due date in [due], so there is nothing to extend")
            extra = extension_value(value, due[lesson], zone, what)
            if extra <= timedelta(0):
                raise DeadlineError(f"{what}: an extension must end after the due date")
            extensions[(student, lesson)] = extra
    return Deadlines(due, extensions)


def _table(data, name, where):
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise DeadlineError(f"{where}: {name} must be a table ([{name}])")
    return table


def _zone(name, where):
    if not isinstance(name, str):
        raise DeadlineError(f"{where}: timezone must be a name such as \"UTC\" or \"Europe/Berlin\"")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DeadlineError(f"{where}: unknown time zone {name!r}") from None


def _check_lesson(lesson, what):
    if not LESSON_ID.match(lesson):
        raise DeadlineError(f"{what}: {lesson!r} is not a lesson id (like \"01-perceptron\")")


def to_utc(value, zone, what) -> datetime:
    """A TOML date-time or a string such as "2026-10-09 23:59" as naive UTC; no offset means `zone`."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise DeadlineError(f"{what}: {value!r} is not a date and time like \"2026-10-09 23:59\"") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        raise DeadlineError(f"{what}: {value} has no time of day; write it, e.g. {value}T23:59:00")
    if isinstance(value, time) or not isinstance(value, datetime):
        raise DeadlineError(f"{what}: {value!r} is not a date and time like 2026-10-09T23:59:00")
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def extension_value(value, due: datetime, zone, what) -> timedelta:
    """The extra time an extension entry gives: a duration, a number of hours, or a new due date."""
    if isinstance(value, bool):
        raise DeadlineError(f"{what}: write a duration (\"48h\") or a new due date, not {value}")
    if isinstance(value, (int, float)):
        return timedelta(hours=value)
    if isinstance(value, str) and _DURATION_PART.search(value):
        return parse_duration(value, what)
    return to_utc(value, zone, what) - due


def parse_duration(text: str, what: str = "duration") -> timedelta:
    """"48h", "2d", "90min", "1d 12h" as a timedelta."""
    parts = _DURATION_PART.findall(text)
    if not parts or _DURATION_PART.sub("", text).strip():
        raise DeadlineError(f"{what}: {text!r} is not a duration like \"48h\", \"2d\", \"90min\" or \"1d 12h\"")
    return sum((float(number) * _UNIT[unit[0].lower()] for number, unit in parts), timedelta(0))


@dataclass
class Applied:
    """What `apply` changed in the gradebook."""
    due_dates: list[str] = field(default_factory=list)  # lessons whose due date was set
    extensions: list[tuple[str, str]] = field(default_factory=list)  # (student, lesson) given extra time


def apply(gradebook, deadlines: Deadlines, lessons=None, students=None) -> Applied:
    """Write due dates and extensions into the gradebook, for lessons already in it (all, or `lessons`);
    extensions only for submissions already in it (all, or those of `students`)."""
    applied = Applied()
    for assignment in gradebook.assignments:
        if assignment.name not in deadlines.due or (lessons and assignment.name not in lessons):
            continue
        if assignment.duedate != deadlines.due[assignment.name]:
            assignment.duedate = deadlines.due[assignment.name]
        applied.due_dates.append(assignment.name)
        for submission in assignment.submissions:
            if students and submission.student_id not in students:
                continue
            extra = deadlines.extension(submission.student_id, assignment.name)
            if submission.extension != extra:
                submission.extension = extra
            if extra is not None:
                applied.extensions.append((submission.student_id, assignment.name))
    gradebook.db.commit()
    return applied
