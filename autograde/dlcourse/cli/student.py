"""The student commands (check, update, repair, workspace, lessons; listed in dlcourse/cli/__init__.py):
a student's own notebooks, in work/, against the released lessons/.

None of them needs a course folder, the instructor sources or the grader: this module imports
nothing of grading, sandboxing, statistics, exports or deadlines (tests/test_cli_groups.py runs
each command in a fresh interpreter and checks).
"""

import sys
from pathlib import Path

from .. import merge, repair, selfcheck
from ..paths import LESSONS_DIR, lesson_ids
from ..workspace import WORK_DIR, ensure_workspace


def _reference(notebook, lesson, given):
    """The released lesson notebook to compare a student's notebook with."""
    if given:
        return Path(given)
    lesson = lesson or selfcheck.guess_lesson(notebook)
    if not lesson:
        raise ValueError(f"cannot tell which lesson {notebook} is: name it with --lesson")
    path = LESSONS_DIR / lesson / f"{lesson}.ipynb"
    if not path.exists():
        raise ValueError(f"no released lesson {lesson} in {LESSONS_DIR}")
    return path


def _print_report(report, heading):
    if report.changes or report.conflicts or report.flags:
        print(heading)
    for change in report.changes:
        print(f"  - {change}")
    for conflict in report.conflicts:
        print(f"  ! CHANGED EXERCISE {conflict}")
    for flag in report.flags:
        print(f"  ! CHECK: {flag}")


def cmd_check(args):
    worst = 0
    for path in args.notebooks:
        try:
            result = selfcheck.check(path, lesson=args.lesson, timeout=args.timeout)
        except selfcheck.CheckError as err:
            print(f"dlcourse check: {err}", file=sys.stderr)
            worst = 2
            continue
        print(result.summary(), flush=True)
        if len(args.notebooks) > 1:
            print()
        worst = max(worst, 0 if result.ok else 1)
    return worst


def cmd_update(args):
    if args.all:
        results = merge.update_all(args.dir, write=not args.dry_run)
        if not results:
            print(f"No lessons to update in {Path(args.dir).resolve()} (run `make lab` first).")
        for lesson, (report, backup) in results.items():
            _report_update(lesson, report, backup, args.dry_run)
        return 0
    if not args.notebook:
        raise ValueError("name a notebook to update, or use --all")
    release = _reference(args.notebook, args.lesson, args.source)
    report, backup = merge.update_file(args.notebook, release, write=not args.dry_run)
    _report_update(args.notebook, report, backup, args.dry_run)
    return 0


def _report_update(name, report, backup, dry_run):
    if not (report.changes or report.conflicts or report.flags):
        print(f"{name}: already up to date.")
        return
    _print_report(report, f"{name}: {'would update' if dry_run else 'updated'}:")
    if backup:
        print(f"  Your notebook as it was is kept in {backup}.")
    if report.conflicts:
        print("  Exercises marked CHANGED EXERCISE have a note above your answer: read it, check your answer, "
              "then delete the note.")


def cmd_repair(args):
    reference = _reference(args.notebook, args.lesson, args.against)
    report, backup = repair.repair_file(args.notebook, reference, write=args.write)
    if not report.changes and not report.flags:
        print(f"{args.notebook}: nothing to repair.")
        return 0
    _print_report(report, f"{args.notebook}: {'repaired' if args.write and report.changes else 'to repair'}:")
    if backup:
        print(f"  The notebook as it was is kept in {backup}.")
    elif report.changes:
        print("  Nothing was saved: run again with --write to repair the file (a backup is kept).")
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


def add_commands(sub):
    """Add the student commands to the subparsers `sub` (their description is their one-line summary)."""
    ck = sub.add_parser("check", description="restart a notebook, run every cell and its visible tests; "
                        "exit 1 on failure")
    ck.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    ck.add_argument("--lesson", help="the lesson it belongs to (default: from its name), to check its cells too")
    ck.add_argument("--timeout", type=int, help="seconds per cell (default: DLCOURSE_CELL_TIMEOUT or 60)")
    ck.set_defaults(func=cmd_check)

    up = sub.add_parser("update", description="merge the current version of a lesson into your notebook, "
                        "keeping your answers")
    up.add_argument("notebook", nargs="?", help="your notebook, e.g. work/01-perceptron/01-perceptron.ipynb")
    up.add_argument("--all", action="store_true", help="update every lesson in your work folder")
    up.add_argument("--dir", default=str(WORK_DIR), help="work folder for --all (default: %(default)s)")
    up.add_argument("--lesson", help="the lesson (default: from the notebook's name)")
    up.add_argument("--from", dest="source", help="the new student version (default: lessons/LESSON/LESSON.ipynb)")
    up.add_argument("--dry-run", action="store_true", help="only say what would change")
    up.set_defaults(func=cmd_update)

    rp = sub.add_parser("repair", description="repair a notebook damaged by editing (split, merged, copied, "
                        "deleted cells)")
    rp.add_argument("notebook")
    rp.add_argument("--lesson", help="the lesson (default: from the notebook's name)")
    rp.add_argument("--against", help="the lesson's student version to match (default: lessons/LESSON/LESSON.ipynb)")
    rp.add_argument("--write", action="store_true", help="save the repaired notebook (a backup is kept next to it)")
    rp.set_defaults(func=cmd_repair)

    w = sub.add_parser("workspace", description="copy new lessons into your own work folder (never overwrites)")
    w.add_argument("--dir", default=str(WORK_DIR), help="default: %(default)s")
    w.set_defaults(func=cmd_workspace)

    ls = sub.add_parser("lessons", description="list lesson ids")
    ls.set_defaults(func=cmd_lessons)
