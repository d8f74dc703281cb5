"""The grades export in the layouts that Canvas and Moodle gradebook imports read.

`dlcourse export --layout canvas|moodle` turns the course's own export (export.py: one
row per lesson and student) into one row per student and one column per lesson, as the
two systems' CSV grade imports expect. Pure functions: rows of the course's export in,
CSV rows out; `write_layout` writes them like the course's export (UTF-8, atomically).

Canvas (Grades → Import): the columns of Canvas's own gradebook export, `Student`
("Last, First"), `ID` (Canvas's user id), `SIS User ID`, `SIS Login ID`, `Section`,
then one column per assignment; the second row, `Points Possible`, holds each
assignment's maximum. Canvas identifies a student by those ids, or failing them by the
name: we know none of Canvas's own ids, so the course's student id (the hub login) goes
into `SIS Login ID`, the name ("Last, First") into `Student`, and the others stay empty.
An assignment column
named `Name (12345)` updates Canvas assignment 12345; one without an id in brackets
is offered as a new assignment on import.

Moodle (Grades → Import → CSV file): a header row, an identifier column that the
import maps to a user field ("Map from" `Username` → "Map to" `username`, or
`Email address` → `useremail`), then one column per grade item, which the import
maps to an existing grade item or to a new one. A blank cell changes nothing.

Cells: a graded submission gives its score (after any late penalty); no submission
gives 0, as in the course's export; a submission that could not be graded gives a
blank cell (neither system then records a grade), so it cannot pass for a zero.
"""

from .export import write_csv_atomically

LAYOUTS = ("canvas", "moodle")
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_ROW = "Points Possible"
MOODLE_IDENTITY = ["Username", "Email address", "First name", "Last name"]


def _number(text):
    """A score as the export wrote it ("7.0"), written short ("7"); '' stays ''."""
    if text in ("", None):
        return ""
    value = float(text)
    return f"{value:g}" if value == round(value, 6) else f"{value:.6g}"


def cell(row):
    """What the LMS should record for one (lesson, student) row of the course's export."""
    status = row.get("status", "graded")
    if status == "not graded":
        return ""
    if status == "no submission":
        return "0"
    return _number(row["score"])


def _students_and_lessons(rows):
    """Students (in first-seen order, with the first row that names them) and lessons, sorted."""
    students, lessons = {}, []
    for row in rows:
        students.setdefault(row["student_id"], row)
        if row["assignment"] not in lessons:
            lessons.append(row["assignment"])
    return students, sorted(lessons)


def _by_student(rows):
    return {(row["student_id"], row["assignment"]): row for row in rows}


def _column(lesson, ids):
    return f"{lesson} ({ids[lesson]})" if ids.get(lesson) else lesson


def canvas_rows(rows, assignment_ids=None, section=""):
    """Canvas gradebook import rows (lists): header, `Points Possible`, then one row per student.

    rows: the course's export as dicts. assignment_ids: {lesson: Canvas assignment id} for
    lessons that already exist in Canvas (their column is named "lesson (id)").
    """
    ids = assignment_ids or {}
    students, lessons = _students_and_lessons(rows)
    cells = _by_student(rows)
    header = CANVAS_IDENTITY + [_column(lesson, ids) for lesson in lessons]
    maxima = {}
    for row in rows:
        maxima.setdefault(row["assignment"], _number(row.get("max_score", "")))
    out = [header, [CANVAS_POINTS_ROW, "", "", "", ""] + [maxima[lesson] for lesson in lessons]]
    for student, row in sorted(students.items(), key=lambda item: _sort_key(item[1])):
        name = ", ".join(part for part in (row.get("last_name") or "", row.get("first_name") or "") if part)
        grades = [cell(cells[student, lesson]) if (student, lesson) in cells else "" for lesson in lessons]
        out.append([name or student, "", "", student, section] + grades)
    return out


def moodle_rows(rows):
    """Moodle CSV grade import rows (lists): header, then one row per student."""
    students, lessons = _students_and_lessons(rows)
    cells = _by_student(rows)
    out = [MOODLE_IDENTITY + lessons]
    for student, row in sorted(students.items(), key=lambda item: _sort_key(item[1])):
        grades = [cell(cells[student, lesson]) if (student, lesson) in cells else "" for lesson in lessons]
        out.append([student, row.get("email") or "", row.get("first_name") or "", row.get("last_name") or ""]
                   + grades)
    return out


def _sort_key(row):
    return ((row.get("last_name") or "").casefold(), (row.get("first_name") or "").casefold(), row["student_id"])


def layout_rows(layout, rows):
    """The rows of one of LAYOUTS."""
    if layout == "canvas":
        return canvas_rows(rows)
    if layout == "moodle":
        return moodle_rows(rows)
    raise ValueError(f"no such layout: {layout} (known: {', '.join(LAYOUTS)})")


def write_layout(path, table):
    """Write a table (header list, then row lists) as UTF-8 CSV, whole or not at all."""
    header, *body = table
    write_csv_atomically(path, header, [dict(zip(header, row)) for row in body])
    return path


def export_layout(course, layout, to=None):
    """The course's export in an LMS layout, written to `to` (default <course>/grades-<layout>.csv)."""
    import tempfile
    from pathlib import Path

    from . import grading

    course = Path(course).resolve()
    out = Path(to or course / f"grades-{layout}.csv").resolve()
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".dlcourse-export-") as scratch:
        rows = grading.read_export(grading.export(course, Path(scratch) / "grades.csv"))
    table = layout_rows(layout, rows)
    write_layout(out, table)
    return out, table


def lesson_columns(table):
    """The lesson columns of a table made by canvas_rows or moodle_rows."""
    header = table[0]
    return header[len(CANVAS_IDENTITY):] if header[:len(CANVAS_IDENTITY)] == CANVAS_IDENTITY \
        else header[len(MOODLE_IDENTITY):]


def student_rows(table):
    """The students' rows of a table made by canvas_rows or moodle_rows (no header, no Points Possible)."""
    return table[2:] if table[0][:len(CANVAS_IDENTITY)] == CANVAS_IDENTITY else table[1:]
