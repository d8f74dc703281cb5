"""A whole class from collected submissions to an LMS-ready CSV and a dashboard, timed.

    .venv/bin/python benchmarks/class_to_lms.py [--lesson 01-perceptron] [--students 200] [--workers N]

Makes a course folder (`dlcourse init`), a roster, a `deadlines.toml` with a due date,
one extension and a per-day penalty, and N submissions as `nbgrader collect` leaves
them (each with its `timestamp.txt`; every tenth one late, every fourth one with a
catalogued mistake). Then runs the documented sequence, each step as the instructor
types it, and prints the wall time of each:

    dlcourse grade LESSON --course C
    dlcourse feedback LESSON --course C
    dlcourse stats LESSON --course C
    dlcourse export --course C --layout canvas

and checks the results add up: every student graded, one CSV row per student, the
late ones marked late.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests import submissions as subs  # noqa: E402
from tests.mistakes import catalogues  # noqa: E402

DUE = "2026-10-09 23:59"
ON_TIME = "2026-10-09 20:00:00.000000 UTC"
LATE = "2026-10-11 09:00:00.000000 UTC"  # 1 day 9 hours late: two started days


def deadlines(lesson):
    return (f'[due]\n"{lesson}" = "{DUE}"\n\n'
            f'[extensions.student001]\n"{lesson}" = "48h"\n\n'
            '[penalty]\nmethod = "per_day"\npercent_per_day = 10\n')


def build_class(course, lesson, n):
    """n submissions with timestamps; returns the ids of those submitted late without an extension."""
    mistakes = list(getattr(catalogues().get(lesson), "MISTAKES", []))
    late = []
    students = [f"student{i:03d}" for i in range(n)]
    for i, student in enumerate(students):
        replacement = {}
        if mistakes and i % 4 == 3:
            mistake = mistakes[(i // 4) % len(mistakes)]
            replacement = {mistake.function: mistake.source}
        path = subs.submit(course, student, lesson, subs.student_notebook(lesson, replacement))
        is_late = i % 10 == 1
        (path.parent / "timestamp.txt").write_text(LATE if is_late else ON_TIME)
        if is_late and student != "student001":
            late.append(student)
    subs.write_roster(course, students)
    (course / "deadlines.toml").write_text(deadlines(lesson))
    return students, late


def timed(step, command, env):
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        raise SystemExit(f"{step} failed with status {proc.returncode}")
    return seconds, proc.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lesson", default="01-perceptron")
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--workers", type=int, default=None, help="default: one per core")
    args = parser.parse_args(argv)

    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    dlcourse = [str(bin_dir / "dlcourse")]
    with tempfile.TemporaryDirectory(prefix="class-to-lms-") as tmp:
        course = Path(tmp) / "class"
        subprocess.run(dlcourse + ["init", str(course)], env=env, check=True, capture_output=True)
        students, late = build_class(course, args.lesson, args.students)
        jobs = ["-j", str(args.workers)] if args.workers else []
        steps = [
            ("grade", dlcourse + ["grade", args.lesson, "--course", str(course)] + jobs),
            ("feedback", dlcourse + ["feedback", args.lesson, "--course", str(course)]),
            ("stats", dlcourse + ["stats", args.lesson, "--course", str(course)]),
            ("export (Canvas)", dlcourse + ["export", "--course", str(course), "--layout", "canvas"]),
        ]
        times = {}
        for step, command in steps:
            times[step], _ = timed(step, command, env)

        with open(course / "grades-canvas.csv", newline="", encoding="utf-8") as f:
            canvas = list(csv.DictReader(f))
        rows = [r for r in canvas if "Points Possible" not in r["Student"]]
        assert len(rows) == len(students), f"{len(rows)} Canvas rows for {len(students)} students"
        with open(course / "stats" / args.lesson / "summary.csv", newline="", encoding="utf-8") as f:
            summary = {r["measure"]: r["value"] for r in csv.DictReader(f)}
        dashboard = course / "stats" / args.lesson / "index.html"
        assert dashboard.is_file(), "no dashboard"

    total = sum(times.values())
    print(f"lesson {args.lesson}: {len(students)} submissions ({len(late)} late, 1 with an extension), "
          f"{os.cpu_count()} cores")
    for step, seconds in times.items():
        print(f"  {step:16s} {seconds:7.1f} s")
    print(f"  {'total':16s} {total:7.1f} s  ({total / len(students):.2f} s per submission)")
    if summary:
        print("  dashboard summary: " + ", ".join(f"{k} {v}" for k, v in summary.items()))


if __name__ == "__main__":
    main()
