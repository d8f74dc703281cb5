"""What `dlcourse grade` prints about lateness, the tests' versions and diagnosed mistakes
(dlcourse/late.py, versions.py, utils/diagnosis)."""

from collections import defaultdict

from .records import GradeResult, Status, mistakes
from .versions import Outdated, Plan


def late_note(result: GradeResult) -> str:
    """", late by 1 d 2 h (with extension), penalty 1.4: 5.6 / 10" for a graded result ("" when nothing to say)."""
    lateness = result.lateness
    if result.status != Status.GRADED or lateness is None or lateness.due is None:
        return ""
    note = f", {lateness.describe()}"
    if lateness.penalty:
        note += f", penalty {lateness.penalty:g}: {max(0.0, result.score - lateness.penalty):g} / {result.max_score:g}"
    return note


def print_late(results: list[GradeResult]) -> None:
    """The late submissions, and those whose lateness cannot be told, after the table."""
    late = [r for r in results if r.status == Status.GRADED and r.lateness and r.lateness.seconds > 0]
    unknown = [r for r in results if r.status == Status.GRADED and r.lateness and r.lateness.unknown]
    if late:
        total = sum(r.lateness.penalty for r in late)
        print(f"\nLate: {len(late)} submission(s) ({', '.join(r.student for r in late)}); "
              f"penalties {total:g} point(s) in all (the policy: [penalty] in the course's deadlines.toml).")
    if unknown:
        print(f"\nNo timestamp: {', '.join(r.student for r in unknown)} placed by hand (no timestamp.txt), "
              "counted on time. If you know when one arrived, write it into submitted/<student>/<lesson>/"
              "timestamp.txt (e.g. 2026-10-09 23:59:00 UTC) and grade with --only-new.")


def _by_change(outdated: list[Outdated]) -> dict[str, list[str]]:
    """{"test_step: points 2 -> 3; ...": [students]} (or "no version recorded")."""
    groups = defaultdict(list)
    for entry in outdated:
        groups["; ".join(entry.changed) if entry.changed else "no version of the tests recorded"].append(entry.student)
    return groups


def print_plan(plan: Plan, lesson: str) -> None:
    """Before grading: scores made by an older version of the tests that are graded again, and what is skipped."""
    for change, students in _by_change(plan.outdated).items():
        print(f"Re-grading {len(students)} score(s) made by an older version of the tests ({change}): "
              f"{', '.join(students)}", flush=True)
    if plan.unchanged:
        print(f"Skipping {len(plan.unchanged)} submission(s) unchanged since graded by these tests "
              f"(--only-new): {', '.join(plan.unchanged)}", flush=True)
    if not plan.grade and plan.unchanged:
        print(f"Nothing new to grade in {lesson}.", flush=True)


def print_outdated(outdated: list[Outdated], lesson: str) -> None:
    """After grading: scores still made by an older version of the tests (students not graded this time)."""
    if not outdated:
        return
    print(f"\nWARNING: {len(outdated)} score(s) of {lesson} were made by an older version of its tests; "
          "they are out of date:")
    for change, students in _by_change(outdated).items():
        print(f"  {', '.join(students)} ({change})")
    print(f"Re-grade them with: dlcourse grade {lesson} --only-new")


def diagnosis_lines(results: list[GradeResult]) -> list[str]:
    """"  bob: mse: sum instead of mean (test_mse)" for every student whose failing hidden tests were
    diagnosed: the known mistakes their functions behave like, and the tests that found them."""
    lines = []
    for r in results:
        if not r.diagnoses:
            continue
        tests = defaultdict(list)
        for d in r.diagnoses:
            if d.grade_id and d.grade_id not in tests[d.mistake]:
                tests[d.mistake].append(d.grade_id)
        found = [f"{m} ({', '.join(tests[m])})" if tests[m] else m for m in mistakes(r.diagnoses)]
        lines.append(f"  {r.student}: {'; '.join(found)}")
    return lines


def print_diagnoses(results: list[GradeResult]) -> None:
    """After the table: the known mistakes that failing hidden tests were diagnosed with, per student."""
    lines = diagnosis_lines(results)
    if lines:
        print("\nDiagnosed mistakes (what a failing test's function behaves like; the student reads it under "
              "the test in the feedback):", *lines, sep="\n")
