"""How fast a class is graded: plain `nbgrader autograde` against `dlcourse grade`.

    .venv/bin/python benchmarks/grading_speed.py [--lesson 01-perceptron] [--students 40] [--workers N]

Builds one set of submissions (every fourth one has a wrong answer), then
grades it twice from scratch:

1. plain nbgrader: a course folder with nbgrader's defaults (no sandbox), one
   `nbgrader autograde` run, submissions one after another;
2. the course's command: `dlcourse grade` (sandboxed kernels, parallel workers).

Prints both wall times, their ratio, the time per submission, and for
comparison the time the notebook takes to execute on its own (nbclient, no
grading), so the grading overhead is visible. Both runs use the fast mode
graders use (NBGRADER_EXECUTION is set by nbgrader itself).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dlcourse import grading, headless  # noqa: E402
from dlcourse.course import make_course, nbgrader_env  # noqa: E402
from dlcourse.paths import LESSONS_DIR, SOLUTIONS_DIR  # noqa: E402
from tests import submissions as subs  # noqa: E402
from tests.mistakes import catalogues  # noqa: E402

PLAIN_CONFIG = """\
c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "benchmark"
c.CourseDirectory.source_directory = {source!r}
c.CourseDirectory.release_directory = {release!r}
c.Execute.timeout = 60
"""


def build_submissions(course, lesson, n):
    catalogue = catalogues().get(lesson)
    mistakes = list(catalogue.MISTAKES) if catalogue else []
    for i in range(n):
        replacement = {}
        if mistakes and i % 4 == 3:
            mistake = mistakes[(i // 4) % len(mistakes)]
            replacement = {mistake.function: mistake.source}
        subs.submit(course, f"student{i:03d}", lesson, subs.student_notebook(lesson, replacement))


def notebook_alone(lesson, repeats=3):
    """Seconds to execute the student notebook once, outside any grader (median of a few runs)."""
    import nbformat
    from nbclient import NotebookClient
    times = []
    for _ in range(repeats):
        nb = nbformat.from_dict(subs.student_notebook(lesson))
        start = time.perf_counter()
        client = NotebookClient(nb, timeout=120, kernel_name="python3",
                                resources={"metadata": {"path": str(LESSONS_DIR / lesson)}})
        headless.detach_output_widgets(client).execute()  # as the grader runs it (dlcourse/headless.py)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def plain_nbgrader(tmp, lesson, n):
    course = Path(tmp) / "plain"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(PLAIN_CONFIG.format(
        root=str(course), source=str(SOLUTIONS_DIR), release=str(course / "release")))
    build_submissions(course, lesson, n)
    env = nbgrader_env({"NBGRADER_EXECUTION": "autograde"})
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", lesson], cwd=course, env=env,
                   check=True, capture_output=True)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", lesson], cwd=course, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
    return seconds


def course_command(tmp, lesson, n, workers):
    course = make_course(Path(tmp) / "ours")
    build_submissions(course, lesson, n)
    start = time.perf_counter()
    results = grading.grade(lesson, course, workers=workers)
    seconds = time.perf_counter() - start
    graded = sum(r.status == "graded" for r in results)
    return seconds, graded, results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lesson", default="01-perceptron")
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=None, help="default: one per core")
    args = parser.parse_args(argv)
    os.environ.setdefault("DLCOURSE_FAST", "1")

    alone = notebook_alone(args.lesson)
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        plain = plain_nbgrader(tmp, args.lesson, args.students)
        ours, graded, results = course_command(tmp, args.lesson, args.students, args.workers)
    cores = os.cpu_count()
    print(f"lesson {args.lesson}, {args.students} submissions, {cores} cores")
    print(f"  notebook alone (nbclient):          {alone:6.1f} s per run")
    print(f"  plain nbgrader autograde:           {plain:6.1f} s  ({plain / args.students:.2f} s per submission)")
    print(f"  dlcourse grade (sandbox, parallel): {ours:6.1f} s  ({ours / args.students:.2f} s per submission, "
          f"{graded} graded)")
    print(f"  speed-up: {plain / ours:.2f}x; per-submission time in a worker: "
          f"{statistics.median(r.seconds for r in results):.1f} s median vs {alone:.1f} s for the notebook alone")


if __name__ == "__main__":
    main()
