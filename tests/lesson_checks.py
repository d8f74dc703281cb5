"""Helpers the lesson tests share: executing notebooks and reading their graded cells."""

import ast
import functools
import os
import tempfile
import time
from dataclasses import dataclass

import nbformat
from nbclient import NotebookClient

from dlcourse import headless, notebooks
from dlcourse.parallel import SINGLE_THREAD
from dlcourse.paths import SOLUTIONS_DIR, lesson_ids, lesson_notebook

from .figures import recorded, with_hook
from . import nbcells

LESSONS = lesson_ids()


def execute(nb, cwd, timeout=120):
    """Run every cell of a notebook in a fresh kernel, as a student's Restart & Run All would.

    Returns (executed notebook, [(cell index, error name, message)], seconds).
    The kernel talks over Unix sockets, not TCP ports: with many kernels starting at
    once (parallel grading beside the tests) two could otherwise pick the same port.
    """
    nb = nbformat.from_dict(nb)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dlcourse-test-kernel-") as sockets:
        client = NotebookClient(nb, km=headless.ipc_kernel_manager(sockets), timeout=timeout,
                                kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(cwd)}})
        headless.detach_output_widgets(client)
        # One thread per numerical library, as grading runs lessons (dlcourse.parallel): on a
        # busy machine a multi-threaded BLAS spends most of its time waiting for cores.
        client.execute(env={**os.environ, **SINGLE_THREAD})
    errors = [(i, out.ename, out.evalue) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.output_type == "error"]
    return nb, errors, time.perf_counter() - start


@dataclass
class SolutionRun:
    errors: list  # [(cell index in the lesson, error name, message)]
    seconds: float
    figures: list  # every figure the run rendered, as tests/figures.py describes it
    printed: str = ""  # everything the cells printed (streams), in order: for tests of what the text claims


@functools.lru_cache(maxsize=None)
def run_solution(lesson):
    """The lesson's solution notebook run once, top to bottom, in its own folder, with the
    figure recorder around it (tests/figures.py); shared by the lesson and figure tests."""
    executed, errors, seconds = execute(with_hook(source_notebook(lesson)), cwd=SOLUTIONS_DIR / lesson)
    errors = [(i - 1, name, message) for i, name, message in errors]  # the recorder is cell 0
    printed = "".join(out.get("text", "") for cell in executed.cells if cell.cell_type == "code"
                      for out in cell.get("outputs", []) if out.output_type == "stream")
    return SolutionRun(errors, seconds, recorded(executed), printed)


def source_notebook(lesson):
    return notebooks.read(lesson_notebook(lesson, SOLUTIONS_DIR))


def answer_functions(nb):
    """{name: ast node} of every function or class defined in an answer cell."""
    found = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and nbcells.is_answer_cell(cell):
            tree = ast.parse(nbcells.strip_solution_markers(cell.source))
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    found[node.name] = node
    return found


def signature(node):
    """'(a, b, lr=1.0)' for a function node, 'class' for a class node."""
    if isinstance(node, ast.ClassDef):
        return "class"
    args = node.args
    names = [a.arg for a in args.posonlyargs + args.args]
    defaults = [None] * (len(names) - len(args.defaults)) + [ast.unparse(d) for d in args.defaults]
    parts = [n if d is None else f"{n}={d}" for n, d in zip(names, defaults)]
    return "(" + ", ".join(parts) + ")"
