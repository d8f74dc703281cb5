"""The repair of damaged notebooks (dlcourse/repair/), on the catalogue in tests/damage/.

Every entry of the catalogue, on every released lesson: the repair keeps all the
student wrote, restores the graded structure, is idempotent and deterministic,
and flags exactly what it cannot place. Then the whole catalogue goes through
grading (the repair is a step of nbgrader's autograde, dlcourse/repair/preprocessor.py)
for lesson 01: every damaged submission scores what
the undamaged one scores, cell by cell, except an empty notebook (zero,
flagged). Entries the repair turns into exactly the undamaged submission's code
and graded cells are compared as such; the others are graded for real. (The
structure checks above are what differ between lessons; grading every lesson's
catalogue would repeat lesson 01's proof at minutes a lesson.)
"""

import collections
import copy
import functools
import json

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator

from dlcourse import cli, notebooks, repair
from dlcourse.paths import LESSONS_DIR, lesson_ids, lesson_notebook

from . import damage
from . import submissions as subs
from . import nbcells

LESSONS = [lesson for lesson in lesson_ids(LESSONS_DIR) if lesson_notebook(lesson, LESSONS_DIR).exists()]
GRADED = ["01-perceptron"]


def released(lesson):
    return copy.deepcopy(_released(lesson))


@functools.lru_cache(maxsize=None)
def _released(lesson):
    return notebooks.read(lesson_notebook(lesson, LESSONS_DIR))


def complete(lesson):
    """A submission with every answer written, and a note and a helper cell of the student's own."""
    return copy.deepcopy(_complete(lesson))


@functools.lru_cache(maxsize=None)
def _complete(lesson):
    return damage.with_own_cells(subs.student_notebook(lesson, written=True), "My own note: *remember to normalise*.",
                                 "_my_scratch = [1, 2, 3]\nprint(len(_my_scratch))")


def load(made):
    """The damaged file as the repair reads it."""
    fixes = []
    return repair.loads(damage.to_bytes(made).decode(), fixes), fixes


CASES = [(lesson, name) for lesson in LESSONS for name in damage.build(lesson, complete(lesson))]


@pytest.fixture(scope="module")
def catalogues():
    return {lesson: damage.build(lesson, complete(lesson)) for lesson in LESSONS}


def student_lines(nb, reference):
    """Every non-blank line the student wrote (lines of the lesson itself do not count), with repeats."""
    lesson = {line.strip() for cell in reference.cells for line in cell.source.split("\n")}
    return collections.Counter(line.strip() for cell in nb.cells for line in cell.source.split("\n")
                               if line.strip() and line.strip() not in lesson)


def code_lines(source):
    return [line.rstrip() for line in source.split("\n") if line.strip()]


def test_catalogue_has_the_damages_students_make():
    names = {d.name for d in damage.CATALOGUE}
    for needed in ("split_answer", "merge_answer_down_to_markdown", "copy_test_below", "delete_test",
                   "answer_to_markdown", "answer_to_raw", "answer_metadata_lost", "answer_moved_to_end",
                   "cells_from_another_lesson", "empty_notebook", "answer_in_new_cell_below"):
        assert needed in names
    assert {d.outcome for d in damage.CATALOGUE} == {"intact", "flagged", "empty"}


@pytest.mark.parametrize("lesson", LESSONS)
def test_undamaged_and_blank_notebooks_are_left_alone(lesson):
    for nb in (complete(lesson), released(lesson), subs.student_notebook(lesson)):
        fixed, report = repair.repair(nb, released(lesson))
        assert not report.changes and not report.flags, report.changes
        assert repair.as_dict(fixed) == repair.as_dict(nb)


@pytest.mark.parametrize("lesson,name", CASES)
def test_repair_restores_the_lesson_structure_and_keeps_every_line(catalogues, lesson, name):
    entry, made = catalogues[lesson][name]
    reference = released(lesson)
    nb, fixes = load(made)
    fixed, report = repair.repair(nb, reference, fixes)
    assert report.changed or report.flags, f"{name}: the repair found nothing to do"

    # Nothing the student wrote is lost.
    before, after = student_lines(nb, reference), student_lines(fixed, reference)
    whole = [line.strip() for cell in fixed.cells for line in cell.source.split("\n")]
    lost = {line: n - after[line] for line, n in before.items() if after[line] < n
            and not any(line in other and line != other for other in whole)}  # a line cut in two is joined again
    assert not lost, f"{name}: lines lost by the repair: {lost}"

    # nbgrader accepts the result: valid metadata, one cell per grade id, unique cell ids.
    MetadataValidator().validate_nb(fixed)
    nbformat.validate(fixed)
    ids = [notebooks.grade_id(c) for c in fixed.cells if notebooks.grade_id(c)]
    assert len(ids) == len(set(ids)), f"{name}: duplicate grade ids {ids}"
    assert len({c.id for c in fixed.cells}) == len(fixed.cells)

    # Every graded cell is there, with the lesson's metadata and type, in the lesson's order.
    expected = [notebooks.grade_id(c) for c in reference.cells if notebooks.grade_id(c)]
    ref_cells = nbcells.cells_by_grade_id(reference)
    if entry.outcome != "flagged" or name != "answer_inside_another_answer":
        assert ids == expected, f"{name}: graded cells {ids}, expected {expected}"
    else:
        assert ids == [gid for gid in expected if gid in ids]
    for gid in ids:
        cell = nbcells.cells_by_grade_id(fixed)[gid]
        assert cell.cell_type == ref_cells[gid].cell_type
        assert notebooks.nbgrader_meta(cell) == notebooks.nbgrader_meta(ref_cells[gid])
        if nbcells.is_autograded_test(cell):
            assert cell.source == ref_cells[gid].source

    # Answers that were intact are in their answer cells.
    if entry.outcome == "intact":
        wanted = complete(lesson)
        for gid, cell in nbcells.cells_by_grade_id(wanted).items():
            if nbcells.is_answer_cell(cell):
                got = nbcells.cells_by_grade_id(fixed)[gid].source
                if cell.cell_type == "code":
                    assert code_lines(got) == code_lines(cell.source), f"{name}: the answer {gid} differs"
                else:  # a written answer split mid-paragraph comes back with a paragraph break
                    assert got.split() == cell.source.split(), f"{name}: the answer {gid} differs"

    # Flags exactly where an answer could not be placed (or there was nothing to grade).
    assert bool(report.flags) == (entry.outcome in ("flagged", "empty")), report.flags

    # Idempotent and deterministic.
    again, second = repair.repair(fixed, reference)
    assert not second.changes, f"{name}: a second repair changed {second.changes}"
    assert repair.as_dict(again) == repair.as_dict(fixed)
    other, _ = repair.repair(load(made)[0], reference, fixes)
    assert nbformat.writes(other) == nbformat.writes(fixed)


def test_reports_speak_plainly(catalogues):
    lesson = LESSONS[0]
    reports = {name: repair.repair(load(made)[0], released(lesson))[1]
               for name, (_, made) in catalogues[lesson].items()}
    test = f"test_{damage.Lesson(lesson, complete(lesson)).answers[0]}"
    assert any("split" in c and "joined" in c for c in reports["split_answer"].changes)
    assert any(f"`{test}` had been deleted" in c for c in reports["delete_test"].changes)
    assert any("appeared 2 times" in c for c in reports["copy_test_below"].changes)
    assert any("Markdown cell; made it a code cell again" in c for c in reports["answer_to_markdown"].changes)
    assert any("another lesson" in c for c in reports["cells_from_another_lesson"].changes)
    assert any("new cell" in c for c in reports["answer_in_new_cell_below"].changes)
    assert any("merged" in c for c in reports["merge_answer_with_test"].changes)


def test_a_test_cell_the_student_edited_is_restored_and_their_version_kept(tmp_path):
    lesson = LESSONS[0]
    nb = complete(lesson)
    test = next(c for c in nb.cells if nbcells.is_autograded_test(c))
    original = test.source
    test.source += "\nprint('my extra check')"
    fixed, report = repair.repair(nb, released(lesson))
    graded = nbcells.cells_by_grade_id(fixed)[notebooks.grade_id(test)]
    assert graded.source == original
    kept = [c for c in fixed.cells if c.cell_type == "raw" and "my extra check" in c.source]
    assert kept and fixed.cells.index(kept[0]) == fixed.cells.index(graded) + 1
    assert any("raw (not run) cell" in c for c in report.changes)


def test_unreadable_notebook_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / f"{LESSONS[0]}.ipynb"
    path.write_text(subs.not_json())
    with pytest.raises(repair.RepairError):
        repair.read(path)
    assert cli.main(["repair", str(path)]) == 1


def test_repair_command_dry_run_then_write(tmp_path, capsys):
    lesson = LESSONS[0]
    folder = tmp_path / lesson
    folder.mkdir()
    path = folder / f"{lesson}.ipynb"
    _, made = damage.build(lesson, complete(lesson))["many_at_once"]
    path.write_bytes(damage.to_bytes(made))
    before = path.read_bytes()

    assert cli.main(["repair", str(path)]) == 0
    out = capsys.readouterr().out
    assert "to repair" in out and "--write" in out
    assert path.read_bytes() == before, "a dry run never writes"

    assert cli.main(["repair", str(path), "--write"]) == 0
    out = capsys.readouterr().out
    backup = folder / f"{lesson}.before-repair.ipynb"
    assert backup.read_bytes() == before and "kept in" in out
    assert cli.main(["repair", str(path), "--write"]) == 0
    assert "nothing to repair" in capsys.readouterr().out
    assert not (folder / f"{lesson}.before-repair-2.ipynb").exists()


# ---------------------------------------------------------------------------
# Through the grading command

def scored_content(nb):
    """What grading runs and scores: every code cell in order, and the nbgrader metadata of every
    graded cell (a written answer's text is graded by hand, so it does not count)."""
    return [(c.cell_type, c.source if c.cell_type == "code" else "", notebooks.nbgrader_meta(c))
            for c in nb.cells if c.cell_type == "code" or notebooks.grade_id(c)]


def repaired(lesson, made):
    nb, fixes = load(made)
    return repair.repair(nb, released(lesson), fixes)[0]


def student_of(name):
    return name.replace("_", "-")


@pytest.fixture(scope="module", params=GRADED)
def graded_catalogue(request, tmp_path_factory):
    """The whole catalogue of one lesson, submitted by one student per entry. An entry whose repair
    gives the undamaged submission's scored content (scored_content) must score what it scores, so
    it is only repaired here, as grading's sanitize step (repair.preprocessor) repairs it; every
    other entry is graded for real by `dlcourse grade`, beside the undamaged submission."""
    lesson = request.param
    course = subs.new_course(tmp_path_factory.mktemp(f"damage-{lesson}"))
    built = damage.build(lesson, complete(lesson))
    subs.submit(course, "undamaged", lesson, complete(lesson))
    for name, (_, made) in built.items():
        subs.submit(course, student_of(name), lesson, damage.to_bytes(made))
    originals = {name: damage.to_bytes(made) for name, (_, made) in built.items()}
    undamaged = scored_content(complete(lesson))
    alike = {name for name, (_, made) in built.items() if scored_content(repaired(lesson, made)) == undamaged}
    graded = ["undamaged", *(student_of(n) for n in built if n not in alike)]
    results = subs.grade(course, lesson, students=graded)
    told = {s: (r.repairs, r.repair_flags) for s, r in results.items()}
    for name in alike:
        nb, fixes = load(built[name][1])
        report = repair.repair(nb, released(lesson), fixes)[1]
        told[student_of(name)] = (report.changes, report.flags)
    return lesson, course, built, results, told, originals


@pytest.mark.slow
def test_every_damaged_submission_is_graded_as_if_undamaged(graded_catalogue):
    lesson, course, built, results, told, _ = graded_catalogue
    assert results["undamaged"].status == "graded" and not results["undamaged"].repairs
    full = subs.cell_scores(course, lesson, "undamaged")
    assert results["undamaged"].score == sum(subs.autograded_points(lesson).values())
    assert len(results) > 3, "some entries must go through grading for real"
    wrong = {}
    for name, (entry, _) in built.items():
        student = student_of(name)
        repairs, flags = told.get(student, ([], []))
        if student not in results:  # repaired as grading repairs it into the undamaged lesson (alike)
            pass
        elif results[student].status != "graded":
            wrong[name] = f"not graded: {results[student].message}"
        elif entry.outcome == "empty":
            if results[student].score != 0 or not flags:
                wrong[name] = f"expected 0 and a flag, got {results[student].score} {flags}"
            continue
        else:
            scores = subs.cell_scores(course, lesson, student)
            autograded = {gid: s for gid, s in scores.items() if gid in full and gid.startswith("test_")}
            if autograded != {gid: s for gid, s in full.items() if gid.startswith("test_")}:
                wrong[name] = f"cell scores {autograded}"
        if bool(flags) != (entry.outcome == "flagged"):
            wrong[name] = f"flags {flags}"
        if not repairs and not flags:
            wrong[name] = "no repair reported"
    assert not wrong, json.dumps(wrong, indent=1)


@pytest.mark.slow
def test_originals_are_kept_outside_the_submission(graded_catalogue):
    """Grading never changes a submission; the original of every repaired one is also kept, with what
    was changed, in <course>/repairs/<student>/<lesson>/."""
    lesson, course, built, results, told, originals = graded_catalogue
    for name in built:
        student = student_of(name)
        assert (course / "submitted" / student / lesson / f"{lesson}.ipynb").read_bytes() == originals[name]
        assert sorted(p.name for p in (course / "submitted" / student / lesson).iterdir()) == [f"{lesson}.ipynb"]
        if student not in results:
            continue
        record = course / "repairs" / student / lesson
        report = json.loads((record / "report.json").read_text())[f"{lesson}.ipynb"]
        assert (report["changes"], report["flags"]) == told[student]
        if report["changes"]:
            assert (record / f"{lesson}.ipynb").read_bytes() == originals[name]
        assert not list((course / "autograded" / student / lesson).glob("*.orig"))
    assert not (course / "repairs" / "undamaged").exists()


@pytest.mark.slow
def test_grading_again_keeps_the_record_and_the_original(graded_catalogue):
    """Grading again (here also a submission not graded before) repairs the same way and keeps the original."""
    lesson, course, built, results, told, originals = graded_catalogue
    again = subs.grade(course, lesson, students=["split-answer", "bare-split-mid-body", "undamaged"])
    for student, name in (("split-answer", "split_answer"), ("bare-split-mid-body", "bare_split_mid_body")):
        assert (again[student].repairs, again[student].repair_flags) == told[student]
        assert again[student].score == results["undamaged"].score
        assert (course / "repairs" / student / lesson / f"{lesson}.ipynb").read_bytes() == originals[name]
    assert not again["undamaged"].repairs


def test_grade_summary_lists_repairs_and_flags(capsys):
    from dlcourse.cli import instructor
    from dlcourse.grading import GradeResult
    results = [GradeResult("ann", "graded", 7, 7, repairs=["The test cell `test_step` had been deleted; put it back."]),
               GradeResult("ben", "graded", 7, 7, repair_flags=["The written answer `xor_answer` was missing."]),
               GradeResult("cy", "graded", 7, 7)]
    instructor._print_repairs(results)
    out = capsys.readouterr().out
    assert "ann: The test cell `test_step` had been deleted" in out
    assert "ben: FLAGGED: The written answer" in out
    assert "cy" not in out


def test_a_record_from_an_older_repair_in_place_keeps_its_original(tmp_path):
    """Older versions repaired submitted/ in place and kept the only copy of the original in repairs/:
    grading that (already repaired) submission again keeps the original and goes on reporting."""
    from dlcourse.repair import Report, records
    lesson = LESSONS[0]
    submitted = subs.submit(tmp_path, "ann", lesson, complete(lesson))
    folder = tmp_path / "repairs" / "ann" / lesson
    folder.mkdir(parents=True)
    (folder / submitted.name).write_bytes(b"the original, damaged")
    old = {submitted.name: {"original_sha256": "0" * 64, "repaired_sha256": records.sha256(submitted),
                            "changes": ["Joined a split cell."], "flags": []}}
    (folder / "report.json").write_text(json.dumps(old))
    records.keep(tmp_path, "ann", lesson, submitted, Report())
    assert (folder / submitted.name).read_bytes() == b"the original, damaged"
    assert records.recorded(tmp_path, lesson, "ann").changes == ["Joined a split cell."]
    # A new submission: the old record no longer applies, and a clean notebook needs none.
    subs.submit(tmp_path, "ann", lesson, released(lesson))
    assert records.recorded(tmp_path, lesson, "ann") is None
    records.keep(tmp_path, "ann", lesson, submitted, Report())
    assert not (folder / "report.json").exists()
    assert (folder / submitted.name).read_bytes() == b"the original, damaged", "an original is never deleted"
