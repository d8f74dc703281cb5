"""Helpers the lesson tests share: executing notebooks and reading their graded cells."""

import ast
import tempfile
import time

import nbformat
from nbclient import NotebookClient

from dlcourse import headless, notebooks
from dlcourse.paths import SOLUTIONS_DIR, lesson_ids, lesson_notebook

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
        client.execute()
    errors = [(i, out.ename, out.evalue) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.output_type == "error"]
    return nb, errors, time.perf_counter() - start


def source_notebook(lesson):
    return notebooks.read(lesson_notebook(lesson, SOLUTIONS_DIR))


def answer_functions(nb):
    """{name: ast node} of every function or class defined in an answer cell."""
    found = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and notebooks.is_answer_cell(cell):
            tree = ast.parse(notebooks.strip_solution_markers(cell.source))
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
