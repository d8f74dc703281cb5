"""Grades in the layouts Canvas and Moodle gradebook imports read (dlcourse/lms.py, `dlcourse export --layout`):
names with commas, quotes and accents survive, every student has a row, a submission that could not be
graded stays blank, and the file is written whole."""

import csv
import json

import pytest
from nbgrader.api import Gradebook

from dlcourse import cli, lms
from dlcourse.sandbox.execute import GRADING_REPORT
from dlcourse.settings import gradebook_url

from . import submissions as subs

LESSONS = ("01-perceptron", "02-activations")
ROSTER = [  # id, first, last, email
    ("smith", "John", "Smith, Jr.", "smith@example.org"),
    ("obrien", 'Mary "Molly"', "O'Brien", "obrien@example.org"),
    ("zoe", "Zoë", "Ångström-Øster", "zoe@example.org"),
    ("li", "小龙", "李", ""),
    ("absent", "Abe", "Sent", "abe@example.org"),
]


def export_row(student, lesson, status, score="0.0", max_score="7.0"):
    first, last, email = next((f, la, e) for s, f, la, e in ROSTER if s == student)
    return {"assignment": lesson, "student_id": student, "first_name": first, "last_name": last, "email": email,
            "status": status, "score": score, "max_score": max_score}


def test_canvas_rows_follow_canvas_gradebook_columns():
    rows = [export_row("smith", LESSONS[0], "graded", "6.5"), export_row("zoe", LESSONS[0], "not graded"),
            export_row("li", LESSONS[0], "no submission"), export_row("smith", LESSONS[1], "graded", "3.0", "4.0"),
            export_row("zoe", LESSONS[1], "graded", "4.0", "4.0"), export_row("li", LESSONS[1], "graded", "1.25", "4.0")]
    table = lms.canvas_rows(rows, assignment_ids={LESSONS[1]: "4711"})
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", LESSONS[0], f"{LESSONS[1]} (4711)"]
    assert table[1] == ["Points Possible", "", "", "", "", "7", "4"]
    body = {row[3]: row for row in table[2:]}
    assert body["smith"] == ["Smith, Jr., John", "", "", "smith", "", "6.5", "3"]
    assert body["zoe"][0] == "Ångström-Øster, Zoë" and body["zoe"][5:] == ["", "4"], "not graded: blank, never 0"
    assert body["li"][0] == "李, 小龙" and body["li"][5:] == ["0", "1.25"], "no submission: 0"
    assert [row[3] for row in table[2:]] == ["smith", "zoe", "li"], "sorted by last name (casefolded: S < Å < 李)"


def test_moodle_rows_have_an_identifier_column_to_map_and_a_column_per_grade_item():
    rows = [export_row("obrien", LESSONS[0], "graded", "7.0"), export_row("absent", LESSONS[0], "no submission")]
    table = lms.moodle_rows(rows)
    assert table[0] == ["Username", "Email address", "First name", "Last name", LESSONS[0]]
    assert table[1:] == [["obrien", "obrien@example.org", 'Mary "Molly"', "O'Brien", "7"],
                         ["absent", "abe@example.org", "Abe", "Sent", "0"]]
    with pytest.raises(ValueError, match="no such layout"):
        lms.layout_rows("blackboard", rows)


@pytest.fixture
def course(tmp_path):
    """The roster above; lesson 01 in the gradebook; smith graded (nbgrader's folders), zoe submitted, not graded."""
    course = subs.new_course(tmp_path)
    with open(course / "students.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("id", "first_name", "last_name", "email"), *ROSTER])
    with Gradebook(gradebook_url(course)) as gb:
        gb.update_or_create_assignment(LESSONS[0])
    for student in ("smith", "zoe"):
        (course / "submitted" / student / LESSONS[0]).mkdir(parents=True)
    folder = course / "autograded" / "smith" / LESSONS[0]
    folder.mkdir(parents=True)
    (folder / GRADING_REPORT).write_text(json.dumps({"isolated": True, "findings": []}))
    return course


@pytest.mark.parametrize("layout", lms.LAYOUTS)
def test_the_command_writes_every_student_of_the_roster_in_utf8(course, tmp_path, capsys, layout):
    out = tmp_path / f"{layout}.csv"
    out.write_text("the previous export\n")
    assert cli.main(["export", "--course", str(course), "--layout", layout, "--to", str(out)]) == 0
    said = capsys.readouterr().out
    assert f"Wrote {len(ROSTER)} student(s) x 1 lesson(s) in the {layout} layout" in said
    assert "1 blank cell(s)" in said, "zoe's ungraded submission is pointed out"
    with open(out, newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert table == lms.layout_rows(layout, [dict(r) for r in _course_rows(course, tmp_path)])
    names = {value for row in table for value in row}
    for student, first, last, _ in ROSTER:
        assert student in names and (first in names or f"{last}, {first}" in names)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [], "no scratch files left"
    assert "Smith, Jr." in out.read_text(encoding="utf-8"), "a comma inside a quoted field, read back whole"


def _course_rows(course, tmp_path):
    from dlcourse import grading
    return grading.read_export(grading.export(course, tmp_path / "plain.csv"))


def test_default_destination_names_the_layout(course):
    out, table = lms.export_layout(course, "moodle")
    assert out == course / "grades-moodle.csv" and out.stat().st_mode & 0o777 == 0o644
    assert len(lms.student_rows(table)) == len(ROSTER)
