"""lessons/ is exactly what `dlcourse build` makes from solutions/, and leaks nothing."""

from dlcourse import build, notebooks
from dlcourse.paths import LESSONS_DIR, lesson_ids, lesson_notebook

from .lesson_checks import source_notebook
from .submissions import fill_answers
from . import nbcells


def test_sources_are_in_canonical_form():
    bad = build.unnormalized_sources()
    assert not bad, f"run `dlcourse build --normalize`: {bad}"


def test_lessons_match_a_fresh_build():
    report = build.build(check=True)
    assert report.clean, ("lessons/ differs from what solutions/ generates; run `dlcourse build` "
                          f"and commit. Changed: {report.changed} Removed: {report.removed}")


def test_build_is_deterministic(tmp_path):
    """Two builds, in two folders, byte for byte. One lesson is enough here: the drift test above
    compares a fresh build of every lesson with the committed one, made at another time."""
    first, second = tmp_path / "a", tmp_path / "b"
    lesson = lesson_ids()[0]
    build.generate([lesson], first)
    build.generate([lesson], second)
    assert lesson_notebook(lesson, first).read_bytes() == lesson_notebook(lesson, second).read_bytes()


def test_no_student_file_leaks_a_solution_or_hidden_test():
    files = [p for p in LESSONS_DIR.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert not notebooks.leaks(path), f"{path} holds a solution or hidden-test marker"
    for lesson in lesson_ids():
        build.check_no_leaks(lesson, LESSONS_DIR)


def test_student_version_has_stubs_where_the_solutions_were():
    for lesson in lesson_ids():
        student = nbcells.cells_by_grade_id(notebooks.read(lesson_notebook(lesson, LESSONS_DIR)))
        for gid, cell in nbcells.cells_by_grade_id(source_notebook(lesson)).items():
            assert gid in student, f"{lesson}: graded cell {gid} missing from the student version"
            if nbcells.is_answer_cell(cell):
                stub = "raise NotImplementedError()" if cell.cell_type == "code" else "YOUR ANSWER HERE"
                assert stub in student[gid].source, f"{lesson}/{gid}: no stub in the student version"


def test_leak_checks_catch_leaks(tmp_path):
    """The leak detectors themselves: a marker, and a solution line without its marker."""
    lesson = lesson_ids()[0]
    nb = notebooks.read(lesson_notebook(lesson, LESSONS_DIR))
    source = source_notebook(lesson)
    answer = next(c for c in source.cells if nbcells.is_answer_cell(c) and c.cell_type == "code")
    leaked = nbcells.strip_solution_markers(answer.source)
    stolen = fill_answers(nb, {notebooks.grade_id(answer): leaked})
    assert notebooks.leaked_lines(source, stolen), "a copied solution must be detected"
    path = tmp_path / "marked.ipynb"
    notebooks.write(fill_answers(nb, {notebooks.grade_id(answer): answer.source}), path)
    assert notebooks.leaks(path)
