"""Answer cells split by an editor that leaves the new cell bare, graded for real (tests/damage/).

The classic Notebook's Split Cell keeps the cell's metadata on the text after
the cursor and inserts the text before it as a new, bare cell above (IPython 2
and 3 did the opposite: the new cell below). A correct submission split that way
inside a docstring, in the middle of a body or just before `return` must get
every point, and the repair must say what it joined; a split whose halves both
run on their own (ambiguous) is joined, and flagged for the instructor.

Each lesson is graded through `dlcourse grade` with one submission per editor,
each holding all three splits on three different answers (and, where the lesson
has one, the ambiguous split in a submission of its own).
"""

import copy

import pytest


from . import damage
from . import submissions as subs
from .test_repair import complete
from . import nbcells

# Lessons of different shapes: plain functions (01, 03), many small ones (05), a class whose
# methods can be split apart (04, which also has an ambiguous split).
LESSONS = ["01-perceptron", "03-loss-and-gradient-descent", "04-backprop", "05-neural-network"]

WHERE = {"docstring": damage.docstring_offset, "body": damage.middle_offset, "return": damage.return_offset}


def split_everywhere(lesson, new_above):
    """A complete submission with three answers split bare: in the docstring, mid-body, before `return`.
    Returns (notebook, {grade id: where}); the answers are picked so each place exists in its function."""
    les = damage.Lesson(lesson, complete(lesson))
    nb = les.copy()
    chosen = {}
    for where, find in WHERE.items():
        gid = next(g for g in les.answers if g not in chosen and find(nb.cells[les.index(nb, g)].source))
        chosen[gid] = where
    for gid in sorted(chosen, key=lambda g: -les.index(nb, g)):  # from the bottom, so indices stay put
        i = les.index(nb, gid)
        damage.split_bare(nb, i, WHERE[chosen[gid]](nb.cells[i].source), new_above)
    return nb, chosen


def ambiguous(lesson):
    """The catalogue's ambiguous split, or None where the lesson has no such place."""
    made = dict(damage.build(lesson, complete(lesson))).get("bare_split_ambiguous")
    return None if made is None else made[1]


@pytest.fixture(scope="module", params=LESSONS)
def graded(request, tmp_path_factory):
    lesson = request.param
    course = subs.new_course(tmp_path_factory.mktemp(f"split-{lesson}"))
    above, chosen_above = split_everywhere(lesson, new_above=True)
    below, chosen_below = split_everywhere(lesson, new_above=False)
    subs.submit(course, "classic", lesson, above)
    subs.submit(course, "ipython", lesson, below)
    students = ["classic", "ipython"]
    if ambiguous(lesson) is not None:
        subs.submit(course, "ambiguous", lesson, damage.to_bytes(ambiguous(lesson)))
        students.append("ambiguous")
    results = subs.grade(course, lesson, students=students)
    return lesson, course, results, {"classic": chosen_above, "ipython": chosen_below}


def test_the_splits_really_break_the_cells():
    """Each half alone is not the answer: without the repair these submissions lose points."""
    for lesson in LESSONS:
        for new_above in (True, False):
            nb, chosen = split_everywhere(lesson, new_above)
            assert len(chosen) == 3
            answers = nbcells.cells_by_grade_id(complete(lesson))
            for gid in chosen:
                cell = nbcells.cells_by_grade_id(nb)[gid]
                assert cell.source != answers[gid].source
                bare = nb.cells[nb.cells.index(cell) + (-1 if new_above else 1)]
                assert not bare.metadata.get("nbgrader")
                halves = (bare.source + cell.source) if new_above else (cell.source + bare.source)
                assert halves == answers[gid].source
    assert any(ambiguous(lesson) is not None for lesson in LESSONS), "no lesson here has an ambiguous split"


@pytest.mark.slow
def test_split_answers_keep_every_point_and_the_repair_says_so(graded):
    lesson, course, results, chosen = graded
    full = sum(subs.autograded_points(lesson).values())
    for student in ("classic", "ipython"):
        result = results[student]
        assert result.status == "graded", result.message
        scores = subs.cell_scores(course, lesson, student)
        lost = {gid: s for gid, s in scores.items() if gid.startswith("test_") and s[0] != s[1]}
        assert not lost and result.score == full, f"{student}: {result.score}/{full}, lost {lost}"
        assert not result.repair_flags, result.repair_flags
        for gid in chosen[student]:
            assert any(f"`{gid}`" in change and "joined" in change for change in result.repairs), \
                f"{student}: the repair of `{gid}` was not reported: {result.repairs}"


@pytest.mark.slow
def test_an_ambiguous_split_is_joined_and_flagged(graded):
    lesson, course, results, _ = graded
    if "ambiguous" not in results:
        pytest.skip(f"{lesson} has no place where both halves of a split run on their own")
    result = results["ambiguous"]
    assert result.status == "graded", result.message
    assert result.score == sum(subs.autograded_points(lesson).values())
    assert any("both halves also run" in flag for flag in result.repair_flags), result.repair_flags
    # The other reading (the halves left apart) is kept for the instructor, and graded too: both scores show.
    other = course / "repairs" / "ambiguous" / lesson / f"{lesson}.other-reading.ipynb"
    assert any(str(other) in flag for flag in result.repair_flags), result.repair_flags
    subs.submit(course, "ambiguous-other", lesson, other.read_bytes())
    apart = subs.grade(course, lesson, students=["ambiguous-other"])["ambiguous-other"]
    assert apart.status == "graded" and not apart.repairs and not apart.repair_flags
    assert apart.score < result.score, "left apart, the split class lacks a method its tests use"
    graded_apart = [flag for flag in result.repair_flags if flag.startswith("Graded apart as submitted")]
    assert graded_apart == [f"Graded apart as submitted, the other reading {other.name} scores {apart.score:g} of "
                            f"{apart.max_score:g}; joined, as recorded, it scores {result.score:g}. Change the grade "
                            "by hand if that reading was meant."], result.repair_flags
    assert subs.read_scores(course, lesson, ["ambiguous"])["ambiguous"][0] == result.score, "the joined score stands"


def test_a_cell_of_the_students_own_next_to_an_answer_is_not_joined():
    """A complete function with the student's own code below (or above) it stays two cells."""
    from dlcourse import repair
    lesson = LESSONS[0]
    les = damage.Lesson(lesson, complete(lesson))
    nb = les.copy()
    gid = les.answers[0]
    i = les.index(nb, gid)
    nb.cells.insert(i + 1, damage.new_code_cell(f"print({gid})\nfor _k in range(2):\n    print(_k)", "own-below"))
    nb.cells.insert(i, damage.new_code_cell("_scratch = 3", "own-above"))
    fixed, report = repair.repair(copy.deepcopy(nb), subs.blank_notebook(lesson))
    assert not report.changes and not report.flags, (report.changes, report.flags)


@pytest.mark.slow
def test_plain_nbgrader_autograde_repairs_as_dlcourse_grade(tmp_path):
    """The repair is a step of nbgrader's autograde (RepairCells), so `nbgrader autograde` run by hand (as
    the Formgrader runs it) repairs a damaged submission exactly as `dlcourse grade` does: same score,
    cell by cell, same report, the original kept, the submission untouched."""
    from dlcourse import grading, repair
    from dlcourse.course import run_nbgrader
    lesson = LESSONS[0]
    course = subs.new_course(tmp_path)
    split, _ = split_everywhere(lesson, new_above=True)
    files = {"split": damage.to_bytes(split),
             "many": damage.to_bytes(damage.build(lesson, complete(lesson))["many_at_once"][1]),
             "empty": b""}
    for name, data in files.items():
        subs.submit(course, f"dl-{name}", lesson, data)
        subs.submit(course, f"nb-{name}", lesson, data)
    results = subs.grade(course, lesson, students=[f"dl-{name}" for name in files])
    run_nbgrader(course, "autograde", lesson, "--student=nb-*", "--force")
    full = sum(subs.autograded_points(lesson).values())
    assert results["dl-split"].score == full
    for name, data in files.items():
        dl, nb = f"dl-{name}", f"nb-{name}"
        assert subs.cell_scores(course, lesson, nb) == subs.cell_scores(course, lesson, dl), name
        by_hand = repair.recorded(course, lesson, nb)
        assert by_hand is not None and (by_hand.changes, by_hand.flags) == \
            (results[dl].repairs, results[dl].repair_flags), name
        assert (course / "submitted" / nb / lesson / f"{lesson}.ipynb").read_bytes() == data
        if by_hand.changes:
            assert (course / "repairs" / nb / lesson / f"{lesson}.ipynb").read_bytes() == data
    assert subs.read_scores(course, lesson, ["nb-empty"])["nb-empty"][0] == 0
    assert results["dl-empty"].repair_flags


def test_what_counts_as_a_split():
    """split_join, the rule: the joined text compiles and the graded definition runs across the cut;
    ambiguous when both halves also compile alone; tokens on both sides of a cut are not glued."""
    from dlcourse.repair import split_join
    f = frozenset({"f"})
    body = 'def f(x):\n    """Twice x."""\n    y = 2 * x\n    return y'
    for cut in (body.index("x.") , body.index("    y"), body.index("return"), body.index("y = ")):
        first, second = body[:cut], body[cut:]
        assert split_join(first, second, f) == (body, False), repr((first, second))
    # The cursor after the indentation of a last statement that is not a return: both halves run.
    loop = "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)"
    cut = loop.index("for")
    assert split_join(loop[:cut], loop[cut:], f) == (loop, True)
    # The student's own code beside a complete function: not a split.
    assert split_join(body, "print(f(2))", f) is None
    assert split_join(body + "\n", "for k in range(2):\n    print(f(k))", f) is None
    assert split_join("_scratch = 3", body, f) is None
    # A cut between two tokens: `y` and `print(...)` stay two statements, so no split.
    assert split_join(body, "print(y)", f) is None
    # Another function's code, or a cell that does not compile even joined, is not joined.
    assert split_join(body[:body.index("return")], "return y", frozenset({"g"})) is None
    assert split_join("%timeit f(2)", body, f) is None


def _preprocessor_course(tmp_path, lesson):
    """A course folder whose release holds the lesson, and RepairCells configured for it."""
    import shutil

    from dlcourse.course import load_config
    from dlcourse.paths import LESSONS_DIR, lesson_notebook
    from dlcourse.repair.preprocessor import RepairCells
    course = subs.new_course(tmp_path)
    (course / "release" / lesson).mkdir(parents=True)
    shutil.copy(lesson_notebook(lesson, LESSONS_DIR), course / "release" / lesson)
    resources = {"nbgrader": {"assignment": lesson, "student": "zoe", "notebook": lesson}}
    return course, RepairCells(config=load_config(course)), resources


def test_the_preprocessor_only_reads_and_never_stops_grading(tmp_path, monkeypatch):
    """RepairCells runs in the grader's process: it repairs without running a line of the student's code,
    and whatever goes wrong inside it leaves the submission as submitted, with a flag."""
    from dlcourse.repair import preprocessor
    from dlcourse.repair.preprocessor import REPORT_METADATA
    lesson = LESSONS[0]
    course, step, resources = _preprocessor_course(tmp_path, lesson)
    sentinel = tmp_path / "ran"
    nb, _ = split_everywhere(lesson, new_above=True)
    trap = f"open({str(sentinel)!r}, 'w').write('ran')\n"
    nb.cells.insert(3, damage.new_code_cell(trap, "trap"))
    for cell in nb.cells:
        if nbcells.is_answer_cell(cell) and cell.cell_type == "code":
            cell.source = cell.source.replace('"""', f'"""{trap}', 1) if '"""' in cell.source else cell.source
    subs.submit(course, "zoe", lesson, nb)
    repaired, _ = step.preprocess(copy.deepcopy(nb), resources)
    assert not sentinel.exists(), "the repair ran the student's code"
    report = repaired.metadata[REPORT_METADATA]
    assert report["changes"] and not report["flags"]
    assert (course / "repairs" / "zoe" / lesson / "report.json").exists()

    def broken(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")
    monkeypatch.setattr(preprocessor, "repair", broken)
    kept, _ = step.preprocess(copy.deepcopy(nb), resources)
    assert [c.source for c in kept.cells] == [c.source for c in nb.cells]
    assert any("automatic repair failed" in flag for flag in kept.metadata[REPORT_METADATA]["flags"])
    monkeypatch.undo()

    huge = copy.deepcopy(nb)
    huge.cells += [damage.new_code_cell(f"x{i} = {i}", f"many-{i}") for i in range(preprocessor.MAX_CELLS)]
    kept, _ = step.preprocess(copy.deepcopy(huge), resources)
    assert len(kept.cells) == len(huge.cells)
    assert any("more than" in flag for flag in kept.metadata[REPORT_METADATA]["flags"])
