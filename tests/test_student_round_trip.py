"""A student's whole journey through one lesson, with every accident on the way.

Lesson 05 when it exists (else lesson 01): a student gets their copy with `make
lab` (dlcourse workspace), answers everything, adds cells of their own and
damages the notebook the usual ways. The instructor then fixes the lesson
(tests/damage/corrections.py) and releases it; the student runs `dlcourse
update`, then `dlcourse check`, and submits. A second student submits the
damaged notebook without updating. `dlcourse grade`, with the corrected
source, repairs both and gives both full marks.
"""

import nbformat
import pytest

from dlcourse import cli, merge, notebooks
from dlcourse.course import make_course
from dlcourse.paths import LESSONS_DIR, lesson_ids, lesson_notebook
from dlcourse.workspace import ensure_workspace

from . import damage
from . import submissions as subs
from .damage import corrections
from . import nbcells

LESSON = "05-neural-network" if "05-neural-network" in lesson_ids(LESSONS_DIR) else "01-perceptron"


def work_the_usual_way(nb):
    """Answer everything, add own cells, and damage the notebook like students do."""
    answers = subs.reference_answers(LESSON, written=True)
    nb = subs.fill_answers(nb, answers)
    les = damage.Lesson(LESSON, nb)
    first, last = les.answers[0], les.answers[-1]
    # Own cells: a note and a scratch cell after the first test.
    i = les.index(nb, f"test_{first}")
    nb.cells.insert(i + 1, damage.new_markdown_cell("**My notes.** The bias moves the line.", "rt-note"))
    nb.cells.insert(i + 2, damage.new_code_cell("_scratch = np.arange(3)\nprint(_scratch.shape)", "rt-scratch"))
    # The last answer split in two, the first test copied to the end, the second answer turned into Markdown,
    # a test cell that lost its metadata, and an answer written in a new cell below its starting code.
    i = les.index(nb, last)
    damage.split_cell(nb, i, damage.middle_offset(nb.cells[i].source))
    damage.paste_copy(nb, les.index(nb, f"test_{first}"), len(nb.cells))
    if len(les.answers) > 2:
        damage.change_type(nb, les.index(nb, les.answers[1]), "markdown")
        nb.cells[les.index(nb, f"test_{les.answers[2]}")].metadata = nbformat.from_dict({})
    i = les.index(nb, first)
    code, nb.cells[i].source = nb.cells[i].source, damage._stub(les, first)
    nb.cells.insert(i + 1, damage.new_code_cell(code, "rt-below"))
    return nb


@pytest.fixture(scope="module")
def journey(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("round-trip")
    # The student's copy, as `make lab` makes it.
    work = tmp / "work"
    assert LESSON in ensure_workspace(work)
    path = lesson_notebook(LESSON, work)
    damaged = work_the_usual_way(notebooks.read(path))
    damaged_bytes = damage.to_bytes(damaged)
    path.write_bytes(damaged_bytes)
    # The instructor corrects the lesson and releases it.
    fix = corrections.corrected_release(LESSON, tmp / "instructor")
    return tmp, path, damaged_bytes, fix


@pytest.fixture(scope="module")
def updated(journey):
    tmp, path, damaged_bytes, fix = journey
    release = lesson_notebook(LESSON, fix.release_dir)
    code = cli.main(["update", str(path), "--from", str(release)])
    return code, notebooks.read(path)


def test_update_keeps_every_answer_and_shows_the_changed_exercises(journey, updated, capsys):
    tmp, path, damaged_bytes, fix = journey
    code, nb = updated
    assert code == 0
    assert path.with_name(f"{LESSON}.before-update.ipynb").read_bytes() == damaged_bytes
    answers = subs.reference_answers(LESSON, written=True)
    for gid, cell in nbcells.cells_by_grade_id(nb).items():
        if gid in answers:
            assert [line for line in cell.source.split("\n") if line.strip()] == \
                [line for line in answers[gid].split("\n") if line.strip()], f"answer {gid} changed"
    notes = [c.metadata[merge.NOTE_KEY]["update_conflict"] for c in nb.cells if c.metadata.get(merge.NOTE_KEY)]
    assert sorted(notes) == fix.conflicts
    text = "\n".join(c.source for c in nb.cells)
    assert all(snippet in text for snippet in fix.new_texts)
    assert "**My notes.** The bias moves the line." in text and "_scratch = np.arange(3)" in text


@pytest.mark.slow
def test_the_updated_notebook_passes_the_self_check(journey, updated, capsys):
    tmp, path, _, fix = journey
    assert cli.main(["check", str(path), "--lesson", LESSON]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "OK:" in out and "a note from `dlcourse update`" in out


@pytest.mark.slow
def test_grading_repairs_and_grades_both_students_correctly(journey, updated, capsys):
    tmp, path, damaged_bytes, fix = journey
    course = make_course(tmp / "course", source_dir=fix.source_dir)
    subs.submit(course, "updated", LESSON, notebooks.read(path))
    subs.submit(course, "not-updated", LESSON, damaged_bytes)
    capsys.readouterr()
    assert cli.main(["grade", LESSON, "--course", str(course), "--strict", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Repaired before grading" in out and "not-updated:" in out

    source = notebooks.read(lesson_notebook(LESSON, fix.source_dir))
    points = {notebooks.grade_id(c): notebooks.nbgrader_meta(c)["points"]
              for c in source.cells if nbcells.is_autograded_test(c)}
    for student in ("updated", "not-updated"):
        scores = subs.cell_scores(course, LESSON, student)
        for gid, full in points.items():
            assert scores[gid] == (full, full), f"{student}: {gid} scored {scores[gid]}"
    # The not-updated student's original is kept for the instructor; the graded copy holds their answers.
    assert (course / "repairs" / "not-updated" / LESSON / f"{LESSON}.ipynb").read_bytes() == damaged_bytes
    graded = notebooks.read(course / "autograded" / "updated" / LESSON / f"{LESSON}.ipynb")
    assert sum("Lesson update:" in c.source for c in graded.cells) == len(fix.conflicts), \
        "the update's notes reach the grader"
