"""The instructor's side: in JupyterLab's Formgrader (`make instructor`), find an autograded
submission, give points to a written answer, and see the score land in the gradebook."""

import re

from playwright.sync_api import expect

from dlcourse import grading, notebooks
from dlcourse.paths import SOLUTIONS_DIR, lesson_notebook

from .. import submissions
from . import jlab

LESSON = "01-perceptron"
STUDENT = "ada"
PAGE_TIMEOUT_MS = 60_000
NEEDS_GRADE = re.compile(r"\bneeds_manual_grade\b")  # the Formgrader's mark on an ungraded score box


def written_answers(lesson):
    """[(grade_id, points)] of the lesson's written answers (graded by hand), in order."""
    source = notebooks.read(lesson_notebook(lesson, SOLUTIONS_DIR))
    return [(notebooks.grade_id(c), float(notebooks.nbgrader_meta(c)["points"])) for c in source.cells
            if c.cell_type == "markdown" and notebooks.nbgrader_meta(c).get("grade")
            and notebooks.nbgrader_meta(c).get("solution")]


def test_instructor_grades_a_written_answer_in_the_formgrader(instructor_lab, course, instructor_page, shots):
    lab, page = instructor_lab, instructor_page
    answers = written_answers(LESSON)
    assert answers, f"{LESSON} has no written answer to grade"
    grade_id, points = answers[0]
    written_max = sum(p for _, p in answers)

    # A submission, autograded the way `dlcourse grade` does it.
    submissions.submit(course, STUDENT, LESSON, submissions.student_notebook(LESSON, written=True))
    result = submissions.grade(course, LESSON)[STUDENT]
    assert result.status == "graded" and result.needs_manual_grade, result
    auto_score, max_score = result.score, result.max_score
    assert auto_score == max_score - written_max, "the reference code answers get every automatic point"

    # Nbgrader → Formgrader, in JupyterLab.
    jlab.open_lab(page, lab, page.workspace)
    jlab.menu(page, "Nbgrader", "Formgrader")
    grader = page.frame_locator("iframe[src*='formgrader']")
    grader.get_by_role("link", name="Manual Grading").click()
    grader.locator(f"table a[href$='/gradebook/{LESSON}']").click()  # the lesson
    grader.locator(f"table a[href$='/gradebook/{LESSON}/{LESSON}']").click()  # its notebook
    row = grader.locator("#main-table tr").first
    expect(row.locator("td.score")).to_have_text(f"{auto_score:g} / {max_score:g}", timeout=PAGE_TIMEOUT_MS)
    shots.page(page, "formgrader-submissions-before")

    # The submission, by the student's name.
    grader.locator("#toggle_names").click()
    grader.get_by_role("link", name=STUDENT, exact=True).click()
    score_box = grader.locator(f"input.score#{grade_id}")
    expect(score_box).to_have_class(NEEDS_GRADE, timeout=PAGE_TIMEOUT_MS)
    score_box.scroll_into_view_if_needed()
    with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT",
                              timeout=PAGE_TIMEOUT_MS) as saved:
        score_box.fill(f"{points:g}")
        score_box.press("Tab")  # the Formgrader saves a score when the box loses focus
    assert saved.value.ok, f"the Formgrader did not save the score: {saved.value.status}"
    expect(score_box).not_to_have_class(NEEDS_GRADE, timeout=PAGE_TIMEOUT_MS)
    shots.page(page, "formgrader-written-answer-graded")

    # Back to the list: the new total is in the gradebook.
    grader.locator(f"a[href$='/gradebook/{LESSON}/{LESSON}']").first.click()
    row = grader.locator("#main-table tr").first
    expect(row.locator("td.written-score")).to_have_text(f"{points:g} / {written_max:g}", timeout=PAGE_TIMEOUT_MS)
    expect(row.locator("td.score")).to_have_text(f"{auto_score + points:g} / {max_score:g}")
    shots.page(page, "formgrader-submissions-after")

    # And in the gradebook itself, as `dlcourse export` will read it.
    assert submissions.cell_scores(course, LESSON, STUDENT)[grade_id] == (points, points)
    assert submissions.read_scores(course, LESSON, [STUDENT])[STUDENT][0] == auto_score + points
