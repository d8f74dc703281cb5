"""`dlcourse check`: restart a student notebook, run every cell, and say plainly what fails.

`nbgrader validate` prints failures but exits 0, so scripts cannot rely on it.
`check(path)` runs the notebook the way the grader does (a fresh kernel, top
to bottom, every cell even after an error, the lessons' fast mode, the same
time limit per cell) without changing the file, and returns a Result whose
`ok` is False when any cell raised: a failed visible test, an answer not
written yet, a syntax error, a cell that ran too long. Each problem names the
cell the way a student finds it in JupyterLab: its number, counted from 1 top to
bottom, its grade id, and the heading of the section it sits in (JupyterLab's
table of contents lists those headings), and says what kind of thing is wrong. Warnings (a written answer
not written yet, a damaged notebook that `dlcourse repair` would fix, a note
left by `dlcourse update`) never fail the check. A failing test whose functions behave like a
known mistake (the lesson's setup cell turns utils.diagnosis on) shows the "Diagnosis: ..."
lines of its traceback under its message.
"""

import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import headless, merge, notebooks, repair
from .paths import LESSON_ID, LESSONS_DIR, lesson_notebook
from .settings import TEXT_STUB, cell_timeout

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)
FRAME = re.compile(r"Cell In\s*\[(\d+)\], line (\d+)")


class CheckError(RuntimeError):
    """The notebook could not be read or run at all."""


@dataclass
class Problem:
    cell: int  # 1-based cell number
    where: str  # "the test `test_step`", "your answer `step`", "your cell", ...
    kind: str  # what kind of thing is wrong, in a few words
    detail: str = ""  # the message (an assertion's text, an exception)
    warning: bool = False
    also: list = field(default_factory=list)  # more cells that failed the same way
    section: str = ""  # the heading above the cell, as JupyterLab's table of contents shows it
    diagnosis: list = field(default_factory=list)  # "Diagnosis: ..." lines: the known mistake it looks like

    def line(self):
        under = f" (under “{self.section}”)" if self.section else ""
        text = f"{'WARN' if self.warning else 'FAIL'}  cell {self.cell} · {self.where}{under}: {self.kind}"
        return text + "".join(f"\n        {line}" for line in [self.detail, *self.diagnosis] if line)


@dataclass
class Result:
    path: Path
    cells: int = 0
    tests: list = field(default_factory=list)  # grade ids of the visible test cells, in order
    passed: list = field(default_factory=list)  # those that ran without an error
    problems: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self):
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self):
        return [p for p in self.problems if p.warning]

    @property
    def ok(self):
        return not self.failures

    def summary(self):
        lines = [f"Checked {self.path}: restarted it and ran all {self.cells} cells in {self.seconds:.1f} s."]
        if self.problems:
            lines.append("")
            lines += [p.line() for p in sorted(self.problems, key=lambda p: (p.cell, p.warning))]
            lines.append("")
        verdict = "OK" if self.ok else "FAILED"
        lines.append(f"{verdict}: {len(self.passed)} of {len(self.tests)} visible tests pass; "
                     f"{len(self.failures)} problem(s), {len(self.warnings)} warning(s)."
                     + (" Hidden tests also run when your work is graded." if self.ok else ""))
        return "\n".join(lines)


def guess_lesson(path):
    """The lesson a notebook belongs to, from its file or folder name (None if neither is a lesson id)."""
    path = Path(path)
    for name in (path.stem, path.parent.name):
        if LESSON_ID.match(name) and lesson_notebook(name, LESSONS_DIR).exists():
            return name
    return None


def _roles(nb):
    """{cell index: (where, grade id, kind)} for every cell, from its nbgrader metadata."""
    roles = {}
    for i, cell in enumerate(nb.cells):
        meta = notebooks.nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if gid and meta.get("solution") and cell.cell_type == "code":
            roles[i] = (f"your answer `{gid}`", gid, "answer")
        elif gid and meta.get("solution"):
            roles[i] = (f"written answer `{gid}`", gid, "written")
        elif gid and meta.get("grade") and cell.cell_type == "code":
            roles[i] = (f"the test `{gid}`", gid, "test")
        elif merge.lesson_cell_id(cell)[0]:
            roles[i] = ("lesson code", None, "lesson")
        else:
            roles[i] = ("your cell", None, "own")
    return roles


def sections(nb):
    """{cell index: the last markdown heading at or above the cell} ("" before the first heading).

    Markup inside the heading (`code`, **bold**, $math$ delimiters) is dropped, so the text reads as
    JupyterLab's table of contents shows it."""
    found, current = {}, ""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            headings = HEADING.findall(cell.source)
            if headings:
                current = re.sub(r"[`*$]", "", headings[-1]).strip()
        found[i] = current
    return found


def structure_warnings(nb, reference):
    """Warnings for a notebook the repair would change (the grader repairs it, but the student should know)."""
    problems = []
    _fixed, report = repair.repair(nb, reference)
    if report.changes:
        shown = "; ".join(report.changes[:3]) + ("; ..." if len(report.changes) > 3 else "")
        problems.append(Problem(1, "the notebook", f"its cells are damaged ({len(report.changes)} thing(s) to "
                                "repair); run `dlcourse repair --write` on it (the grader repairs it too)",
                                shown, warning=True))
    for flag in report.flags:
        problems.append(Problem(1, "the notebook", "an answer may not be graded as you expect", flag, warning=True))
    return problems


def _execute(nb, folder, timeout):
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    sockets = tempfile.mkdtemp(prefix="dlcourse-check-")
    client = NotebookClient(
        nb, km=headless.ipc_kernel_manager(sockets), timeout=timeout, interrupt_on_timeout=True, allow_errors=True, kernel_name="python3",
        error_on_timeout={"ename": "CellTimeoutError",
                          "evalue": f"the cell ran longer than {timeout} s and was stopped"},
        extra_arguments=["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(folder)}})
    headless.detach_output_widgets(client)
    env = dict(os.environ, NBGRADER_EXECUTION="validate")  # the lessons' fast mode, as when validating
    try:
        client.execute(env=env)
    except DeadKernelError as err:
        return f"the kernel died ({err}); the notebook may use too much memory"
    except Exception as err:  # a kernel that does not start, a broken notebook
        raise CheckError(f"could not run the notebook: {type(err).__name__}: {err}") from None
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    return None


def _error(cell):
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output
    return None


def diagnosis_lines(error):
    """The "Diagnosis: ..." lines at the end of an error's traceback (utils.diagnosis), in order."""
    from utils.diagnosis import PREFIX
    text = ANSI.sub("", "\n".join(error.get("traceback", [])))
    return [line.strip() for line in text.splitlines() if line.strip().startswith(PREFIX)]


def _frames(error, counts):
    """(cell index, line) of the traceback's frames that are cells of this notebook, innermost last."""
    text = ANSI.sub("", "\n".join(error.get("traceback", [])))
    return [(counts[int(n)], int(line)) for n, line in FRAME.findall(text) if int(n) in counts]


def _describe(i, cell, error, roles, counts, timeout, failed):
    """What kind of thing is wrong with cell i that raised `error`: (kind, detail)."""
    ename, evalue = error.get("ename", "Error"), ANSI.sub("", error.get("evalue", "")).strip()
    where, gid, role = roles[i]
    frames = [(j, line) for j, line in _frames(error, counts) if j != i]
    origin = ""
    if frames:
        j, line = frames[-1]
        origin = f" (raised in cell {j + 1}, {roles[j][0]}, line {line})"
    if ename in ("CellTimeoutError", "KeyboardInterrupt"):
        return f"took longer than {timeout} s and was stopped (an endless loop, or far too much work?)", ""
    if ename == "NotImplementedError":
        answer = next((roles[j][1] for j, _ in reversed(frames) if roles[j][2] == "answer"), None)
        if role == "answer":
            answer = gid
        if answer is None and role == "test" and gid.startswith("test_"):
            answer = gid[5:]
        return (f"not answered yet: `{answer}` still raises NotImplementedError" if answer else
                "something here is not written yet (NotImplementedError)"), ""
    if ename in ("SyntaxError", "IndentationError", "TabError"):
        return f"the code is not valid Python ({ename})", re.sub(r"\(\d+\.py, (line \d+)\)", r"(\1)", evalue)
    if role == "test" and ename == "AssertionError":
        return "a visible test failed", evalue or "(the assertion has no message)"
    if ename == "NameError":
        name = re.search(r"name '(\w+)' is not defined", evalue)
        what = f"`{name.group(1)}`" if name else "a name"
        broken = [j for j, (_, answer, kind) in roles.items() if name and kind == "answer"
                  and answer == name.group(1) and j < i and failed.get(j)]
        if broken:
            return f"{what} is not defined, because its answer cell (cell {broken[-1] + 1}) failed", ""
        return (f"uses {what}, which is not defined: run the cell that defines it, or check its spelling"
                + origin), evalue
    if role == "test":
        return f"your code raised {ename} while the test ran{origin}", evalue
    return f"raised {ename}{origin}", evalue


def check(path, *, lesson=None, timeout=None, reference=None):
    """Restart and run a notebook; returns a Result. Raises CheckError if it cannot be read or run."""
    path = Path(path)
    if not path.exists():
        raise CheckError(f"{path}: no such file")
    try:
        nb = repair.read(path)
    except repair.RepairError as err:
        raise CheckError(f"{path} is {err}") from None
    timeout = timeout or cell_timeout()
    result = Result(path, cells=len(nb.cells))
    lesson = lesson or guess_lesson(path)
    if reference is None and lesson and lesson_notebook(lesson, LESSONS_DIR).exists():
        reference = lesson_notebook(lesson, LESSONS_DIR)
    if reference is not None:
        result.problems += structure_warnings(nb, notebooks.read(reference))
    roles, headings = _roles(nb), sections(nb)
    for i, cell in enumerate(nb.cells):
        where, gid, role = roles[i]
        if role == "test":
            result.tests.append(gid)
        if role == "written" and repair.norm(cell.source) in ("", TEXT_STUB):
            result.problems.append(Problem(i + 1, where, "not written yet", warning=True, section=headings[i]))
        if cell.get("metadata", {}).get(merge.NOTE_KEY, {}).get("update_conflict"):
            result.problems.append(Problem(i + 1, "a note from `dlcourse update`",
                                           "read it, check the answer below it, then delete the note",
                                           warning=True))
    start = time.perf_counter()
    died = _execute(nb, path.parent.resolve(), timeout)
    result.seconds = time.perf_counter() - start
    counts = {c.get("execution_count"): i for i, c in enumerate(nb.cells)
              if c.cell_type == "code" and c.get("execution_count")}
    failed, lesson_code = {}, []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where, gid, role = roles[i]
        error = _error(cell)
        if error is None:
            if role == "test" and cell.get("execution_count"):
                result.passed.append(gid)
            continue
        failed[i] = True
        kind, detail = _describe(i, cell, error, roles, counts, timeout, failed)
        same = next((p for p in lesson_code if (p.kind, p.detail) == (kind, detail)), None)
        if role in ("lesson", "own") and same is not None:
            same.also.append(i + 1)  # one line for lesson code failing the same way again
            continue
        problem = Problem(i + 1, where, kind, detail, section=headings[i], diagnosis=diagnosis_lines(error))
        if role in ("lesson", "own"):
            lesson_code.append(problem)
        result.problems.append(problem)
    for problem in lesson_code:
        if problem.also:
            problem.where += f" (and cells {', '.join(map(str, problem.also))})"
    if died:
        last = max(counts.values(), default=-1) + 1
        result.problems.append(Problem(last + 1, "the kernel", died))
    return result
