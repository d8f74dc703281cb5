"""Runs in a process of its own (python -m tests.mistakes.trial_driver SPEC RESULT).

Executes a lesson's cells in order in one IPython shell, the way a grader
would run them, with the reference answers. Just before the first cell a
pretend submission changes, it forks: the child runs the rest of the cells
with that submission's answers and records which test cells raised. The
parent, untouched, goes on with the reference. Forking shares everything
computed before that point (imports, data), so each submission costs only
the cells from its first change onwards.

SPEC (JSON): {"cells": [{"grade_id", "kind": "answer"|"test"|"setup", "source"}],
              "batches": [{grade_id: source}], "cell_timeout": seconds, "parallel": n}
RESULT (JSON): {"reference": {test_id: error or null},
                "batches": [{test_id: error or null}]}   (null: the test cell passed)
"""

import json
import os
import signal
import sys
import time


class CellTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise CellTimeout("the cell ran past its time limit")


def _silence():
    """Send this process's prints and tracebacks to /dev/null (results travel by file)."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)


def run_cell(shell, source, timeout):
    """None if the cell ran without an exception, else 'ErrorName: message'."""
    signal.alarm(timeout)
    try:
        result = shell.run_cell(source, store_history=False, silent=True)
    finally:
        signal.alarm(0)
    error = result.error_before_exec or result.error_in_exec
    return None if error is None else f"{type(error).__name__}: {error}"[:300]


def run_tail(shell, cells, start, answers, timeout):
    """Cells start.. with `answers` in place of the reference; {test_id: error or None}."""
    outcome = {}
    for cell in cells[start:]:
        error = run_cell(shell, answers.get(cell["grade_id"], cell["source"]), timeout)
        if cell["kind"] == "test":
            outcome[cell["grade_id"]] = error
    return outcome


def fork_child(shell, cells, start, answers, timeout, out_path):
    pid = os.fork()
    if pid:
        return pid
    try:
        outcome = run_tail(shell, cells, start, answers, timeout)
        with open(out_path, "w") as f:
            json.dump(outcome, f)
    finally:
        os._exit(0)  # never run the parent's cleanup (or its pytest) in the child


def wait_all(children, deadline):
    """Wait for {pid: out_path}; a child still running at `deadline` is killed."""
    results = {}
    while children:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            if time.monotonic() > deadline:
                for stuck in children:
                    os.kill(stuck, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.01)
            continue
        if pid in children:
            path = children.pop(pid)
            try:
                with open(path) as f:
                    results[path] = json.load(f)
            except (OSError, ValueError):
                results[path] = None  # died or was killed before writing: every later test failed
    return results


def main(spec_path, result_path):
    with open(spec_path) as f:
        spec = json.load(f)
    cells, batches = spec["cells"], spec["batches"]
    timeout, parallel = int(spec["cell_timeout"]), int(spec.get("parallel", 2))
    index = {cell["grade_id"]: i for i, cell in enumerate(cells) if cell["grade_id"]}
    starts = [min(index[gid] for gid in batch) for batch in batches]
    tests = [c["grade_id"] for c in cells if c["kind"] == "test"]

    _silence()
    signal.signal(signal.SIGALRM, _on_alarm)
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance(colors="NoColor")

    reference, outcomes = {}, [None] * len(batches)
    scratch = os.path.dirname(os.path.abspath(result_path))
    for i, cell in enumerate(cells):
        waiting = [b for b, start in enumerate(starts) if start == i]
        for group in range(0, len(waiting), parallel):
            children = {}
            for b in waiting[group:group + parallel]:
                path = os.path.join(scratch, f"batch-{b}.json")
                children[fork_child(shell, cells, i, batches[b], timeout, path)] = path
            by_path = wait_all(children, time.monotonic() + timeout * (len(cells) - i) + 30)
            for b in waiting[group:group + parallel]:
                tail = by_path[os.path.join(scratch, f"batch-{b}.json")]
                if tail is None:
                    tail = {t: "the trial process died" for t in tests if index[t] >= i}
                outcomes[b] = {**{t: reference[t] for t in tests if index[t] < i}, **tail}
        error = run_cell(shell, cell["source"], timeout)
        if cell["kind"] == "test":
            reference[cell["grade_id"]] = error
        elif error:
            reference[f"cell {i}"] = error  # the reference itself must run cleanly
    with open(result_path, "w") as f:
        json.dump({"reference": reference, "batches": outcomes}, f)


if __name__ == "__main__":
    main(*sys.argv[1:3])
