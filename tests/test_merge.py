"""`dlcourse update`: a corrected lesson merged into students' notebooks (dlcourse/merge.py).

The corrections are the ones instructors make after release (tests/damage/corrections.py:
a clearer explanation, a clarified exercise, a fixed visible test, a hint cell,
a clarified docstring in the starting code), made to a temporary copy of each
lesson's source and released with dlcourse.build.generate.
"""

import copy
import functools

import pytest

from dlcourse import cli, merge, notebooks, repair
from dlcourse.paths import LESSONS_DIR, lesson_ids, lesson_notebook

from . import damage
from . import submissions as subs
from .damage import corrections
from . import nbcells

LESSONS = [lesson for lesson in lesson_ids(LESSONS_DIR) if lesson_notebook(lesson, LESSONS_DIR).exists()]


@pytest.fixture(scope="module", params=LESSONS)
def corrected(request, tmp_path_factory):
    lesson = request.param
    fix = corrections.corrected_release(lesson, tmp_path_factory.mktemp(f"corrected-{lesson}"))
    return lesson, fix, fix.notebook(lesson)


def old_release(lesson):
    return notebooks.read(lesson_notebook(lesson, LESSONS_DIR))


def started(lesson):
    """A student's notebook of the old release: every answer written, plus cells of their own."""
    return damage.with_own_cells(subs.student_notebook(lesson, written=True),
                                 "My note: ask about the bias term.", "my_helper = lambda x: 2 * x")


def text(nb):
    return "\n".join(cell.source for cell in nb.cells)


def answers(nb):
    return {gid: cell.source for gid, cell in nbcells.cells_by_grade_id(nb).items() if nbcells.is_answer_cell(cell)}


def test_a_notebook_nobody_started_becomes_the_new_release(corrected):
    lesson, fix, new = corrected
    merged, report = merge.update(old_release(lesson), new)
    assert not report.conflicts
    assert repair.as_dict(merged) == repair.as_dict(new)


def test_answers_and_own_cells_are_kept_and_the_lesson_is_new(corrected):
    lesson, fix, new = corrected
    nb = started(lesson)
    merged, report = merge.update(nb, new)
    # The student's answers, exactly as written, and their own cells.
    assert answers(merged) == answers(nb)
    assert "My note: ask about the bias term." in text(merged) and "my_helper = lambda x: 2 * x" in text(merged)
    # The new lesson: every new text is there; no old version of a changed cell is left.
    for snippet in fix.new_texts:
        assert snippet in text(merged), snippet
    new_cells = {repair.norm(c.source) for c in new.cells}
    for cell in old_release(lesson).cells:
        if not notebooks.grade_id(cell) and repair.norm(cell.source) not in new_cells:
            assert cell.source not in [c.source for c in merged.cells], "an old lesson cell survived the update"
    # Test cells are the new ones.
    for gid, cell in nbcells.cells_by_grade_id(new).items():
        if nbcells.is_autograded_test(cell):
            assert nbcells.cells_by_grade_id(merged)[gid].source == cell.source
            assert notebooks.nbgrader_meta(nbcells.cells_by_grade_id(merged)[gid]) == notebooks.nbgrader_meta(cell)
    # Lesson order: the graded cells in the new release's order.
    order = [notebooks.grade_id(c) for c in new.cells if notebooks.grade_id(c)]
    assert [notebooks.grade_id(c) for c in merged.cells if notebooks.grade_id(c)] == order


def test_changed_exercises_get_a_visible_note_not_an_overwrite(corrected):
    lesson, fix, new = corrected
    merged, report = merge.update(started(lesson), new)
    assert sorted(c.split("`")[1] for c in report.conflicts) == fix.conflicts
    notes = [i for i, c in enumerate(merged.cells) if c.metadata.get(merge.NOTE_KEY, {}).get("update_conflict")]
    assert len(notes) == len(fix.conflicts)
    for i in notes:
        gid = merged.cells[i].metadata[merge.NOTE_KEY]["update_conflict"]
        assert notebooks.grade_id(merged.cells[i + 1]) == gid, "the note sits right above the answer"
        assert "Lesson update" in merged.cells[i].source and "kept exactly as you wrote it" in merged.cells[i].source
    by_gid = {c.metadata[merge.NOTE_KEY]["update_conflict"]: c.source for c in merged.cells
              if c.metadata.get(merge.NOTE_KEY)}
    assert corrections.CLARIFIED_PROMPT in by_gid[fix.prompt_changed]
    assert corrections.DOCSTRING_NOTE in by_gid[fix.stub_changed]


def test_updating_twice_changes_nothing(corrected):
    lesson, fix, new = corrected
    merged, _ = merge.update(started(lesson), new)
    again, report = merge.update(merged, new)
    assert not report.changes and not report.conflicts
    assert repair.as_dict(again) == repair.as_dict(merged)


def test_an_edited_lesson_cell_is_kept(corrected):
    lesson, fix, new = corrected
    nb = started(lesson)
    demo = next(c for c in nb.cells if c.cell_type == "code" and merge.lesson_cell_id(c) == (True, True))
    demo.source += "\n# I changed this to try something"
    merged, _ = merge.update(nb, new)
    assert demo.source in [c.source for c in merged.cells]


@functools.lru_cache(maxsize=None)
def damaged(lesson):
    return damage.build(lesson, started(lesson))


@pytest.mark.parametrize("name", [d.name for d in damage.CATALOGUE])
def test_damaged_notebooks_update_without_losing_a_line(corrected, name):
    lesson, fix, new = corrected
    built = damaged(lesson)
    if name not in built:
        pytest.skip(f"{name} does not apply to {lesson}")
    entry, made = built[name]
    nb = repair.loads(damage.to_bytes(made).decode())
    merged, report = merge.update(nb, new)
    lesson_lines = {line.strip() for c in old_release(lesson).cells + new.cells for line in c.source.split("\n")}
    # What the student wrote: not lesson text, and not a test cell of some lesson left as released
    # (an update removes tests that are not part of the lesson).
    released_tests = [c for c in nb.cells if notebooks.nbgrader_meta(c).get("locked")
                      and repair.recorded_checksum_matches(c)]
    mine = [line.strip() for c in nb.cells if c not in released_tests for line in c.source.split("\n")
            if line.strip() and line.strip() not in lesson_lines]
    kept = [line.strip() for c in merged.cells for line in c.source.split("\n")]
    lost = [line for line in set(mine) if kept.count(line) < mine.count(line)
            and not any(line in other and line != other for other in kept)]  # a line cut in two is joined again
    assert not lost, f"lost a line the student wrote: {lost}"
    ids = [notebooks.grade_id(c) for c in merged.cells if notebooks.grade_id(c)]
    assert len(ids) == len(set(ids))
    assert set(c.split("`")[1] for c in report.conflicts) <= set(fix.conflicts)
    again, second = merge.update(merged, new)
    assert not second.changes and not second.conflicts, second.changes
    assert repair.as_dict(again) == repair.as_dict(merged)


def test_update_command_keeps_a_backup_and_reports(corrected, tmp_path, capsys):
    lesson, fix, new = corrected
    folder = tmp_path / lesson
    folder.mkdir()
    path = folder / f"{lesson}.ipynb"
    notebooks.write(started(lesson), path)
    before = path.read_bytes()
    release = lesson_notebook(lesson, fix.release_dir)

    assert cli.main(["update", str(path), "--from", str(release), "--dry-run"]) == 0
    assert "would update" in capsys.readouterr().out and path.read_bytes() == before

    assert cli.main(["update", str(path), "--from", str(release)]) == 0
    out = capsys.readouterr().out
    assert "CHANGED EXERCISE" in out and "before-update" in out
    assert (folder / f"{lesson}.before-update.ipynb").read_bytes() == before
    assert cli.main(["update", str(path), "--from", str(release)]) == 0
    assert "already up to date" in capsys.readouterr().out
    assert not (folder / f"{lesson}.before-update-2.ipynb").exists()


def test_update_all_updates_every_lesson_in_a_work_folder(corrected, tmp_path):
    lesson, fix, new = corrected
    work = tmp_path / "work"
    (work / lesson).mkdir(parents=True)
    notebooks.write(started(lesson), work / lesson / f"{lesson}.ipynb")
    results = merge.update_all(work, fix.release_dir)
    assert list(results) == [lesson]
    report, backup = results[lesson]
    assert report.conflicts and backup.exists()
    assert corrections.HINT in text(notebooks.read(work / lesson / f"{lesson}.ipynb"))
    assert merge.update_all(work, fix.release_dir)[lesson][0].changes == []


def test_cli_update_all_with_nothing_to_update(tmp_path, capsys):
    assert cli.main(["update", "--all", "--dir", str(tmp_path / "empty")]) == 0
    assert "No lessons to update" in capsys.readouterr().out


def test_lesson_cell_ids_tell_lesson_text_from_the_students():
    nb = old_release(LESSONS[0])
    lesson_cells = [c for c in nb.cells if not notebooks.grade_id(c)]
    assert lesson_cells and all(merge.lesson_cell_id(c) == (True, True) for c in lesson_cells), \
        "dlcourse build names lesson cells after a hash of their text; update relies on it"
    edited = copy.deepcopy(lesson_cells[0])
    edited.source += " (mine)"
    assert merge.lesson_cell_id(edited) == (True, False)
    assert merge.lesson_cell_id(damage.new_code_cell("x = 1", "mine")) == (False, False)
