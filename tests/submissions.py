"""Building student submissions from the reference solution, and grading them for real."""

from pathlib import Path

import nbformat

from dlcourse import grading, notebooks
from dlcourse.course import make_course, nbgrader_api
from dlcourse.paths import LESSONS_DIR, SOLUTIONS_DIR, lesson_notebook
from . import nbcells


def solution_answers(source_nb):
    """{grade_id: answer source} of the reference solution, from an instructor source notebook."""
    return {
        notebooks.grade_id(cell): nbcells.strip_solution_markers(cell.source)
        for cell in source_nb.cells
        if nbcells.is_answer_cell(cell)
    }


def fill_answers(student_nb, answers):
    """A copy of a student notebook with the answer cells named in `answers` replaced.

    answers: {grade_id: source}. Raises KeyError for a grade_id the notebook lacks,
    so a typo in a test cannot silently leave an answer blank.
    """
    nb = nbformat.from_dict(student_nb)
    cells = nbcells.cells_by_grade_id(nb)
    for gid, source in answers.items():
        if gid not in cells or not nbcells.is_answer_cell(cells[gid]):
            raise KeyError(f"no answer cell with grade_id {gid!r}")
        cells[gid].source = source
    return nb


def reference_answers(lesson, written=False):
    """{grade_id: source} of the reference solution's code answers (and written answers if asked)."""
    source = notebooks.read(lesson_notebook(lesson, SOLUTIONS_DIR))
    answers = solution_answers(source)
    if not written:
        cells = nbcells.cells_by_grade_id(source)
        answers = {gid: src for gid, src in answers.items() if cells[gid].cell_type == "code"}
    return answers


def student_notebook(lesson, replacements=None, written=False):
    """The released student version with every code answer filled in from the reference,
    except those in `replacements` ({grade_id: source}); written answers too if asked."""
    released = notebooks.read(lesson_notebook(lesson, LESSONS_DIR))
    answers = reference_answers(lesson, written=written)
    answers.update(replacements or {})
    return fill_answers(released, answers)


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
            for c in source.cells if nbcells.is_autograded_test(c)}


def write_roster(course, students):
    lines = ["id,first_name,last_name,email"] + [f"{s},{s.title()},Student,{s}@example.org" for s in students]
    Path(course, "students.csv").write_text("\n".join(lines) + "\n")


def grade(course, lesson, **kwargs):
    """Grade through dlcourse and return {student: GradeResult}."""
    return {r.student: r for r in grading.grade(lesson, course, **kwargs)}


def cell_scores(course, lesson, student):
    """{grade_id: (score, max_score)} of every graded cell of one graded submission, from the gradebook."""
    with nbgrader_api(course).gradebook as gb:
        sub = gb.find_submission(lesson, student)
        return {grade.name: (grade.score, grade.max_score) for nb in sub.notebooks for grade in nb.grades}


def not_json():
    return '{"cells": [ this is not JSON'



def course_config(course):
    """The course's nbgrader config, as its nbgrader_config.py makes it."""
    from dlcourse.course import LoadedCourse
    return LoadedCourse.load(course).config


def read_scores(course, lesson, students):
    """{student: (score, max_score, needs_manual_grade)} from the gradebook, for graded submissions."""
    from nbgrader.api import MissingEntry
    scores = {}
    with nbgrader_api(course).gradebook as gb:
        for student in students:
            try:
                sub = gb.find_submission(lesson, student)
            except MissingEntry:
                continue
            scores[student] = (sub.score, sub.max_score, sub.needs_manual_grade)
    return scores
