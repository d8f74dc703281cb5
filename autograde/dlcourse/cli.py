"""The `dlcourse` command: the course's nbgrader workflow with safe defaults.

    dlcourse build [LESSON ...] [--check]   regenerate lessons/ from solutions/
    dlcourse grade LESSON [--student ID]    autograde submissions in the course folder
    dlcourse feedback LESSON                HTML feedback that never shows hidden tests
    dlcourse export [--to grades.csv]       every student's scores as CSV
    dlcourse init DIR                       a new course folder for one class
    dlcourse workspace                      copy new lessons into work/ (yours)
    dlcourse lessons                        list the lessons

Every command that works on a course takes --course DIR (default: autograde/).
"""

import argparse
import sys
from pathlib import Path

from . import build as build_mod
from . import grading
from .course import NbgraderError, make_course
from .paths import COURSE_DIR, LESSONS_DIR, lesson_ids
from .workspace import WORK_DIR, ensure_workspace


def _course(path):
    course = Path(path).resolve()
    if not (course / "nbgrader_config.py").exists():
        raise SystemExit(f"dlcourse: {course} is not a course folder (no nbgrader_config.py). "
                         f"Create one with: dlcourse init {path}")
    return course


def cmd_build(args):
    if args.normalize:
        for path in build_mod.normalize_sources(lessons=args.lessons):
            print(f"normalized {path}")
    bad = build_mod.unnormalized_sources(lessons=args.lessons)
    if bad:
        print("These sources are not in canonical form (run `dlcourse build --normalize`):", *bad, sep="\n  ")
        return 1
    report = build_mod.build(args.lessons, check=args.check)
    verb = "would change" if args.check else "updated"
    for rel in report.changed:
        print(f"{verb}: lessons/{rel}")
    for rel in report.removed:
        print(f"{'would remove' if args.check else 'removed'}: lessons/{rel}")
    if args.check and not report.clean:
        print("lessons/ is out of date: run `dlcourse build` and commit the result.")
        return 1
    if report.clean:
        print("lessons/ is up to date.")
    return 0


def _print_results(lesson, results):
    if not results:
        print(f"No submissions of {lesson} to grade.")
        return
    width = max(len(r.student) for r in results)
    print(f"\n{'student':<{width}}  {'score':>13}  status")
    for r in results:
        score = f"{r.score:g} / {r.max_score:g}" if r.status == "graded" else "-"
        note = " (written answers still to grade)" if r.needs_manual_grade else ""
        print(f"{r.student:<{width}}  {score:>13}  {r.status}{note}{': ' + r.message if r.message else ''}")
    failed = [r.student for r in results if r.status != "graded"]
    print(f"\n{len(results) - len(failed)} graded, {len(failed)} could not be graded"
          + (f": {', '.join(failed)}" if failed else "."))


def _progress(result, done, total):
    score = f"{result.score:g}/{result.max_score:g}" if result.status == "graded" else result.status.upper()
    print(f"[{done:>{len(str(total))}}/{total}] {result.student}: {score} ({result.seconds:.1f} s)", flush=True)


def cmd_grade(args):
    course = _course(args.course)
    print(f"Grading {args.lesson} in {course} with {args.workers or 'one worker per core'}...", flush=True)
    results = grading.grade(args.lesson, course, students=args.student, workers=args.workers,
                            on_progress=None if args.quiet else _progress)
    _print_results(args.lesson, results)
    failed = any(r.status != "graded" for r in results)
    return 1 if (failed and args.strict) else 0


def cmd_feedback(args):
    files = grading.feedback(args.lesson, _course(args.course), students=args.student)
    print(f"Wrote {len(files)} feedback file(s) under {Path(args.course).resolve() / 'feedback'}")
    return 0


def cmd_export(args):
    out = grading.export(_course(args.course), args.to)
    rows = grading.read_export(out)
    print(f"Wrote {len(rows)} row(s) for {len({r['student_id'] for r in rows})} student(s) to {out}")
    return 0


def cmd_init(args):
    root = make_course(args.dir, release_dir=args.release)
    print(f"Course folder ready: {root}\nPut submissions in {root / 'submitted'}/<student>/<lesson>/ "
          f"and a roster in {root / 'students.csv'} (id,first_name,last_name,email).")
    return 0


def cmd_workspace(args):
    copied = ensure_workspace(args.dir)
    where = Path(args.dir).resolve()
    if copied:
        print(f"Copied {', '.join(copied)} to {where}: work there; lessons/ stays as released.")
    return 0


def cmd_lessons(args):
    for lesson in lesson_ids():
        print(lesson)
    return 0


def parser():
    p = argparse.ArgumentParser(prog="dlcourse", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="regenerate lessons/ from solutions/")
    b.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    b.add_argument("--check", action="store_true", help="only report drift; exit 1 if lessons/ is out of date")
    b.add_argument("--normalize", action="store_true", help="first put solutions/ notebooks in canonical form")
    b.set_defaults(func=cmd_build)

    def course_arg(sp):
        sp.add_argument("--course", default=str(COURSE_DIR), help="course folder (default: %(default)s)")

    g = sub.add_parser("grade", help="autograde submissions")
    g.add_argument("lesson")
    g.add_argument("--student", action="append", help="grade only this student (repeatable)")
    g.add_argument("--strict", action="store_true", help="exit 1 if any submission could not be graded")
    g.add_argument("--workers", "-j", type=int, help="submissions graded at once (default: one per core)")
    g.add_argument("--quiet", "-q", action="store_true", help="no progress lines, only the summary")
    course_arg(g)
    g.set_defaults(func=cmd_grade)

    f = sub.add_parser("feedback", help="generate feedback HTML (hidden tests removed)")
    f.add_argument("lesson")
    f.add_argument("--student", action="append", help="only this student (repeatable)")
    course_arg(f)
    f.set_defaults(func=cmd_feedback)

    e = sub.add_parser("export", help="export grades as CSV")
    e.add_argument("--to", help="CSV file (default: <course>/grades.csv)")
    course_arg(e)
    e.set_defaults(func=cmd_export)

    i = sub.add_parser("init", help="create a course folder for one class")
    i.add_argument("dir")
    i.add_argument("--release", help=f"where student versions go (default: DIR/release; the repository uses {LESSONS_DIR})")
    i.set_defaults(func=cmd_init)

    w = sub.add_parser("workspace", help="copy new lessons into your own work folder (never overwrites)")
    w.add_argument("--dir", default=str(WORK_DIR), help="default: %(default)s")
    w.set_defaults(func=cmd_workspace)

    ls = sub.add_parser("lessons", help="list lesson ids")
    ls.set_defaults(func=cmd_lessons)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (NbgraderError, ValueError, build_mod.LeakError) as err:
        print(f"dlcourse: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
