"""An instructor's corrections to a lesson after release, made in a temporary copy of its source.

`corrected_release(lesson, tmp)` copies solutions/<lesson>/, makes the edits
instructors make once students have started (a clearer explanation, a
clarified exercise, a fixed visible test, a hint cell, a clarified docstring in
the starting code), puts the source in canonical form as `dlcourse build
--normalize` does, and generates its student version with
`dlcourse.build.generate`. Nothing under solutions/ or lessons/ is touched.
"""

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from dlcourse import build, notebooks
from dlcourse.paths import SOLUTIONS_DIR, lesson_notebook
from .. import nbcells

CLARIFIED_EXPLANATION = "In other words: each row of `X` is one example, each column one feature."
CLARIFIED_PROMPT = "*Clarified after release:* check your result on the visible examples before you run the test."
HINT = "**Hint.** When a test fails, read its message first: it says what kind of thing is wrong."
DOCSTRING_NOTE = "(Clarified after release: inputs are never modified.)"


@dataclass
class Corrected:
    source_dir: Path  # a solutions/-like folder holding the corrected lesson
    release_dir: Path  # its generated student version, a lessons/-like folder
    prompt_changed: str  # grade id of the answer whose exercise text was clarified
    stub_changed: str  # grade id of the answer whose starting code (docstring) was clarified
    test_fixed: str  # grade id of the test cell that got a new visible assertion
    new_texts: list = field(default_factory=list)  # text that only the corrected version has

    @property
    def conflicts(self):
        return sorted({self.prompt_changed, self.stub_changed})

    def notebook(self, lesson):
        return notebooks.read(lesson_notebook(lesson, self.release_dir))


def _answers(nb):
    return [i for i, c in enumerate(nb.cells) if nbcells.is_answer_cell(c) and c.cell_type == "code"]


def correct(nb):
    """Make the corrections in a source notebook (in place); returns (prompt_changed, stub_changed, test_fixed)."""
    gid = notebooks.grade_id
    answers = _answers(nb)
    # The exercise to clarify: the first after the first whose text sits right above its answer cell.
    with_text = [i for i in answers if nb.cells[i - 1].cell_type == "markdown" and not gid(nb.cells[i - 1])]
    first, last = answers[0], answers[-1]
    second = next((i for i in with_text if i != first), with_text[0])
    changed = gid(nb.cells[second]), gid(nb.cells[last]), f"test_{gid(nb.cells[first])}"
    # A clearer explanation: the first explanation that is not an exercise's own text.
    explanation = next(i for i, c in enumerate(nb.cells)
                       if c.cell_type == "markdown" and not gid(c) and c.source.lstrip().startswith("## ")
                       and i + 1 not in answers)
    nb.cells[explanation].source += "\n\n" + CLARIFIED_EXPLANATION
    # A clarified exercise: the text just above the second exercise's answer cell.
    prompt = second - 1
    nb.cells[prompt].source += "\n\n" + CLARIFIED_PROMPT
    # A clarified docstring in the last exercise's starting code.
    source = nb.cells[last].source
    doc = source.index('"""') + 3
    nb.cells[last].source = source[:doc] + DOCSTRING_NOTE + " " + source[doc:]
    # A fixed visible test: one more visible assertion in the first exercise's test.
    test = next(i for i, c in enumerate(nb.cells) if gid(c) == f"test_{gid(nb.cells[first])}")
    lines = nb.cells[test].source.split("\n")
    name = gid(nb.cells[first])
    lines.insert(1, f'assert callable({name}), "{name} should be a function"')
    nb.cells[test].source = "\n".join(lines)
    # A hint cell after a test cell (one not followed straight away by an answer, whose exercise it would change).
    after = next((i for i, c in enumerate(nb.cells) if nbcells.is_autograded_test(c) and i >= test
                  and not (i + 1 < len(nb.cells) and nbcells.is_answer_cell(nb.cells[i + 1]))), test)
    nb.cells.insert(after + 1, nbformat.v4.new_markdown_cell(HINT))
    return changed


def corrected_release(lesson, tmp):
    tmp = Path(tmp)
    source_dir, release_dir = tmp / "source", tmp / "release"
    shutil.copytree(SOLUTIONS_DIR / lesson, source_dir / lesson)
    path = lesson_notebook(lesson, source_dir)
    nb = notebooks.read(path)
    prompt_changed, stub_changed, test_fixed = correct(nb)
    notebooks.write(notebooks.normalize_source(nb), path)
    build.generate([lesson], release_dir, source_dir=source_dir)
    return Corrected(source_dir, release_dir, prompt_changed, stub_changed, test_fixed,
                     [CLARIFIED_EXPLANATION, CLARIFIED_PROMPT, HINT, DOCSTRING_NOTE])
