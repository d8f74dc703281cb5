"""The instructor commands (init, build, grade, feedback, export, stats, student-bundle; listed in
dlcourse/cli/__init__.py): the sources in solutions/, the released lessons/, and a course folder.

The grader's modules are imported by the command that needs them, never at the top of this
module, so that building the parser (which a student's `dlcourse check` does too) loads nothing
of the grader.
"""

import argparse
import sys
from pathlib import Path

from ..course import config_dir, make_course
from ..paths import COURSE_DIR, COURSE_ID, LESSONS_DIR, lesson_ids


def _course(path):
    course = Path(path).resolve()
    if course == COURSE_DIR.resolve():
        course.mkdir(exist_ok=True)  # the default course's state folder, made on first use
    if not (config_dir(course) / "nbgrader_config.py").exists():
        raise SystemExit(f"dlcourse: {course} is not a course folder (no nbgrader_config.py). "
                         f"Create one with: dlcourse init {path}")
    return course


def _stops_on_leaks(command):
    """The command, with a leak of solutions or hidden tests (build.LeakError) reported as an error: exit 1."""
    def run(args):
        from ..build import LeakError
        try:
            return command(args)
        except LeakError as err:
            print(f"dlcourse: {err}", file=sys.stderr)
            return 1
    return run


def cmd_build(args):
    from .. import build

    unknown = sorted(set(args.lessons) - set(lesson_ids()))
    if unknown:
        raise ValueError(f"no such lesson: {', '.join(unknown)} (known: {', '.join(lesson_ids())})")
    if args.normalize:
        for path in build.normalize_sources(lessons=args.lessons):
            print(f"normalized {path}")
    bad = build.unnormalized_sources(lessons=args.lessons)
    if bad:
        print("These sources are not in canonical form (run `dlcourse build --normalize`):", *bad, sep="\n  ")
        return 1
    report = build.build(args.lessons, check=args.check)
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
    from .. import grading, summary

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


def _print_summary(course, lesson, results, only_new=False):
    """What `dlcourse grade` prints after grading (and `--summary` after a sharded run): the table,
    lateness, flags, diagnosed mistakes, repairs, and scores still made by an older version of the tests."""
    from .. import grading, summary

    if results or not only_new:
        _print_results(lesson, results)
    summary.print_diagnoses(results)
    _print_repairs(results)
    summary.print_outdated(grading.outdated_scores(course, lesson), lesson)


def cmd_grade(args):
    from .. import grading, sandbox, sharding, summary

    course = _course(args.course)
    if args.summary or args.prepare:
        given = [flag for flag, value in (("--student", args.student), ("--workers", args.workers),
                                          ("--only-new", args.only_new), ("--unsafe", args.unsafe)) if value]
        if given:
            print(f"dlcourse: {'--summary' if args.summary else '--prepare'} grades nothing; "
                  f"it takes no {', '.join(given)}", file=sys.stderr)
            return 2
    if args.summary:
        results = sharding.gather(course, args.lesson)
        _print_summary(course, args.lesson, results)
        late = sharding.unseen(course, args.lesson, grading.submitted_students(course, args.lesson))
        if late:
            print(f"\nNot graded by any shard (submitted after the shards started): {', '.join(late)}. "
                  f"Grade them with: dlcourse grade {args.lesson} --only-new")
        return 1 if (args.strict and any(r.status != "graded" for r in results)) else 0
    if args.prepare:
        marker = sharding.prepare(args.lesson, course)
        count = len(grading.submitted_students(course, args.lesson))
        print(f"Prepared {args.lesson} in {course} for sharded grading (tests {marker['tests_version']}, "
              f"{count} submission(s)). Now run `dlcourse grade {args.lesson} --shard I/N` for I = 0 .. N-1, "
              f"then `dlcourse grade {args.lesson} --summary`.", flush=True)
        return 0
    shard = args.shard
    part = f", shard {shard}" if shard else ""
    print(f"Grading {args.lesson} in {course}{part} with {args.workers or 'one worker per core'}...", flush=True)
    missing = [layer for layer, active in sandbox.capabilities().items() if not active]
    if missing:
        print(f"Warning: grading without {', '.join(missing)}; see README (Grading safely).", flush=True)
    seen = shard.part(grading.submitted_students(course, args.lesson)) if shard else []
    try:
        results = grading.grade(args.lesson, course, students=args.student, workers=args.workers,
                                on_progress=None if args.quiet else _progress, unsafe=args.unsafe,
                                only_new=args.only_new, on_plan=lambda plan: summary.print_plan(plan, args.lesson),
                                shard=shard)
    except grading.IsolationUnavailable as err:
        print(f"dlcourse: {err}", file=sys.stderr)
        return 2
    if shard is None:
        _print_summary(course, args.lesson, results, args.only_new)
    else:
        # This shard's part only; other shards' students may not be graded yet, so no word on outdated scores.
        if results or not args.only_new:
            _print_results(args.lesson, results)
        summary.print_diagnoses(results)
        _print_repairs(results)
        where = sharding.save(course, args.lesson, shard, results, seen)
        print(f"\nShard {shard}: {len(results)} result(s) in {where}; after every shard: "
              f"dlcourse grade {args.lesson} --summary")
    failed = any(r.status != "graded" for r in results)
    return 1 if (failed and args.strict) else 0


def cmd_feedback(args):
    from .. import grading

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
    from .. import grading

    out = grading.export(_course(args.course), args.to)
    rows = grading.read_export(out)
    print(f"Wrote {len(rows)} row(s) for {len({r['student_id'] for r in rows})} student(s) to {out}")
    return 0


def cmd_export_layout(args):
    from .. import lms

    out, table = lms.export_layout(_course(args.course), args.layout, args.to)
    lessons = len(lms.lesson_columns(table))
    students = lms.student_rows(table)
    blank = sum(row[len(row) - lessons:].count("") for row in students)
    print(f"Wrote {len(students)} student(s) x {lessons} lesson(s) in the {args.layout} layout to {out}"
          + (f"; {blank} blank cell(s): submissions not graded (see `dlcourse export`)" if blank else ""))
    return 0


def cmd_stats(args):
    from .. import stats

    return stats.main(args.lesson, _course(args.course), args.to, top=args.top)


def cmd_init(args):
    from .. import deadlines

    root = make_course(args.dir, release_dir=args.release, exchange_dir=args.exchange, course_id=args.course_id)
    deadlines.write_template(root)
    print(f"Course folder ready: {root}\nPut submissions in {root / 'submitted'}/<student>/<lesson>/ "
          f"and a roster in {root / 'students.csv'} (id,first_name,last_name,email).\n"
          f"Due dates and extensions go in {root / deadlines.DEADLINES_FILE}; the late penalty in "
          f"{root / 'nbgrader_config.py'} (c.LatePenalty).")
    return 0


def cmd_student_bundle(args):
    from .. import bundle

    written = bundle.student_bundle(args.dir, force=args.force)
    where = Path(args.dir).expanduser().resolve()
    tops = sorted({rel.split("/")[0] for rel in written})
    print(f"Wrote the student bundle ({len(written)} files) to {where}: {', '.join(tops)}.\n"
          "No solutions, hidden tests, test suite or course state. Students start with `make lab` "
          "there (see its README.md).")
    return 0


def _shard(text):
    """--shard I/N as a sharding.Shard; a wrong one is a usage error (exit 2) that says why."""
    from ..sharding import Shard
    try:
        return Shard.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_commands(sub):
    """Add the instructor commands to the subparsers `sub` (their description is their one-line summary)."""
    def course_arg(sp):
        sp.add_argument("--course", default=str(COURSE_DIR), help="course folder (default: %(default)s)")

    i = sub.add_parser("init", description="create a course folder for one class")
    i.add_argument("dir")
    i.add_argument("--release", help=f"where student versions go (default: DIR/release; the repository uses {LESSONS_DIR})")
    i.add_argument("--exchange", help="nbgrader's exchange, shared with students on a server "
                                      "(default: $DLCOURSE_EXCHANGE, else DIR/exchange)")
    i.add_argument("--course-id", default=COURSE_ID, help="the course id students fetch from (default: %(default)s)")
    i.set_defaults(func=cmd_init)

    b = sub.add_parser("build", description="regenerate lessons/ from solutions/")
    b.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    b.add_argument("--check", action="store_true", help="only report drift; exit 1 if lessons/ is out of date")
    b.add_argument("--normalize", action="store_true", help="first put solutions/ notebooks in canonical form")
    b.set_defaults(func=_stops_on_leaks(cmd_build))

    g = sub.add_parser("grade", description="autograde submissions")
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
    many = g.add_mutually_exclusive_group()
    many.add_argument("--prepare", action="store_true",
                      help="grading on many machines: do the once-per-lesson work (the student version, the tests, "
                           "the roster, the deadlines) and grade nothing; run once before the shards")
    many.add_argument("--shard", metavar="I/N",
                      type=_shard, help="grade only shard I of N (I = 0 .. N-1; a student's shard is sha256(id) mod N), "
                           "after --prepare, and save its results for --summary (docs/grading-at-scale.md)")
    many.add_argument("--summary", action="store_true",
                      help="after every shard: print the summary of all of them, as one run prints it")
    course_arg(g)
    g.set_defaults(func=cmd_grade)

    f = sub.add_parser("feedback", description="generate feedback HTML (hidden tests removed)")
    f.add_argument("lesson")
    f.add_argument("--student", action="append", help="only this student (repeatable)")
    course_arg(f)
    f.set_defaults(func=cmd_feedback)

    e = sub.add_parser("export", description="export grades as CSV")
    e.add_argument("--to", help="CSV file (default: <course>/grades.csv, or grades-LAYOUT.csv)")
    e.add_argument("--layout", choices=("ours", "canvas", "moodle"), default="ours",
                   help="ours: a row per lesson and student with status and review (default); canvas, moodle: "
                        "a row per student and a column per lesson, for that gradebook's CSV import")
    course_arg(e)
    e.set_defaults(func=cmd_export)

    st = sub.add_parser("stats", description="the class's results on one lesson: HTML with plots, and CSV")
    st.add_argument("lesson")
    st.add_argument("--to", help="folder for index.html, the plots and the CSV files "
                                 "(default: <course>/stats/LESSON)")
    st.add_argument("--top", type=int, default=3, help="failure messages shown per test (default: %(default)s)")
    course_arg(st)
    st.set_defaults(func=cmd_stats)

    sb = sub.add_parser("student-bundle", description="write what students receive (lessons, utils, data, the "
                        "student tools, a Makefile): no solutions, hidden tests or course state")
    sb.add_argument("dir", help="an empty or new folder")
    sb.add_argument("--force", action="store_true",
                    help="write into a non-empty folder: replace the bundle's own files there, keep the rest")
    sb.set_defaults(func=_stops_on_leaks(cmd_student_bundle))
