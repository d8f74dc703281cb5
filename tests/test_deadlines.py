"""Due dates, extensions and late penalties (dlcourse/deadlines.py, dlcourse/late.py).

One class of lesson 01 is graded for real: on time, late, late but within an
extension, and placed by hand without a timestamp. The rest works on the
gradebook and the plugin directly, without running notebooks.
"""

import contextlib
import io
import shutil
import tomllib
from datetime import datetime, timedelta

import pytest
from nbgrader.api import Gradebook
from traitlets.config import Config

from dlcourse import cli, deadlines, export, grading, late
from dlcourse.course import make_course
from dlcourse.settings import gradebook_url

from . import submissions as subs

LESSON = "01-perceptron"
DUE = datetime(2026, 10, 9, 12, 0)  # UTC
DEADLINES = f'''
[due]
"{LESSON}" = 2026-10-09T12:00:00Z

[extensions.extended]
"{LESSON}" = "48h"

[penalty]
method = "per_day"
percent_per_day = 10
'''
# student -> timestamp.txt (None: placed by hand, no timestamp)
SUBMITTED = {
    "ontime": "2026-10-09 11:59:00.000000 UTC",
    "late": "2026-10-10 14:30:00.000000 UTC",       # 1 d 2 h 30 min late: two started days, 20 %
    "extended": "2026-10-10 14:30:00.000000 UTC",   # the same time, within a 48-hour extension
    "byhand": None,
}


def full_marks():
    return sum(subs.autograded_points(LESSON).values())


def dlcourse(*args):
    """Run the dlcourse command in this process; (exit status, what it printed)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = cli.main(list(args))
    return status, out.getvalue()


def submit_class(course):
    for student, timestamp in SUBMITTED.items():
        path = subs.submit(course, student, LESSON, subs.student_notebook(LESSON))
        if timestamp:
            (path.parent / "timestamp.txt").write_text(timestamp)


@pytest.fixture(scope="module")
def late_class(tmp_path_factory):
    """The class above graded with `dlcourse grade` and exported; (course, grade output, {student: export row})."""
    course = subs.new_course(tmp_path_factory.mktemp("late"))
    (course / deadlines.DEADLINES_FILE).write_text(DEADLINES)
    submit_class(course)
    status, output = dlcourse("grade", LESSON, "--course", str(course), "--workers", "2")
    assert status == 0, output
    rows = grading.read_export(grading.export(course, course / "grades.csv"))
    return course, output, {r["student_id"]: r for r in rows}


def summary_line(output, student):
    return next(line for line in output.splitlines() if line.startswith(f"{student} "))


def test_a_late_submission_shows_its_lateness_and_penalty(late_class):
    _, output, rows = late_class
    penalty = 0.2 * full_marks()
    row = rows["late"]
    assert (row["status"], row["late_by"], row["late_hours"]) == ("graded", "1 d 2 h 30 min", "26.5")
    assert float(row["raw_score"]) == full_marks()
    assert row["late_submission_penalty"] == f"{penalty:g}", "no float noise such as 1.4000000000000001"
    assert float(row["score"]) == pytest.approx(full_marks() - penalty)
    line = summary_line(output, "late")
    assert "late by 1 d 2 h 30 min" in line and f"penalty {penalty:g}" in line, line
    assert "Late: 1 submission(s) (late)" in output


def test_an_on_time_submission_has_no_lateness(late_class):
    _, output, rows = late_class
    row = rows["ontime"]
    assert (row["late_by"], row["late_hours"], row["extended_due"]) == ("", "0.0", "")
    assert float(row["late_submission_penalty"]) == 0 and float(row["score"]) == full_marks()
    assert "on time" in summary_line(output, "ontime")


def test_a_submission_within_its_extension_is_on_time(late_class):
    _, output, rows = late_class
    row = rows["extended"]
    assert (row["late_by"], row["late_hours"]) == ("", "0.0")
    assert row["extended_due"] == str(DUE + timedelta(hours=48))
    assert float(row["score"]) == full_marks()
    assert "on time (with extension)" in summary_line(output, "extended")


def test_a_hand_placed_submission_without_timestamp_counts_as_on_time_and_says_so(late_class):
    _, output, rows = late_class
    row = rows["byhand"]
    assert (row["late_by"], row["late_hours"], row["timestamp"]) == ("no timestamp", "", "")
    assert float(row["score"]) == full_marks()
    assert "no timestamp: counted on time" in summary_line(output, "byhand")
    assert "No timestamp: byhand placed by hand" in output


def test_the_export_has_the_late_columns_after_nbgrader_s(late_class):
    _, _, rows = late_class
    assert list(rows["late"]) == export.FIELDS
    assert export.FIELDS[-3:] == ["late_by", "late_hours", "extended_due"]


def _copy_course(course, tmp_path):
    """A copy of a graded course folder that nbgrader treats as its own (the config names the root)."""
    copy = tmp_path / "copy"
    shutil.copytree(course, copy, ignore=shutil.ignore_patterns("exchange"))
    make_course(copy)
    return copy


def test_a_changed_policy_or_a_new_extension_applies_without_grading_again(late_class, tmp_path):
    course = _copy_course(late_class[0], tmp_path)
    (course / deadlines.DEADLINES_FILE).write_text(DEADLINES.replace('"per_day"', '"zero"') + '''
[extensions.ontime]
"01-perceptron" = "1h"
''')
    rows = {r["student_id"]: r for r in grading.read_export(grading.export(course, tmp_path / "grades.csv"))}
    assert float(rows["late"]["score"]) == 0 and rows["late"]["late_by"] == "1 d 2 h 30 min"
    assert float(rows["extended"]["score"]) == full_marks(), "an extension still protects from the new policy"
    assert rows["ontime"]["extended_due"] == str(DUE + timedelta(hours=1))

    (course / deadlines.DEADLINES_FILE).write_text(DEADLINES + '''
[extensions.late]
"01-perceptron" = 2026-10-11T00:00:00+02:00
''')
    rows = {r["student_id"]: r for r in grading.read_export(grading.export(course, tmp_path / "grades.csv"))}
    assert rows["late"]["late_by"] == "" and float(rows["late"]["score"]) == full_marks()
    assert rows["late"]["extended_due"] == "2026-10-10 22:00:00"
    assert rows["ontime"]["extended_due"] == "", "an extension taken out of the file is taken away"


# --- the penalty policy ------------------------------------------------------------------------------

HOUR, DAY = 3600, 24 * 3600


@pytest.mark.parametrize("seconds, expected", [
    (1, 1.0), (DAY, 1.0), (DAY + 1, 2.0), (3 * DAY, 3.0), (12 * DAY, 10.0)])
def test_per_day_takes_a_share_of_the_score_per_started_day(seconds, expected):
    assert late.penalty("per_day", 10.0, seconds, percent_per_day=10) == pytest.approx(expected)


def test_no_penalty_on_time_with_none_or_within_the_grace_period():
    assert late.penalty("per_day", 10.0, 0) is None
    assert late.penalty("none", 10.0, 5 * DAY) is None
    assert late.penalty("zero", 10.0, 14 * 60, grace_minutes=15) is None
    assert late.penalty("zero", 10.0, 16 * 60, grace_minutes=15) == 10.0


def test_zero_scores_nothing_and_zero_after_days_ends_the_per_day_scale():
    assert late.penalty("zero", 7.0, 1) == 7.0
    assert late.penalty("per_day", 10.0, 2 * DAY, zero_after_days=3) == pytest.approx(2.0)
    assert late.penalty("per_day", 10.0, 3 * DAY + 1, zero_after_days=3) == 10.0


def _plugin(config):
    config.AssignLatePenalties.plugin_class = "dlcourse.late.LatePenalty"
    return late.course_plugin(config)


def test_the_plugin_takes_its_policy_from_the_deadlines_file_and_nbgrader_config(tmp_path):
    course = make_course(tmp_path / "course")
    (course / deadlines.DEADLINES_FILE).write_text(DEADLINES.replace("percent_per_day = 10", "percent_per_day = 25"))
    plugin = late.course_plugin(subs.course_config(course))
    assert isinstance(plugin, late.LatePenalty)
    assert plugin.late_submission_penalty("s", 8.0, 1) == pytest.approx(2.0)

    plain = Config()
    plain.LateSubmissionPlugin.penalty_method = "zero"  # nbgrader's own setting still works
    assert _plugin(plain).late_submission_penalty("s", 8.0, 1) == 8.0
    assert _plugin(Config()).late_submission_penalty("s", 8.0, 1) is None, "no policy: no penalty"


@pytest.mark.parametrize("table, message", [
    ('method = "half"', "not one of"), ("percent_per_day = -1", "0 or more"), ("late = 1", "unknown key")])
def test_a_wrong_policy_is_refused_with_its_place(tmp_path, table, message):
    (tmp_path / deadlines.DEADLINES_FILE).write_text(f"[penalty]\n{table}\n")
    with pytest.raises(deadlines.DeadlineError, match=message):
        deadlines.read_policy(tmp_path)


# --- the deadlines file --------------------------------------------------------------------------------

def parse(text):
    return deadlines.parse(tomllib.loads(text))


def test_times_without_offset_are_in_the_file_s_time_zone():
    found = parse(f'timezone = "Europe/Berlin"\n[due]\n"{LESSON}" = 2026-10-09T23:59:00\n'
                  f'"02-activations" = "2026-12-01 08:00"\n"03-loss-and-gradient-descent" = "2026-12-01T08:00Z"\n')
    assert found.due == {LESSON: datetime(2026, 10, 9, 21, 59),  # summer time, UTC+2
                         "02-activations": datetime(2026, 12, 1, 7, 0),  # winter time, UTC+1
                         "03-loss-and-gradient-descent": datetime(2026, 12, 1, 8, 0)}


@pytest.mark.parametrize("value, extra", [
    ('"48h"', timedelta(hours=48)), ('"2d"', timedelta(days=2)), ('"2 days"', timedelta(days=2)), ('"90min"', timedelta(minutes=90)),
    ('"1d 12h"', timedelta(hours=36)), ("36", timedelta(hours=36)), ("1.5", timedelta(minutes=90)),
    ("2026-10-11T12:00:00Z", timedelta(days=2)), ('"2026-10-09 18:00"', timedelta(hours=6))])
def test_an_extension_is_extra_time_or_a_new_due_date(value, extra):
    found = parse(f'[due]\n"{LESSON}" = 2026-10-09T12:00:00Z\n[extensions."j.smith"]\n"{LESSON}" = {value}\n')
    assert found.extension("j.smith", LESSON) == extra
    assert found.extension("someone", LESSON) is None


@pytest.mark.parametrize("text, message", [
    ('[due]\n"perceptron" = 2026-10-09T12:00:00', "not a lesson id"),
    (f'[due]\n"{LESSON}" = 2026-10-09', "no time of day"),
    (f'[due]\n"{LESSON}" = "next friday"', "not a date and time"),
    (f'[due]\n"{LESSON}" = 2026-10-09T12:00:00\n[extensions.a]\n"{LESSON}" = 2026-10-08T12:00:00', "after the due"),
    (f'[extensions.a]\n"{LESSON}" = "48h"', "no due date"),
    (f'[due]\n"{LESSON}" = 2026-10-09T12:00:00\n[extensions.a]\n"{LESSON}" = "2 weeks"', "not a date"),
    ('timezone = "Mars/Olympus"', "unknown time zone"),
    ("[dues]", "unknown key"),
])
def test_a_wrong_entry_is_refused_with_its_place(text, message):
    with pytest.raises(deadlines.DeadlineError, match=message):
        parse(text)


def test_init_writes_a_commented_deadlines_file_that_reads_as_no_deadlines(tmp_path):
    status, output = dlcourse("init", str(tmp_path / "course"))
    assert status == 0 and "deadlines.toml" in output
    assert deadlines.read_deadlines(tmp_path / "course") == deadlines.Deadlines()
    assert deadlines.read_policy(tmp_path / "course") == {}


def test_only_lessons_and_submissions_in_the_gradebook_are_touched(tmp_path):
    """A due date for a lesson not released yet adds no assignment (no empty export column); a lesson the file
    does not name keeps the due date it has; an extension taken out of the file is taken away."""
    course = make_course(tmp_path / "course")
    with Gradebook(gradebook_url(course)) as gb:
        gb.add_assignment(LESSON)
        gb.add_assignment("02-activations", duedate=datetime(2026, 11, 1))
        gb.add_student("a")
        gb.add_submission(LESSON, "a", timestamp=datetime(2026, 10, 10, 12, 0))
        gb.grant_extension(LESSON, "a", hours=5)
        applied = deadlines.apply(gb, parse(f'[due]\n"{LESSON}" = 2026-10-09T12:00:00Z\n'
                                            '"05-neural-network" = 2026-12-01T12:00:00Z\n'))
        assert applied.due_dates == [LESSON] and applied.extensions == []
        assert {a.name for a in gb.assignments} == {LESSON, "02-activations"}
        assert gb.find_assignment("02-activations").duedate == datetime(2026, 11, 1)
        submission = gb.find_submission(LESSON, "a")
        assert submission.extension is None and submission.total_seconds_late == DAY


def test_a_broken_policy_keeps_the_course_settings_and_stops_late_grading(tmp_path, capsys):
    """nbgrader ignores a config file that raises (it would grade without the sandbox): the settings load,
    and the plugin refuses late submissions, naming the entry; dlcourse refuses before grading."""
    course = make_course(tmp_path / "course")
    (course / deadlines.DEADLINES_FILE).write_text('[penalty]\nmethod = "half"\n')
    config = subs.course_config(course)
    assert config.ExportApp.plugin_class == "dlcourse.export.GradesExport", "the course's settings still hold"
    with pytest.raises(deadlines.DeadlineError, match="half"):
        late.course_plugin(config).late_submission_penalty("s", 5.0, 60)
    assert cli.main(["export", "--course", str(course)]) == 1
    assert "deadlines.toml, [penalty] method: 'half'" in capsys.readouterr().err
