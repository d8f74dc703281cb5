"""One grading pass runs the course's nbgrader_config.py once, however many submissions and workers.

The parent of `dlcourse grade` loads the configuration and hands it to the grading
workers (parallel.py), which return complete results (results.py); nothing after
them reads the configuration again. Before, it ran 2N + W + 4 times for N
submissions and W workers. The course here is one whose configuration appends a
line to a file each time it runs.
"""

from pathlib import Path

from dlcourse import grading

from . import submissions as subs

LESSON = "01-perceptron"


def _counting_course(tmp_path, students):
    course = subs.new_course(tmp_path)
    runs = tmp_path / "config-runs.txt"
    with open(course / "nbgrader_config.py", "a") as f:
        f.write(f"\nopen({str(runs)!r}, 'a').write('ran\\n')\n")
    for student in students:
        subs.submit(course, student, LESSON, subs.student_notebook(LESSON))
    return course, runs


def _runs(path):
    return len(Path(path).read_text().split()) if Path(path).exists() else 0


def test_a_grading_pass_runs_the_course_config_once_whatever_the_class_size(tmp_path):
    counts = {}
    for size, workers in ((1, 1), (3, 2)):
        course, runs = _counting_course(tmp_path / f"class{size}", [f"s{i}" for i in range(size)])
        results = grading.grade(LESSON, course, workers=workers)
        assert [r.status for r in results] == ["graded"] * size
        points = subs.autograded_points(LESSON)
        for r in results:  # each worker returns a complete result: every cell's points, the tests' version
            assert {gid: r.cells[gid].score for gid in points} == points, r.cells
            assert r.score == sum(c.score or 0 for c in r.cells.values())
            assert r.record is not None and r.record.cells and r.seconds > 0
        counts[size] = _runs(runs)
    assert counts == {1: 1, 3: 1}, f"nbgrader_config.py runs per grading pass, by class size: {counts}"
