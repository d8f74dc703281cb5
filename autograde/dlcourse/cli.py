"""The `dlcourse` command: the course's nbgrader workflow with safe defaults.

    dlcourse build [LESSON ...] [--check]   regenerate lessons/ from solutions/
    dlcourse grade LESSON [--student ID]    autograde submissions in the course folder
    dlcourse grade LESSON --only-new        ... only those new or changed since graded by the current tests
    dlcourse feedback LESSON                HTML feedback that never shows hidden tests
    dlcourse export [--to grades.csv]       every student's scores as CSV (--layout canvas|moodle for an LMS)
    dlcourse stats LESSON                   the class's results: score distribution, failing tests, messages
    dlcourse init DIR                       a new course folder for one class
    dlcourse student-bundle DIR             what students receive: no solutions, hidden tests or course state
    dlcourse workspace                      copy new lessons into work/ (yours)
    dlcourse lessons                        list the lessons
    dlcourse check NOTEBOOK ...             restart, run all, run the visible tests; exit 1 on failure
    dlcourse update NOTEBOOK | --all        take a corrected lesson into your notebook, keeping your answers
    dlcourse repair NOTEBOOK [--write]      repair a notebook whose cells were split, merged, copied, ...

Every command that works on a course takes --course DIR (default: course/, configured by autograde/).
"""

import argparse
import sys
from pathlib import Path

from . import build as build_mod
from . import deadlines, grading, merge, repair, sandbox, selfcheck, summary
from .course import NbgraderError, config_dir, make_course
from .paths import COURSE_DIR, COURSE_ID, LESSONS_DIR, lesson_ids
from .workspace import WORK_DIR, ensure_workspace


def _course(path):
    course = Path(path).resolve()
    if course == COURSE_DIR.resolve():
        course.mkdir(exist_ok=True)  # the default course's state folder, made on first use
    if not (config_dir(course) / "nbgrader_config.py").exists():
        raise SystemExit(f"dlcourse: {course} is not a course folder (no nbgrader_config.py). "
                         f"Create one with: dlcourse init {path}")
    return course


def cmd_build(args):
    unknown = sorted(set(args.lessons) - set(lesson_ids()))
    if unknown:
        raise ValueError(f"no such lesson: {', '.join(unknown)} (known: {', '.join(lesson_ids())})")
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
        note += "" if r.isolated else " [NOT ISOLATED]"
        note += summary.late_note(r)
        print(f"{r.student:<{width}}  {score:>13}  {r.status}{note}{': ' + r.message if r.message else ''}")
    failed = [r.student for r in results if r.status != "graded"]
    print(f"\n{len(results) - len(failed)} graded, {len(failed)} could not be graded"
          + (f": {', '.join(failed)}" if failed else "."))
    summary.print_late(results)
    exposed = [r.student for r in results if not r.isolated]
    if exposed:
        print(f"\nNOT ISOLATED: {len(exposed)} submission(s) ran without file-system isolation (--unsafe): "
              "their code could read other submissions and the instructor's files. Their export rows say so.")
    flagged = [r for r in results if r.flagged]
    if flagged:
        print("\nFlagged for review (what was found, and what it did to the score):")
        for r in flagged:
            for f in r.findings:
                if f.needs_review:
                    where = f"cell {f.cell}" + (f" ({f.grade_id})" if f.grade_id else "")
                    print(f"  {r.student}: {where}: {f.kind}: {f.detail} -> {f.effect}")


def _progress(result, done, total):
    score = f"{result.score:g}/{result.max_score:g}" if result.status == "graded" else result.status.upper()
    print(f"[{done:>{len(str(total))}}/{total}] {result.student}: {score} ({result.seconds:.1f} s)", flush=True)


def cmd_grade(args):
    course = _course(args.course)
    print(f"Grading {args.lesson} in {course} with {args.workers or 'one worker per core'}...", flush=True)
    missing = [layer for layer, active in sandbox.capabilities().items() if not active]
    if missing:
        print(f"Warning: grading without {', '.join(missing)}; see README (Grading safely).", flush=True)
    try:
        results = grading.grade(args.lesson, course, students=args.student, workers=args.workers,
                                on_progress=None if args.quiet else _progress, unsafe=args.unsafe,
                                only_new=args.only_new, on_plan=lambda plan: summary.print_plan(plan, args.lesson))
    except grading.IsolationUnavailable as err:
        print(f"dlcourse: {err}", file=sys.stderr)
        return 2
    if results or not args.only_new:
        _print_results(args.lesson, results)
    _print_repairs(results)
    summary.print_outdated(grading.outdated_scores(course, args.lesson), args.lesson)
    failed = any(r.status != "graded" for r in results)
    return 1 if (failed and args.strict) else 0


def cmd_feedback(args):
    where = Path(args.course).resolve() / "feedback"
    try:
        files = grading.feedback(args.lesson, _course(args.course), students=args.student)
    except grading.FeedbackLeak as leak:
        print(f"Wrote {len(leak.written)} feedback file(s) under {where}")
        print(f"dlcourse: {leak}", file=sys.stderr)
        return 1
    print(f"Wrote {len(files)} feedback file(s) under {where}")
    return 0


def cmd_export(args):
    if args.layout != "ours":
        return cmd_export_layout(args)
    out = grading.export(_course(args.course), args.to)
    rows = grading.read_export(out)
    print(f"Wrote {len(rows)} row(s) for {len({r['student_id'] for r in rows})} student(s) to {out}")
    return 0


def cmd_export_layout(args):
    from . import lms

    out, table = lms.export_layout(_course(args.course), args.layout, args.to)
    lessons = len(lms.lesson_columns(table))
    students = lms.student_rows(table)
    blank = sum(row[len(row) - lessons:].count("") for row in students)
    print(f"Wrote {len(students)} student(s) x {lessons} lesson(s) in the {args.layout} layout to {out}"
          + (f"; {blank} blank cell(s): submissions not graded (see `dlcourse export`)" if blank else ""))
    return 0


def cmd_stats(args):
    from . import stats

    return stats.main(args.lesson, _course(args.course), args.to, top=args.top)


def cmd_init(args):
    root = make_course(args.dir, release_dir=args.release, exchange_dir=args.exchange, course_id=args.course_id)
    deadlines.write_template(root)
    print(f"Course folder ready: {root}\nPut submissions in {root / 'submitted'}/<student>/<lesson>/ "
          f"and a roster in {root / 'students.csv'} (id,first_name,last_name,email).\n"
          f"Due dates and extensions go in {root / deadlines.DEADLINES_FILE}; the late penalty in "
          f"{root / 'nbgrader_config.py'} (c.LatePenalty).")
    return 0


def cmd_workspace(args):
    copied = ensure_workspace(args.dir)
    where = Path(args.dir).resolve()
    if copied:
        print(f"Copied {', '.join(copied)} to {where}: work there; lessons/ stays as released.")
    return 0


def cmd_student_bundle(args):
    from . import bundle  # only this command needs it (yaml, the sources)

    written = bundle.student_bundle(args.dir, force=args.force)
    where = Path(args.dir).expanduser().resolve()
    tops = sorted({rel.split("/")[0] for rel in written})
    print(f"Wrote the student bundle ({len(written)} files) to {where}: {', '.join(tops)}.\n"
          "No solutions, hidden tests, test suite or course state. Students start with `make lab` "
          "there (see its README.md).")
    return 0


def cmd_lessons(args):
    for lesson in lesson_ids():
        print(lesson)
    return 0


def _print_repairs(results):
    repaired = [r for r in results if r.repairs or r.repair_flags]
    if not repaired:
        return
    print("\nRepaired before grading (the originals are kept in the course's repairs/ folder):")
    for r in repaired:
        for change in r.repairs:
            print(f"  {r.student}: {change}")
        for flag in r.repair_flags:
            print(f"  {r.student}: FLAGGED: {flag}")


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
    g.add_argument("--only-new", action="store_true",
                   help="grade only submissions that are new or changed since their last score, or whose score "
                        "an older version of the lesson's tests made")
    g.add_argument("--unsafe", action="store_true",
                   help="grade even without file-system isolation (bubblewrap); every such result is marked "
                        "'not isolated' in the summary and the export")
    course_arg(g)
    g.set_defaults(func=cmd_grade)

    f = sub.add_parser("feedback", help="generate feedback HTML (hidden tests removed)")
    f.add_argument("lesson")
    f.add_argument("--student", action="append", help="only this student (repeatable)")
    course_arg(f)
    f.set_defaults(func=cmd_feedback)

    e = sub.add_parser("export", help="export grades as CSV")
    e.add_argument("--to", help="CSV file (default: <course>/grades.csv, or grades-LAYOUT.csv)")
    e.add_argument("--layout", choices=("ours", "canvas", "moodle"), default="ours",
                   help="ours: a row per lesson and student with status and review (default); canvas, moodle: "
                        "a row per student and a column per lesson, for that gradebook's CSV import")
    course_arg(e)
    e.set_defaults(func=cmd_export)

    st = sub.add_parser("stats", help="the class's results on one lesson: HTML with plots, and CSV")
    st.add_argument("lesson")
    st.add_argument("--to", help="folder for index.html, the plots and the CSV files "
                                 "(default: <course>/stats/LESSON)")
    st.add_argument("--top", type=int, default=3, help="failure messages shown per test (default: %(default)s)")
    course_arg(st)
    st.set_defaults(func=cmd_stats)

    i = sub.add_parser("init", help="create a course folder for one class")
    i.add_argument("dir")
    i.add_argument("--release", help=f"where student versions go (default: DIR/release; the repository uses {LESSONS_DIR})")
    i.add_argument("--exchange", help="nbgrader's exchange, shared with students on a server "
                                      "(default: $DLCOURSE_EXCHANGE, else DIR/exchange)")
    i.add_argument("--course-id", default=COURSE_ID, help="the course id students fetch from (default: %(default)s)")
    i.set_defaults(func=cmd_init)

    w = sub.add_parser("workspace", help="copy new lessons into your own work folder (never overwrites)")
    w.add_argument("--dir", default=str(WORK_DIR), help="default: %(default)s")
    w.set_defaults(func=cmd_workspace)

    sb = sub.add_parser("student-bundle", help="write what students receive (lessons, utils, data, the student "
                        "tools, a Makefile): no solutions, hidden tests or course state")
    sb.add_argument("dir", help="an empty or new folder")
    sb.add_argument("--force", action="store_true",
                    help="write into a non-empty folder: replace the bundle's own files there, keep the rest")
    sb.set_defaults(func=cmd_student_bundle)

    ls = sub.add_parser("lessons", help="list lesson ids")
    ls.set_defaults(func=cmd_lessons)

    ck = sub.add_parser("check", help="restart a notebook, run every cell and its visible tests; exit 1 on failure")
    ck.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    ck.add_argument("--lesson", help="the lesson it belongs to (default: from its name), to check its cells too")
    ck.add_argument("--timeout", type=int, help="seconds per cell (default: DLCOURSE_CELL_TIMEOUT or 60)")
    ck.set_defaults(func=cmd_check)

    up = sub.add_parser("update", help="merge the current version of a lesson into your notebook, keeping your answers")
    up.add_argument("notebook", nargs="?", help="your notebook, e.g. work/01-perceptron/01-perceptron.ipynb")
    up.add_argument("--all", action="store_true", help="update every lesson in your work folder")
    up.add_argument("--dir", default=str(WORK_DIR), help="work folder for --all (default: %(default)s)")
    up.add_argument("--lesson", help="the lesson (default: from the notebook's name)")
    up.add_argument("--from", dest="source", help="the new student version (default: lessons/LESSON/LESSON.ipynb)")
    up.add_argument("--dry-run", action="store_true", help="only say what would change")
    up.set_defaults(func=cmd_update)

    rp = sub.add_parser("repair", help="repair a notebook damaged by editing (split, merged, copied, deleted cells)")
    rp.add_argument("notebook")
    rp.add_argument("--lesson", help="the lesson (default: from the notebook's name)")
    rp.add_argument("--against", help="the lesson's student version to match (default: lessons/LESSON/LESSON.ipynb)")
    rp.add_argument("--write", action="store_true", help="save the repaired notebook (a backup is kept next to it)")
    rp.set_defaults(func=cmd_repair)
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
