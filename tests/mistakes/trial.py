"""Which test cells fail for each pretend submission, found quickly.

Grading a submission through nbgrader costs a kernel, the whole notebook and
the gradebook: seconds each, minutes for a catalogue. A test cell's score
only depends on whether it raises, so the catalogue is tried in one process
(trial_driver.py) on just the cells the tests need: the answers, the tests,
and the cells that define a name those read. Plots, widgets and demo training
are left out. tests/test_mistake_catalogue.py checks, on sample submissions,
that this gives exactly the scores nbgrader gives.
"""

import ast
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from dlcourse import notebooks
from dlcourse.paths import SOLUTIONS_DIR

from .. import submissions as subs
from ..submissions import reference_answers
from .. import nbcells

DRIVER = Path(__file__).with_name("trial_driver.py")
DIAGNOSED = "\n[diagnosed] "  # as trial_driver.DIAGNOSED (the driver runs as a script of its own)
CELL_TIMEOUT = 60  # seconds, as the grader's own limit for one cell


def names(source):
    """(names the code binds, names it reads), anywhere in the cell."""
    bound, read = set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, (ast.Store, ast.Del)) else read).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return bound, read


def needed_cells(source_nb, answers, tests=True):
    """[{grade_id, kind, source}] in notebook order: every answer cell (with `answers`,
    {grade_id: source}), every test cell (unless not `tests`), and each other code cell that
    binds a name a later needed cell reads."""
    cells = []
    for cell in source_nb.cells:
        if cell.cell_type != "code":
            continue
        gid = notebooks.grade_id(cell) or ""
        if gid in answers:
            cells.append({"grade_id": gid, "kind": "answer", "source": answers[gid]})
        elif nbcells.is_autograded_test(cell):
            if tests:
                cells.append({"grade_id": gid, "kind": "test", "source": cell.source})
        else:
            cells.append({"grade_id": "", "kind": "setup", "source": cell.source})
    wanted, kept = set(), []
    for cell in reversed(cells):
        bound, read = names(cell["source"])
        if cell["kind"] != "setup" or bound & wanted:
            kept.append(cell)
            wanted |= read
    return kept[::-1]


def run(lesson, batches, parallel=2):
    """Try each batch ({grade_id: answer source}) of `lesson`.

    Returns (reference, outcomes): {test_id: error or None} for the reference answers,
    and one such dict per batch. None means the test cell passed. A test cell that raised
    also carries the diagnosis a student would read (see diagnosed()).
    """
    folder = SOLUTIONS_DIR / lesson
    cells = needed_cells(notebooks.read(folder / f"{lesson}.ipynb"), reference_answers(lesson))
    return run_cells(cells, batches, folder, parallel=parallel, diagnose=lesson)


def try_catalogue(lesson, module):
    """(planner, batches, reference, outcomes): a lesson's whole catalogue packed into pretend
    submissions (plan.py) and tried; outcomes as run() gives them, one per batch."""
    from .plan import pack_catalogue, sources
    planner, batches = pack_catalogue(module)
    reference, outcomes = run(lesson, [sources(b) for b in batches])
    return planner, batches, reference, outcomes


def diagnosed(error):
    """[(function, why)] the diagnosis named under a failing test (its error from run())."""
    if not error or DIAGNOSED not in error:
        return []
    return [tuple(pair) for pair in json.loads(error.split(DIAGNOSED, 1)[1])]


def run_cells(cells, batches, cwd, *, parallel=2, cell_timeout=CELL_TIMEOUT, tests=None, diagnose=None):
    """run() for cells given as needed_cells() gives them, run in the folder cwd.

    tests: None, or per batch a list of test ids (or None): the only test cells that batch
    runs, and it runs no cell after the last of them; the others are absent from its outcome."""
    spec = {"cells": cells, "batches": batches, "cell_timeout": cell_timeout, "parallel": parallel,
            "tests": tests, "diagnose": diagnose}
    env = {**os.environ, "NBGRADER_EXECUTION": "autograde", "MPLBACKEND": "Agg",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory(prefix="dlcourse-trial-") as scratch:
        spec_path, result_path = os.path.join(scratch, "spec.json"), os.path.join(scratch, "result.json")
        with open(spec_path, "w") as f:
            json.dump(spec, f)
        done = subprocess.run([sys.executable, str(DRIVER), spec_path, result_path], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=min(cell_timeout * len(cells) * (len(batches) + 1), 6 * 3600))
        if done.returncode or not os.path.exists(result_path):
            raise RuntimeError(f"the trial process failed ({done.returncode}) in {cwd}:\n{done.stderr[-3000:]}")
        with open(result_path) as f:
            result = json.load(f)
    return result["reference"], result["batches"]


def failing(outcome):
    """The test cells that failed in one outcome ({test_id: error or None})."""
    return {test for test, error in outcome.items() if error}


def graded_by_nbgrader(course, lesson, batches, workers=None, results_out=None):
    """The same question answered by the real pipeline: each batch submitted by its own student
    in `course` and graded by `dlcourse grade`. Returns, per batch, the set of test cells that
    lost points, or a message saying why the submission was not graded. `results_out`, a list,
    receives each batch's GradeResult (what the sandbox reported, say)."""
    students = [f"entry-{i:03d}" for i in range(len(batches))]
    for student, batch in zip(students, batches):
        subs.submit(course, student, lesson, subs.student_notebook(lesson, batch))
    results = subs.grade(course, lesson, workers=workers)
    autograded = subs.autograded_points(lesson)
    found = []
    for student in students:
        if results_out is not None:
            results_out.append(results[student])
        if results[student].status != "graded":
            found.append(f"{student} not graded: {results[student].message}")
            continue
        scores = subs.cell_scores(course, lesson, student)
        found.append({test for test in autograded if scores[test][0] < scores[test][1]})
    return found
