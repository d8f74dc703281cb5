"""Building student submissions from the reference solution, and grading them for real."""

from pathlib import Path

from dlcourse import grading, notebooks
from dlcourse.course import make_course
from dlcourse.paths import LESSONS_DIR, SOLUTIONS_DIR, lesson_notebook


def reference_answers(lesson, written=False):
    """{grade_id: source} of the reference solution's code answers (and written answers if asked)."""
    source = notebooks.read(lesson_notebook(lesson, SOLUTIONS_DIR))
    answers = notebooks.solution_answers(source)
    if not written:
        cells = notebooks.cells_by_grade_id(source)
        answers = {gid: src for gid, src in answers.items() if cells[gid].cell_type == "code"}
    return answers


def student_notebook(lesson, replacements=None, written=False):
    """The released student version with every code answer filled in from the reference,
    except those in `replacements` ({grade_id: source}); written answers too if asked."""
    released = notebooks.read(lesson_notebook(lesson, LESSONS_DIR))
    answers = reference_answers(lesson, written=written)
    answers.update(replacements or {})
    return notebooks.fill_answers(released, answers)


def blank_notebook(lesson):
    return notebooks.read(lesson_notebook(lesson, LESSONS_DIR))


def submit(course, student, lesson, nb):
    """Place a submission where nbgrader looks: submitted/<student>/<lesson>/<lesson>.ipynb.

    nb may be a notebook or raw text (to submit a broken file).
    """
    folder = Path(course, "submitted", student, lesson)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{lesson}.ipynb"
    if isinstance(nb, (str, bytes)):
        path.write_bytes(nb.encode() if isinstance(nb, str) else nb)
    else:
        notebooks.write(nb, path)
    return path


def new_course(tmp_path):
    return make_course(tmp_path / "course")


def autograded_points(lesson):
    """{test grade_id: points} of the lesson's autograded test cells, read from the source."""
    source = notebooks.read(lesson_notebook(lesson, SOLUTIONS_DIR))
    return {notebooks.grade_id(c): notebooks.nbgrader_meta(c)["points"]
            for c in source.cells if notebooks.is_autograded_test(c)}


def write_roster(course, students):
    lines = ["id,first_name,last_name,email"] + [f"{s},{s.title()},Student,{s}@example.org" for s in students]
    Path(course, "students.csv").write_text("\n".join(lines) + "\n")


def grade(course, lesson, **kwargs):
    """Grade through dlcourse and return {student: GradeResult}."""
    return {r.student: r for r in grading.grade(lesson, course, **kwargs)}


def cell_scores(course, lesson, student):
    return grading.read_cell_scores(course, lesson, student)


def not_json():
    return '{"cells": [ this is not JSON'

