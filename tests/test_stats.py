"""`dlcourse stats` (dlcourse/stats.py, statsplots.py) on a graded class of lesson 01 whose answers we know.

The class: two perfect submissions (one of them late), three that never update the bias
(test_perceptron_train fails), two whose step maps zero to 0 (test_step fails; their
perceptron_predict does not use step, so nothing else fails), one blank notebook (every test
fails), one that patches np.allclose inside a wrong perceptron_train (flagged for tampering; that test fails),
one broken file (cannot be graded) and one student on the roster who submitted nothing.
"""

import csv
import re
import types
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.colors import to_hex
from nbgrader.api import Gradebook

from dlcourse import cli, stats, statsplots
from dlcourse.settings import gradebook_url

from . import hostile
from . import submissions as subs
from .figures import HOOK
from .mistakes import lesson_01_perceptron as catalogue
from .test_plot_accessibility import figure_problems


def read_csv(path):
    """A CSV file written by write_csvs as (header, rows)."""
    with open(path, newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def read_tables(page_text):
    """{table id: (header, rows)} of a page written by `page` (the tests compare it with the CSV files)."""
    class Reader(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found, self.name, self.row, self.text = {}, None, None, None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.name = dict(attrs)["id"]
                self.found[self.name] = []
            elif tag == "tr" and self.name:
                self.row = []
            elif tag in ("td", "th") and self.row is not None:
                self.text = ""

        def handle_data(self, data):
            if self.text is not None:
                self.text += data

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.text is not None:
                self.row.append(self.text)
                self.text = None
            elif tag == "tr" and self.row is not None:
                self.found[self.name].append(self.row)
                self.row = None
            elif tag == "table":
                self.name = None

    reader = Reader()
    reader.feed(page_text)
    return {name: (rows[0], rows[1:]) for name, rows in reader.found.items()}

LESSON = "01-perceptron"
PERFECT = ("alice", "amy")
NO_BIAS = ("carol", "cate", "cody")
STEP_AT_ZERO = ("dan", "dora")
BLANK, FLAGGED, BROKEN, ABSENT, LATE = "bob", "gil", "erin", "frank", "amy"


def _answer(why):
    return next(m for m in [*catalogue.MISTAKES, *catalogue.CORRECT] if m.why == why).source


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = subs.new_course(tmp_path_factory.mktemp("stats"))
    step_wrong = {"step": _answer("z > 0: zero maps to 0"),
                  "perceptron_predict": _answer("written out in one expression")}
    for student in PERFECT:
        subs.submit(course, student, LESSON, subs.student_notebook(LESSON))
    for student in NO_BIAS:
        subs.submit(course, student, LESSON, subs.student_notebook(LESSON, {"perceptron_train": catalogue.NO_BIAS_UPDATE}))
    for student in STEP_AT_ZERO:
        subs.submit(course, student, LESSON, subs.student_notebook(LESSON, step_wrong))
    subs.submit(course, BLANK, LESSON, subs.blank_notebook(LESSON))
    tamper = next(h for h in hostile.CATALOGUE if h.student == "patch-inside-test")
    subs.submit(course, FLAGGED, LESSON, tamper.build(course))
    subs.submit(course, BROKEN, LESSON, subs.not_json())
    everyone = [*PERFECT, *NO_BIAS, *STEP_AT_ZERO, BLANK, FLAGGED, BROKEN, ABSENT]
    subs.write_roster(course, everyone)
    # A due date in nbgrader's gradebook, and amy's submission (the exchange's timestamp.txt) a day after it.
    due = datetime(2026, 12, 1, 12, 0)
    with Gradebook(gradebook_url(course)) as gb:
        gb.update_or_create_assignment(LESSON, duedate=due)
    (course / "submitted" / LATE / LESSON / "timestamp.txt").write_text(f"{due + timedelta(days=1)} UTC")
    (course / "submitted" / "alice" / LESSON / "timestamp.txt").write_text(f"{due - timedelta(hours=1)} UTC")
    subs.grade(course, LESSON, workers=2)
    return course, sorted(everyone)


@pytest.fixture(scope="module")
def dashboard(graded, tmp_path_factory):
    course, _ = graded
    out = tmp_path_factory.mktemp("dashboard")
    assert cli.main(["stats", LESSON, "--course", str(course), "--to", str(out)]) == 0
    return course, out


def test_counts_and_scores_are_the_planted_ones(graded):
    course, everyone = graded
    result = stats.collect(LESSON, course)
    assert [s.id for s in result.students] == everyone
    counts = {name: result.count(name) for name in
              ("submitted", "graded", "not graded", "no submission", "late", "flagged", "not isolated")}
    assert counts == {"submitted": 10, "graded": 9, "not graded": 1, "no submission": 1, "late": 1,
                      "flagged": 1, "not isolated": 0}
    by_id = {s.id: s for s in result.students}
    assert [s.id for s in result.students if s.late] == [LATE]
    assert [s.id for s in result.students if s.flagged] == [FLAGGED]
    assert by_id[FLAGGED].flags and all("tampering" in kind for kind in by_id[FLAGGED].flags), by_id[FLAGGED].flags
    assert (by_id[BROKEN].status, by_id[ABSENT].status) == ("not graded", "no submission")
    points = subs.autograded_points(LESSON)
    full = sum(points.values())
    expected = {**{s: full for s in PERFECT}, BLANK: 0,
                **{s: full - points["test_perceptron_train"] for s in (*NO_BIAS, FLAGGED)},
                **{s: full - points["test_step"] for s in STEP_AT_ZERO}}
    assert {s.id: s.score for s in result.students if s.status == "graded"} == expected
    assert sorted(result.scores) == sorted(expected.values())


def test_failure_rates_and_the_top_message_of_each_test(graded):
    course, _ = graded
    result = stats.collect(LESSON, course)
    tests = {t.grade_id: t for t in result.tests}
    assert list(tests) == list(subs.autograded_points(LESSON)), "every autograded test, in the notebook's order"
    failed = {"test_weighted_sum": {BLANK}, "test_step": {BLANK, *STEP_AT_ZERO},
              "test_perceptron_predict": {BLANK}, "test_perceptron_train": {BLANK, *NO_BIAS, FLAGGED}}
    for gid, students in failed.items():
        assert (tests[gid].graded, tests[gid].failed) == (9, len(students)), gid
        assert tests[gid].rate == pytest.approx(len(students) / 9)
    by_id = {s.id: s for s in result.students}
    for gid, students in failed.items():
        assert {s for s, st in by_id.items() if gid in st.failed} == students
    # The planted mistake's message is the most common one, the same for all who made it, numbers as N.
    # (gil's perceptron_train is the same bias-less one, with np.allclose patched inside.)
    for gid, planted in (("test_perceptron_train", (*NO_BIAS, FLAGGED)), ("test_step", STEP_AT_ZERO)):
        (top, n), *others = stats._ranked(tests[gid].messages)
        assert n == len(planted) and others and all(m == 1 for _, m in others), tests[gid].messages
        own = {stats.normalise(stats.cell_messages(course, LESSON, s)[gid]) for s in planted}
        assert own == {top}, "one message for one mistake"
        assert top.startswith("AssertionError: ") and not re.search(r"\d", top)
        assert "NotImplementedError" in dict(others), "the blank notebook's"
    assert dict(tests["test_weighted_sum"].messages) == {"NotImplementedError": 1}


def test_normalise_groups_messages_that_differ_only_in_numbers():
    assert stats.normalise("ValueError: shape (3, 4) vs (4,)") == stats.normalise("ValueError: shape (7, 2) vs (2,)")
    assert stats.normalise("expected 1.5e-3,   got -2") == "expected N, got N"
    assert stats.normalise("wrong  shape") != stats.normalise("wrong sign")
    assert stats.error_line([{"output_type": "stream", "name": "stderr", "text": "a\nRuntimeWarning: x\n"}]) == \
        "RuntimeWarning: x"
    assert stats.error_line([{"output_type": "error", "ename": "KeyError", "evalue": "'w'"}]) == "KeyError: 'w'"


def test_the_csv_files_hold_the_numbers_the_page_shows(dashboard, graded):
    course, out = dashboard
    shown = read_tables((out / "index.html").read_text(encoding="utf-8"))
    assert set(shown) == {"summary", "tests", "messages", "mistakes", "students"}
    for name, table in shown.items():
        assert read_csv(out / f"{name}.csv") == table, name
    assert stats.tables(stats.collect(LESSON, course)) == {n: (h, r) for n, (h, r) in shown.items()}
    summary = dict(shown["summary"][1])
    assert (summary["graded"], summary["late"], summary["flagged"], summary["not graded"]) == ("9", "1", "1", "1")
    assert summary["of which autograded"] == f"{sum(subs.autograded_points(LESSON).values()):g}"
    rates = {row[0]: row[4] for row in shown["tests"][1]}
    assert rates == {"test_weighted_sum": "11.1", "test_step": "33.3", "test_perceptron_predict": "11.1",
                     "test_perceptron_train": "55.6"}


def test_the_command_prints_the_summary(graded, tmp_path, capsys):
    course, _ = graded
    assert cli.main(["stats", LESSON, "--course", str(course), "--to", str(tmp_path)]) == 0
    said = capsys.readouterr().out
    assert "10 submitted of 11 students; 9 graded, 1 could not be graded, 1 without a submission" in said
    assert "Late: 1; flagged for review: 1" in said
    assert said.index("test_perceptron_train") < said.index("test_step") < said.index("test_weighted_sum")
    assert cli.main(["stats", "02-activations", "--course", str(course), "--to", str(tmp_path)]) == 1


def test_every_image_has_alt_text_and_a_file_beside_the_page(dashboard):
    _, out = dashboard
    page = (out / "index.html").read_text(encoding="utf-8")
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 3
    for tag in images:
        alt = re.search(r'alt="([^"]*)"', tag)
        assert alt and len(alt.group(1)) > 60, f"an image without a useful alt text: {tag[:80]}"
    assert "test_perceptron_train: 56% (5 of 9)" in page, "the alt text gives the numbers, not only the picture"
    for name in ("scores.png", "tests.png", "outcomes.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plots_pass_the_course_accessibility_checks_and_use_the_okabe_ito_palette(graded):
    """The same checks as every lesson's figures (tests/figures.py's hook, test_plot_accessibility's rules)."""
    course, _ = graded
    result = stats.collect(LESSON, course)
    original = FigureCanvasBase.print_figure
    namespace = {"get_ipython": lambda: types.SimpleNamespace(execution_count=1)}
    exec(HOOK, namespace)  # records every figure rendered from here on
    colours = []
    real_png = statsplots._png

    def recording_png(fig):
        colours.extend(to_hex(p.get_facecolor()).upper() for ax in fig.axes for p in ax.patches)
        return real_png(fig)

    try:
        statsplots._png = recording_png
        figures = statsplots.figures(result)
    finally:
        statsplots._png = real_png
        FigureCanvasBase.print_figure = original
    described = namespace["_dlc_figures"]
    assert len(described) == len(figures) == 3
    for figure in described:
        assert figure_problems(figure) == [], figure
    assert colours and set(colours) <= {c.upper() for c in statsplots.OKABE_ITO.values()}
    hatches = [h for _, _, h in statsplots.OUTCOMES]
    assert len(set(hatches)) == len(hatches), "outcome bars differ in hatching too, not only in colour"


def test_dashboards_and_exports_are_hidden_from_graded_kernels():
    """They name students and scores: a submission being graded must not read them. They live in a
    course folder, which a graded kernel sees as empty as a whole, whichever course is grading."""
    from dlcourse.paths import COURSE_DIR, SOLUTIONS_DIR
    from dlcourse.settings import hidden_paths
    elsewhere = COURSE_DIR.parent / "tests" / "artifacts" / "another-course"
    for course in (COURSE_DIR, elsewhere):
        hidden = hidden_paths(course, SOLUTIONS_DIR, course / "exchange")
        assert {str(COURSE_DIR.resolve()), str(course.resolve())} <= set(hidden), course
