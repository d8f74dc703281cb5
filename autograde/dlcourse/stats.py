"""`dlcourse stats LESSON`: how a class did on one lesson, for the instructor.

From a graded course folder it gathers, without changing anything:

- every student's outcome: the gradebook (nbgrader's Gradebook API) for scores and
  lateness, the course folders for the status the export uses (graded, not graded,
  no submission; export.submission_status), and the grading sandbox's report
  (dlcourse-grading.json) for flags and isolation;
- each autograded test cell's failure rate: a graded submission fails a test when the
  autograder gave it less than the cell's points;
- the most common failure messages per test: the error line of the failing cell's
  output in the autograded notebook (`AssertionError: wrong shape ...`), with
  numbers replaced by N so that "expected 3, got 4" and "expected 5, got 2" count
  as one message (a diagnosis under the message is left out: it is counted below);
- the most common diagnosed mistakes: the known mistakes (utils.diagnosis) that failing
  hidden tests found a student's functions behave like, from the sandbox's report, each
  counted once per student.

It prints a summary, and writes to <course>/stats/LESSON/ (or --to): index.html
(tables, and the plots as PNG with alt text, embedded so the page travels as one
file), the same PNG files beside it, and the same numbers as CSV: summary.csv,
tests.csv, messages.csv, mistakes.csv, students.csv.
"""

import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import grading
from .course import LoadedCourse
from .export import diagnosed_mistakes, review_flags, submission_status, write_atomically, write_csv_atomically
from .records import NOT_ISOLATED, Status

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
NO_ERROR = "(no error shown: output on stderr, or partial credit)"
NOT_RUN = "(the cell was not run)"
MAX_MESSAGE = 200


def normalise(message):
    """A failure message with its numbers replaced by N and white space collapsed, so that
    messages differing only in numbers count as one."""
    text = " ".join(NUMBER.sub("N", message).split())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 1] + "…"


def _without_diagnosis(value):
    """An error's message without the diagnosis lines the grader appended to it."""
    from utils.diagnosis import PREFIX
    return "\n".join(line for line in value.splitlines() if not line.startswith(PREFIX))


def error_line(outputs):
    """The message of a cell's error output ("Name: value"; a diagnosis under it left out), else the last
    line it wrote on stderr, else ''."""
    for out in outputs:
        if out.get("output_type") == "error":
            value = _without_diagnosis(str(out.get("evalue") or "")).strip()
            return f"{out.get('ename', 'Error')}: {value}" if value else str(out.get("ename", "Error"))
    stderr = "".join("".join(out.get("text", "")) for out in outputs
                     if out.get("output_type") == "stream" and out.get("name") == "stderr")
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def cell_messages(course, lesson, student):
    """{grade_id: error line} of the test cells in a student's autograded notebooks."""
    messages = {}
    for path in sorted(Path(course, "autograded", student, lesson).glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") and cell.get("cell_type") == "code" and meta.get("grade_id"):
                messages[meta["grade_id"]] = error_line(cell.get("outputs", []))
    return messages


@dataclass
class Student:
    id: str
    status: Status  # as in the export: graded, not graded, no submission
    score: float | None = None  # after any late penalty
    raw_score: float | None = None
    max_score: float | None = None
    seconds_late: float = 0.0
    flags: list[str] = field(default_factory=list)  # records.review_kinds: "not isolated" first
    failed: list[str] = field(default_factory=list)  # grade ids of failed autograded tests
    mistakes: list[str] = field(default_factory=list)  # diagnosed: "mse: sum instead of mean"

    @property
    def late(self) -> bool:
        return self.seconds_late > 0

    @property
    def flagged(self) -> bool:
        return any(kind != NOT_ISOLATED for kind in self.flags)

    @property
    def isolated(self) -> bool:
        return NOT_ISOLATED not in self.flags


@dataclass
class Test:
    grade_id: str
    points: float
    graded: int = 0
    failed: int = 0
    messages: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.failed / self.graded if self.graded else 0.0


@dataclass
class Stats:
    lesson: str
    max_score: float
    students: list[Student]  # sorted by id
    tests: list[Test]  # in the notebook's order

    def count(self, what: str) -> int:
        """How many students: 'submitted', 'graded', 'not graded', 'no submission', 'late', 'flagged',
        'not isolated'."""
        checks = {"submitted": lambda s: s.status != Status.NO_SUBMISSION, "late": lambda s: s.late,
                  "flagged": lambda s: s.flagged, "not isolated": lambda s: not s.isolated}
        check = checks.get(what, lambda s: s.status == what)
        return sum(1 for s in self.students if check(s))

    @property
    def scores(self) -> list[float]:
        return [s.score for s in self.students if s.status == Status.GRADED and s.score is not None]

    @property
    def mistakes(self) -> list[tuple[str, int]]:
        """[(mistake, students)] of the diagnosed mistakes of graded submissions, most common first
        (ties in alphabetical order); each student counts once per mistake."""
        return _ranked(Counter(m for s in self.students if s.status == Status.GRADED for m in set(s.mistakes)))

    def summary(self) -> list[tuple[str, object]]:
        """[(name, value)] of the counts and score statistics (summary.csv, the page's first table)."""
        scores = sorted(self.scores)
        rows = [(name, self.count(name)) for name in
                ("submitted", "graded", "not graded", "no submission", "late", "flagged", "not isolated")]
        rows.append(("students", len(self.students)))
        rows.append(("max score", _fmt(self.max_score)))
        rows.append(("of which autograded", _fmt(sum(t.points for t in self.tests))))  # the rest: graded by hand
        rows.append(("with a diagnosed mistake", sum(1 for s in self.students if s.status == Status.GRADED
                                                     and s.mistakes)))
        if scores:
            rows += [("mean score", _fmt(sum(scores) / len(scores))), ("median score", _fmt(_median(scores))),
                     ("lowest score", _fmt(scores[0])), ("highest score", _fmt(scores[-1]))]
        return rows


def _median(values):
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def _fmt(value):
    if value is None:
        return ""
    return f"{value:g}" if float(value) == round(float(value), 3) else f"{value:.3f}"


def collect(lesson: str, course) -> Stats:
    """The Stats of one lesson in a course folder (read only: nothing is written)."""
    from nbgrader.api import MissingEntry

    course = Path(course).resolve()
    roster = [s["id"] for s in grading.read_roster(course)]
    with LoadedCourse.load(course).gradebook() as gb:  # the course's configuration, loaded once
        try:
            assignment = gb.find_assignment(lesson)
        except MissingEntry:
            raise ValueError(f"{lesson} is not in the gradebook of {course}: grade it first "
                             f"(dlcourse grade {lesson} --course {course})") from None
        tests = [Test(cell.name, cell.max_score) for nb in assignment.notebooks for cell in nb.grade_cells
                 if cell.cell_type == "code"]
        max_score = assignment.max_score
        everyone = sorted(set(roster) | {s.id for s in gb.students} | set(grading.submitted_students(course, lesson)))
        students = []
        for sid in everyone:
            student = Student(sid, submission_status(course, lesson, sid), max_score=max_score)
            if student.status == Status.GRADED:
                try:
                    sub = gb.find_submission(lesson, sid)
                except MissingEntry:
                    student.status = Status.NOT_GRADED  # folders without a gradebook entry: not really graded
                else:
                    penalty = sub.late_submission_penalty or 0.0
                    student.raw_score = sub.score
                    student.score = max(0.0, sub.score - penalty)
                    student.seconds_late = sub.total_seconds_late or 0.0
                    scores = {g.name: (g.auto_score if g.auto_score is not None else g.score, g.max_score)
                              for nb in sub.notebooks for g in nb.grades}
                    student.failed = [t.grade_id for t in tests
                                      if t.grade_id in scores and (scores[t.grade_id][0] or 0) < scores[t.grade_id][1]]
                    student.mistakes = diagnosed_mistakes(course, lesson, sid)
            if student.status != Status.NO_SUBMISSION:
                student.flags = review_flags(course, lesson, sid, student.status)
            students.append(student)
    by_id = {t.grade_id: t for t in tests}
    for student in students:
        if student.status != Status.GRADED:
            continue
        messages = cell_messages(course, lesson, student.id) if student.failed else {}
        for test in tests:
            test.graded += 1
        for gid in student.failed:
            by_id[gid].failed += 1
            line = messages.get(gid)
            by_id[gid].messages[normalise(line) if line else (NO_ERROR if line == "" else NOT_RUN)] += 1
    return Stats(lesson, max_score, students, tests)


# ---- tables: the CSV files and the page show the same rows ----

def tables(stats, top=3):
    """{name: (header, rows)} of every table, as strings: what the CSV files and the page hold."""
    tests = [[t.grade_id, _fmt(t.points), str(t.graded), str(t.failed), f"{100 * t.rate:.1f}"] for t in stats.tests]
    messages = []
    for t in stats.tests:
        for rank, (message, n) in enumerate(_ranked(t.messages)[:top], 1):
            messages.append([t.grade_id, str(rank), message, str(n), f"{100 * n / t.failed:.1f}"])
    students = [[s.id, s.status, _fmt(s.score), _fmt(s.max_score) if s.status == Status.GRADED else "",
                 "yes" if s.late else "", "; ".join(s.flags), " ".join(s.failed), "; ".join(s.mistakes)]
                for s in stats.students]
    graded = stats.count("graded")
    mistakes = [[*m.split(": ", 1), str(n), f"{100 * n / graded:.1f}"] for m, n in stats.mistakes]
    return {
        "summary": (["measure", "value"], [[name, str(value)] for name, value in stats.summary()]),
        "tests": (["test", "points", "graded", "failed", "failure rate (%)"], tests),
        "messages": (["test", "rank", "message", "submissions", "share of failures (%)"], messages),
        "mistakes": (["function", "diagnosed mistake", "students", "share of graded submissions (%)"], mistakes),
        "students": (["student", "status", "score", "max score", "late", "flags", "failed tests",
                      "diagnosed mistakes"], students),
    }


def _ranked(counter):
    """Messages by count, most common first; ties in alphabetical order (a stable report)."""
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def write_csvs(folder, named_tables):
    paths = []
    for name, (header, rows) in named_tables.items():
        path = Path(folder, f"{name}.csv")
        write_csv_atomically(path, header, [dict(zip(header, row)) for row in rows])
        paths.append(path)
    return paths


CAPTIONS = {
    "summary": "The class at a glance",
    "tests": "Each autograded test: how many graded submissions failed it",
    "messages": "The most common failure messages of each test (numbers shown as N)",
    "mistakes": "The known mistakes failing tests diagnosed, most common first (what students read under the test)",
    "students": "Every student",
}


def _table_html(name, header, rows):
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>\n" for row in rows)
    return (f'<table id="{name}"><caption>{html.escape(CAPTIONS[name])}</caption>\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody></table>\n")


def page(stats, named_tables, figures):
    """The dashboard as one HTML page. figures: [(title, png bytes, alt text, file name)]."""
    import base64
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>{html.escape(stats.lesson)}: class results</title>\n<style>{STYLE}</style></head><body>\n"
             f"<h1>{html.escape(stats.lesson)}: class results</h1>\n",
             _table_html("summary", *named_tables["summary"])]
    for title, png, alt, name in figures:
        data = base64.b64encode(png).decode()
        parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'
                     f"<figcaption>{html.escape(title)} (also <a href=\"{name}\">{name}</a>)</figcaption></figure>\n")
    for name in ("tests", "messages", "mistakes", "students"):
        parts.append(_table_html(name, *named_tables[name]))
    parts.append("<p>The same numbers are in summary.csv, tests.csv, messages.csv, mistakes.csv and students.csv "
                 "beside this page.</p></body></html>\n")
    return "".join(parts)


STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#111}"
         "table{border-collapse:collapse;margin:1.5em 0}caption{font-weight:bold;text-align:left;padding:.3em 0}"
         "th,td{border:1px solid #888;padding:.25em .6em;text-align:left}img{max-width:100%}"
         "figure{margin:1.5em 0}")


def report_text(stats, top=3):
    """What `dlcourse stats` prints."""
    scores = stats.scores
    lines = [f"{stats.lesson}: {stats.count('submitted')} submitted of {len(stats.students)} students; "
             f"{stats.count('graded')} graded, {stats.count('not graded')} could not be graded, "
             f"{stats.count('no submission')} without a submission."]
    lines.append(f"Late: {stats.count('late')}; flagged for review: {stats.count('flagged')}; "
                 f"graded without isolation: {stats.count('not isolated')}.")
    if scores:
        lines.append(f"Scores (of {_fmt(stats.max_score)}): mean {_fmt(sum(scores) / len(scores))}, "
                     f"median {_fmt(_median(sorted(scores)))}, from {_fmt(min(scores))} to {_fmt(max(scores))}.")
    if stats.tests:
        width = max(len(t.grade_id) for t in stats.tests)
        lines.append("\nTests, most failed first:")
        for t in sorted(stats.tests, key=lambda t: (-t.rate, t.grade_id)):
            lines.append(f"  {t.grade_id:<{width}}  {100 * t.rate:5.1f}% failed ({t.failed} of {t.graded})")
            for message, n in _ranked(t.messages)[:top]:
                lines.append(f"  {'':<{width}}    {n} x {message}")
    if stats.mistakes:
        lines.append("\nDiagnosed mistakes, most common first (students whose failing tests behave like a known "
                     "mistake):")
        lines += [f"  {n} x {mistake}" for mistake, n in stats.mistakes]
    return "\n".join(lines)


def write(stats, folder, top=3):
    """Write index.html, the plots and the CSV files into `folder`; returns the page's path."""
    from . import statsplots

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    named = tables(stats, top)
    write_csvs(folder, named)
    figures = statsplots.figures(stats)
    for _, png, _, name in figures:
        write_atomically(folder / name, png)
    index = folder / "index.html"
    write_atomically(index, page(stats, named, figures).encode("utf-8"))
    return index


def main(lesson, course, to=None, top=3):
    """`dlcourse stats`: print the summary and write the dashboard; returns the exit status."""
    stats = collect(lesson, course)
    folder = Path(to) if to else Path(course) / "stats" / lesson
    index = write(stats, folder, top)
    print(report_text(stats, top))
    print(f"\nDashboard: {index.resolve()} (plots and CSV files beside it)")
    return 0
