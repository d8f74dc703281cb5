"""The grades export: names with commas, quotes and accents survive, every student has a row,
and the file is written whole or not at all (dlcourse/export.py)."""

import csv
import json
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook

from dlcourse import cli, export, grading
from dlcourse.sandbox.execute import GRADING_REPORT
from dlcourse.settings import gradebook_url

from . import submissions as subs

LESSON = "01-perceptron"
# (id, first name, last name, email): the names that broke nbgrader's own CSV export.
ROSTER = [
    ("smith", "John", "Smith, Jr.", "smith@example.org"),
    ("obrien", 'Mary "Molly"', "O'Brien", "obrien@example.org"),
    ("zoe", "Zoë", "Ångström-Øster", "zoe@example.org"),
    ("li", "小龙", "李", ""),
    ("comma2", "A, B", "C,D", "c.d@example.org"),
    ("plain", "Pat", "Plain", "pat@example.org"),
    ("absent", "Abe", "Sent", "abe@example.org"),
]


@pytest.fixture
def course(tmp_path):
    """A course with the roster above, lesson 01 in the gradebook, and folders as grading leaves them:
    smith graded (flagged by the sandbox), obrien graded without the sandbox, zoe submitted but not
    graded, the others nothing."""
    course = subs.new_course(tmp_path)
    with open(course / "students.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "first_name", "last_name", "email"])
        writer.writerows(ROSTER)
    with Gradebook(gradebook_url(course)) as gb:
        gb.update_or_create_assignment(LESSON)
    for student in ("smith", "obrien", "zoe"):
        (course / "submitted" / student / LESSON).mkdir(parents=True)
    for student, report in (("smith", {"isolated": True, "findings": [{"kind": "tampering", "cell": 3}]}),
                            ("obrien", {"isolated": False, "findings": []})):
        folder = course / "autograded" / student / LESSON
        folder.mkdir(parents=True)
        (folder / GRADING_REPORT).write_text(json.dumps(report))
    return course


def test_every_name_survives_and_every_student_has_a_row(course, tmp_path):
    rows = grading.read_export(grading.export(course, tmp_path / "grades.csv"))
    assert sorted(r["student_id"] for r in rows) == sorted(s for s, *_ in ROSTER), "one row per student of the roster"
    by_id = {r["student_id"]: r for r in rows}
    for student, first, last, email in ROSTER:
        row = by_id[student]
        assert (row["first_name"], row["last_name"], row["email"]) == (first, last, email)
        assert row["assignment"] == LESSON and list(row) == export.FIELDS
    assert {s: by_id[s]["status"] for s in by_id} == {
        "smith": "graded", "obrien": "graded", "zoe": "not graded",
        "li": "no submission", "comma2": "no submission", "plain": "no submission", "absent": "no submission"}
    assert by_id["smith"]["review"] == "tampering"
    assert by_id["obrien"]["review"] == "not isolated"
    assert by_id["plain"]["review"] == "" and by_id["absent"]["score"] == "0.0"


def test_plain_nbgrader_export_writes_the_same_file(course, tmp_path):
    ours = grading.export(course, tmp_path / "ours.csv")
    theirs = tmp_path / "theirs.csv"
    subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--to={theirs}"], cwd=course, check=True,
                   capture_output=True)
    assert theirs.read_bytes() == ours.read_bytes()


def test_the_command_reports_rows_and_students(course, tmp_path, capsys):
    out = tmp_path / "grades.csv"
    assert cli.main(["export", "--course", str(course), "--to", str(out)]) == 0
    assert f"Wrote {len(ROSTER)} row(s) for {len(ROSTER)} student(s)" in capsys.readouterr().out


def test_a_failed_write_leaves_the_old_file_and_no_partial_one(tmp_path):
    out = tmp_path / "grades.csv"
    out.write_text("the previous export\n")

    def rows():
        yield {field: "1" for field in export.FIELDS}
        raise RuntimeError("the gradebook went away")

    with pytest.raises(RuntimeError, match="went away"):
        export.write_csv_atomically(out, export.FIELDS, rows())
    assert out.read_text() == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"], "no partial file left behind"


def test_a_new_export_replaces_the_old_one_whole(tmp_path):
    out = tmp_path / "grades.csv"
    out.write_text("old\n")
    export.write_csv_atomically(out, ["a", "b"], [{"a": "x, y", "b": 'say "hi"'}])
    assert grading.read_export(out) == [{"a": "x, y", "b": 'say "hi"'}]
    assert out.stat().st_mode & 0o777 == 0o644
