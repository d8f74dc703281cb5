"""How fast a class is graded: plain `nbgrader autograde` against `dlcourse grade`, lesson by lesson.

    .venv/bin/python benchmarks/grading_speed.py                       # lessons 01, 07, 09; 4 submissions each
    .venv/bin/python benchmarks/grading_speed.py --students 24 --lessons 07-softmax-mnist
    .venv/bin/python benchmarks/grading_speed.py --workers 2 --json speed.json

For each lesson one set of submissions is built (every fourth with a catalogued wrong answer,
tests/mistakes/) and copied into two fresh course folders, then graded in the same run:

1. plain nbgrader: a course with nbgrader's defaults (no sandbox, no repair, one submission
   after another): `nbgrader generate_assignment`, then `nbgrader autograde`. Its only change
   from the defaults is dlcourse.headless's fix of nbclient's widget stall, so that a random
   minute-long stall does not count against it;
2. the course's command: `dlcourse grade LESSON` (generate_assignment, roster and deadlines
   included; sandboxed kernels; one worker per core unless --workers).

Both are timed as separate processes, as an instructor runs them. Both grade in fast mode
(nbgrader sets NBGRADER_EXECUTION; utils.fast_mode).

Printed per lesson: each wall time, time per submission, the speed-up, whether every score is
the same, and where a submission's time goes, from what the grader records: each cell's
execution timestamps (nbclient writes them into the autograded notebook's cell metadata), the
time nbgrader spent on the submission (dlcourse: GradeResult.seconds, shown in its progress line;
plain nbgrader: from the end of the previous submission's notebook, as it grades one after
another), and the autograded notebook's time of writing (the submission's end):

- before the first cell: interpreter, kernel start, reading and sanitizing the notebook;
- the notebook's own cells (the first cell, the imports, also shown alone);
- the rest: between cells (the checker's work on test cells) and after the last one (scores
  into the gradebook, the notebook written).

"Start-up share" is the time before the first cell over the submission's whole time, and in
brackets with the first cell too: plain nbgrader imports the lesson's libraries in the notebook's
first cell, while dlcourse's sandbox imports them before any student code (the checker's preload),
that is before the first cell. For reference, the student notebook is also run once alone
(nbclient, no grader).
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dlcourse import headless  # noqa: E402
from dlcourse.course import make_course, nbgrader_env  # noqa: E402
from dlcourse.paths import LESSONS_DIR, SOLUTIONS_DIR, lesson_notebook  # noqa: E402
from tests import submissions as subs  # noqa: E402
from tests.mistakes import catalogues  # noqa: E402

DEFAULT_LESSONS = ["01-perceptron", "07-softmax-mnist", "09-pytorch-mnist"]

PLAIN_CONFIG = """\
c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "benchmark"
c.CourseDirectory.source_directory = {source!r}
c.CourseDirectory.release_directory = {release!r}
c.Execute.timeout = 600
# nbclient's Output-widget stall (dlcourse/headless.py) would cost plain nbgrader a minute at random.
from dlcourse import headless
headless.quiet_nbgrader_execute()
"""
PROGRESS = re.compile(r"^\[\s*\d+/\d+\] (\S+): .* \(([\d.]+) s\)$", re.M)


def build_submissions(course, lesson, n):
    catalogue = catalogues().get(lesson)
    mistakes = list(catalogue.MISTAKES) if catalogue else []
    for i in range(n):
        replacement = {}
        if mistakes and i % 4 == 3:
            mistake = mistakes[(i // 4) % len(mistakes)]
            replacement = {mistake.function: mistake.source}
        subs.submit(course, f"student{i:03d}", lesson, subs.student_notebook(lesson, replacement))


def _epoch(stamp):
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def cell_times(notebook_path):
    """[(start, end)] of each executed code cell, in order (epoch seconds), from nbclient's timing metadata."""
    nb = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    spans = []
    for cell in nb["cells"]:
        timing = cell.get("metadata", {}).get("execution", {})
        if cell["cell_type"] == "code" and "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            spans.append((_epoch(timing["iopub.execute_input"]), _epoch(timing["shell.execute_reply"])))
    return spans


def breakdown(notebook_path, start, end):
    """Where one submission's time went, between `start` (nbgrader began it) and `end` (its notebook written)."""
    spans = cell_times(notebook_path)
    if not spans:
        return None
    cells = sum(b - a for a, b in spans)
    return {"total": end - start, "before_first_cell": spans[0][0] - start, "cells": cells,
            "first_cell": spans[0][1] - spans[0][0], "rest": (end - start) - (spans[0][0] - start) - cells}


def notebook_alone(lesson):
    """(seconds, cell seconds) of one run of the student notebook outside any grader."""
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.from_dict(subs.student_notebook(lesson))
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(LESSONS_DIR / lesson)}})
    headless.detach_output_widgets(client).execute()
    seconds = time.perf_counter() - start
    with tempfile.NamedTemporaryFile("w", suffix=".ipynb", delete=False) as f:
        nbformat.write(nb, f)
    cells = sum(b - a for a, b in cell_times(f.name))
    os.unlink(f.name)
    return seconds, cells


def _run(command, cwd, env):
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds, proc.stdout


def plain_nbgrader(course, lesson, students):
    (course / "nbgrader_config.py").write_text(PLAIN_CONFIG.format(
        root=str(course), source=str(SOLUTIONS_DIR), release=str(course / "release")))
    env = nbgrader_env()
    nbgrader = [sys.executable, "-m", "nbgrader"]
    generate, _ = _run(nbgrader + ["generate_assignment", lesson], course, env)
    began = time.time()
    autograde, _ = _run(nbgrader + ["autograde", lesson], course, env)
    # One submission after another: each begins when the previous one's notebook was written.
    ends = {s: _notebook(course, s, lesson).stat().st_mtime for s in students}
    order = sorted(students, key=lambda s: ends[s])
    parts, previous = {}, began
    for student in order:
        parts[student] = breakdown(_notebook(course, student, lesson), previous, ends[student])
        previous = ends[student]
    return {"generate": generate, "autograde": autograde, "wall": generate + autograde,
            "parts": parts, "first": order[0], "scores": _scores(course, lesson, students, f"sqlite:///{course}/gradebook.db",
                                                                  "benchmark")}


def course_command(course, lesson, students, workers):
    command = [sys.executable, "-m", "dlcourse", "grade", lesson, "--course", str(course)]
    if workers:
        command += ["--workers", str(workers)]
    wall, out = _run(command, REPO, nbgrader_env())
    seconds = {student: float(value) for student, value in PROGRESS.findall(out)}
    parts = {}
    for student in students:
        path = _notebook(course, student, lesson)
        if path.exists() and student in seconds:
            end = path.stat().st_mtime
            parts[student] = breakdown(path, end - seconds[student], end)
    from dlcourse.course import LoadedCourse
    loaded = LoadedCourse.load(course)
    return {"wall": wall, "parts": parts, "seconds": seconds,
            "scores": _scores(course, lesson, students, loaded.setting("db_url"), loaded.course_id)}


def _notebook(course, student, lesson):
    return lesson_notebook(lesson, Path(course, "autograded", student))


def _scores(course, lesson, students, db_url, course_id):
    from nbgrader.api import Gradebook, MissingEntry
    found = {}
    with Gradebook(db_url, course_id) as gb:
        for student in students:
            try:
                found[student] = gb.find_submission(lesson, student).score
            except MissingEntry:
                found[student] = None
    return found


def _median(parts, key):
    values = [p[key] for p in parts if p]
    return statistics.median(values) if values else float("nan")


def measure(lesson, n, workers, tmp):
    students = [f"student{i:03d}" for i in range(n)]
    plain_course = Path(tmp, lesson, "plain")
    plain_course.mkdir(parents=True)
    build_submissions(plain_course, lesson, n)
    ours_course = make_course(Path(tmp, lesson, "ours"))
    shutil.copytree(plain_course / "submitted", ours_course / "submitted")
    alone, alone_cells = notebook_alone(lesson)
    plain = plain_nbgrader(plain_course, lesson, students)
    ours = course_command(ours_course, lesson, students, workers)
    return {"lesson": lesson, "submissions": n, "workers": workers or os.cpu_count(), "cores": os.cpu_count(),
            "alone": alone, "alone_cells": alone_cells, "plain": plain, "ours": ours}


def report(m):
    n, plain, ours = m["submissions"], m["plain"], m["ours"]
    # The first submission of plain nbgrader also pays for nbgrader's own start: left out of its medians.
    plain_parts = [p for s, p in plain["parts"].items() if s != plain["first"]] or list(plain["parts"].values())
    ours_parts = list(ours["parts"].values())
    same = plain["scores"] == ours["scores"]
    print(f"\nlesson {m['lesson']}: {n} submissions, {m['cores']} cores, dlcourse with {m['workers']} worker(s)")
    print(f"  notebook alone (nbclient, no grader):  {m['alone']:6.1f} s, of which cells {m['alone_cells']:.1f} s")
    print(f"  plain nbgrader: generate_assignment {plain['generate']:5.1f} s + autograde {plain['autograde']:6.1f} s"
          f" = {plain['wall']:6.1f} s  ({plain['wall'] / n:.2f} s per submission)")
    print(f"  dlcourse grade (everything):                      {ours['wall']:6.1f} s  ({ours['wall'] / n:.2f} s per "
          f"submission)")
    print(f"  speed-up: {plain['wall'] / ours['wall']:.2f}x (autograde alone against dlcourse grade: "
          f"{plain['autograde'] / ours['wall']:.2f}x); same scores: {'yes' if same else 'NO'}")
    if not same:
        for student in sorted(plain["scores"]):
            if plain["scores"][student] != ours["scores"].get(student):
                print(f"    {student}: plain {plain['scores'][student]}, dlcourse {ours['scores'].get(student)}")
    print("  one submission, median s      total   before 1st cell   cells (1st cell)   rest   start-up share"
          " (with the 1st cell)")
    for name, parts in (("plain nbgrader", plain_parts), ("dlcourse grade", ours_parts)):
        total, before, first = (_median(parts, key) for key in ("total", "before_first_cell", "first_cell"))
        print(f"    {name:<24} {total:7.2f}   {before:13.2f}   {_median(parts, 'cells'):7.2f} "
              f"({first:5.2f})   {_median(parts, 'rest'):5.2f}   {before / total:10.0%} ({(before + first) / total:.0%})")
    cells = _median(ours_parts, "cells")
    print(f"  dlcourse: a submission takes {_median(ours_parts, 'total') / cells:.2f}x its cells' own time "
          f"(issue #14's target: 1.3x)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", nargs="+", default=DEFAULT_LESSONS, metavar="LESSON",
                        help="default: %(default)s")
    parser.add_argument("--students", type=int, default=4, help="submissions per lesson (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=None, help="dlcourse's workers (default: one per core)")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args(argv)
    os.environ.setdefault("DLCOURSE_FAST", "1")
    results = []
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        for lesson in args.lessons:
            results.append(measure(lesson, args.students, args.workers, tmp))
            report(results[-1])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
