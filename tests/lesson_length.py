"""How long a lesson takes a student, estimated the same way for every lesson.

The estimate each lesson states at its top ("*Estimated time: about 1 h 40 min*") comes from
this formula, and tests/test_lesson_length.py keeps the two equal:

- reading the text: 100 words a minute (careful reading of prose with formulas);
- reading and running the code cells the lesson gives: 15 lines a minute;
- each exercise: 3 minutes, plus one minute per line of the reference solution (writing,
  running the visible tests, fixing);
- each written question: 6 minutes.

Hidden tests and the solutions' own lines are not counted as reading: students never see them.
"""

import re

WORDS_PER_MINUTE = 100
CODE_LINES_PER_MINUTE = 15
MINUTES_PER_EXERCISE = 3
MINUTES_PER_QUESTION = 6
TARGET_MINUTES = 120  # issue #17: no lesson longer than two hours

SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION\n?", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.S)
STATED = re.compile(r"\*Estimated time: about (?:(\d+) h)? ?(?:(\d+) min)?")


def _is_answer(cell):
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def estimate_minutes(source_nb):
    """Minutes a student needs for a lesson, from its instructor source (solutions/)."""
    words = code_lines = exercise = questions = 0
    for cell in source_nb.cells:
        if cell.cell_type == "markdown":
            if _is_answer(cell):
                questions += 1
            else:
                words += len(cell.source.split())
        elif cell.cell_type == "code":
            if _is_answer(cell):
                solution = "".join(SOLUTION.findall(cell.source))
                written = [line for line in solution.splitlines()
                           if line.strip() and not line.strip().startswith("#")]
                exercise += MINUTES_PER_EXERCISE + len(written)
                code_lines += len(SOLUTION.sub("", cell.source).splitlines())
            else:
                code_lines += len(HIDDEN.sub("", cell.source).splitlines())
    return (words / WORDS_PER_MINUTE + code_lines / CODE_LINES_PER_MINUTE + exercise
            + MINUTES_PER_QUESTION * questions)


def rounded(minutes):
    """To the nearest 5 minutes, as a lesson states it."""
    return int(5 * round(minutes / 5))


def as_text(minutes):
    """'about 1 h 40 min', 'about 55 min', 'about 2 h'."""
    hours, rest = divmod(rounded(minutes), 60)
    parts = ([f"{hours} h"] if hours else []) + ([f"{rest} min"] if rest else [])
    return "about " + " ".join(parts)


def stated_minutes(source_nb):
    """The estimate the lesson's first cell states, in minutes; None when it states none."""
    match = STATED.search(source_nb.cells[0].source)
    if not match or not any(match.groups()):
        return None
    hours, minutes = (int(g) if g else 0 for g in match.groups())
    return 60 * hours + minutes
