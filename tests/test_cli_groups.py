"""`dlcourse` serves two audiences: student commands (check, update, repair, workspace, lessons) and
instructor commands (init, build, grade, feedback, export, stats, student-bundle), listed apart.

A student command must not load the grader: each one is run for real in a fresh interpreter,
which then lists the modules it loaded.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys

import pytest

from dlcourse import cli
from dlcourse.cli import instructor, student
from dlcourse.paths import LESSONS_DIR, lesson_ids, lesson_notebook

from .conftest import REPO

STUDENT = ["check", "update", "repair", "workspace", "lessons"]
INSTRUCTOR = ["init", "build", "grade", "feedback", "export", "stats", "student-bundle"]
# Modules of the grader, and nbgrader's autograde: what a student command must never load.
GRADER = ("dlcourse.grading", "dlcourse.parallel", "dlcourse.sandbox", "dlcourse.stats", "dlcourse.statsplots",
          "dlcourse.export", "dlcourse.lms", "dlcourse.late", "dlcourse.deadlines", "dlcourse.versions",
          "dlcourse.summary", "dlcourse.build", "dlcourse.bundle", "dlcourse.exchange", "nbgrader.api",
          "nbgrader.apps.autogradeapp", "nbgrader.converters.autograde")
LESSON = "01-perceptron"

RUN = """
import json, sys
from dlcourse import cli
code = cli.main(json.loads(sys.argv[1]))
print(json.dumps([code, sorted(sys.modules)]))
"""


def run_in_fresh_interpreter(argv, cwd):
    """(exit code, what it printed before, the names of every module loaded) of `dlcourse ARGV`."""
    proc = subprocess.run([sys.executable, "-c", RUN, json.dumps(argv)], cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    *printed, last = proc.stdout.strip().splitlines()
    code, modules = json.loads(last)
    return code, "\n".join(printed), modules


def grader_modules(modules):
    return sorted(m for m in modules if any(m == g or m.startswith(g + ".") for g in GRADER))


def test_help_lists_the_two_groups_apart(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    students, instructors = re.split(r"^instructor commands.*:$", text.split("student commands", 1)[1], flags=re.M)
    listed = lambda section: re.findall(r"^  ([a-z-]+)  +\S", section, flags=re.M)  # noqa: E731
    assert listed(students) == STUDENT
    assert listed(instructors) == INSTRUCTOR


def test_each_command_belongs_to_its_groups_module():
    for names, group in ((STUDENT, student), (INSTRUCTOR, instructor)):
        sub = argparse.ArgumentParser().add_subparsers()
        group.add_commands(sub)
        assert list(sub.choices) == names


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A student's work folder with a copy of lesson 01."""
    work = tmp_path_factory.mktemp("student") / "work"
    notebook = lesson_notebook(LESSON, work)
    notebook.parent.mkdir(parents=True)
    shutil.copy(lesson_notebook(LESSON, LESSONS_DIR), notebook)
    return work


STUDENT_RUNS = {  # argv (relative to the work folder), expected exit code, and a line it prints
    "check": ([f"{LESSON}/{LESSON}.ipynb", "--timeout", "30"], 1, "FAILED"),
    "update": ([f"{LESSON}/{LESSON}.ipynb", "--dry-run"], 0, "already up to date"),
    "repair": ([f"{LESSON}/{LESSON}.ipynb"], 0, "nothing to repair"),
    "workspace": (["--dir", "new-work"], 0, "Copied"),
    "lessons": ([], 0, LESSON),
}


@pytest.mark.parametrize("command", STUDENT)
def test_a_student_command_loads_nothing_of_the_grader(command, work):
    argv, expected, printed = STUDENT_RUNS[command]
    code, out, modules = run_in_fresh_interpreter([command, *argv], cwd=work)
    assert (code, printed in out) == (expected, True), out
    assert "dlcourse.cli.student" in modules
    assert grader_modules(modules) == [], f"`dlcourse {command}` loaded the grader"
    if command == "workspace":
        assert sorted(p.name for p in (work / "new-work").iterdir()) == lesson_ids()


def test_the_check_sees_the_grader_where_it_is_loaded(tmp_path):
    """The same probe on an instructor command that needs the grader (init writes deadlines.toml)."""
    code, out, modules = run_in_fresh_interpreter(["init", str(tmp_path / "course")], cwd=tmp_path)
    assert code == 0 and "Course folder ready" in out
    assert "dlcourse.deadlines" in grader_modules(modules)


def test_python_dash_m_is_the_same_command():
    proc = subprocess.run([sys.executable, "-m", "dlcourse", "lessons"], cwd=REPO, capture_output=True, text=True)
    assert (proc.returncode, proc.stdout.split()) == (0, lesson_ids())
    proc = subprocess.run([sys.executable, "-m", "dlcourse", "no-such-command"], cwd=REPO, capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_output_cut_short_by_a_pipe_is_not_an_error_with_a_traceback():
    """`dlcourse lessons | head`: the reader may leave before dlcourse has written; it stops without a
    traceback (here the reader, `true`, reads nothing at all)."""
    import subprocess
    import sys

    done = subprocess.run(f"{sys.executable} -m dlcourse lessons | true", shell=True, capture_output=True,
                          text=True, timeout=120)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
