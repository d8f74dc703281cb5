"""Runs in a process of its own (python -m tests.mistakes.trial_driver SPEC RESULT).

Executes a lesson's cells in order in one IPython shell, the way a grader
would run them, with the reference answers. Just before the first cell a
pretend submission changes, it forks: the child runs the rest of the cells
with that submission's answers and records which test cells raised. The
parent, untouched, goes on with the reference. Forking shares everything
computed before that point (imports, data), so each submission costs only
the cells from its first change onwards.

SPEC (JSON): {"cells": [{"grade_id", "kind": "answer"|"test"|"setup", "source"}],
              "batches": [{grade_id: source}], "cell_timeout": seconds, "parallel": n,
              "tests": [[test_id, ...] or null, one per batch]  (optional)}
RESULT (JSON): {"reference": {test_id: error or null},
                "batches": [{test_id: error or null}]}   (null: the test cell passed)

A test cell fails as nbgrader scores it: an exception, or anything written to stderr (a
numpy RuntimeWarning printed during a test costs the test its points in real grading too).

A batch given a list of tests runs only those test cells, and no cell after the
last of them; the others are absent from its result. (Test cells change no
variable the rest of a lesson uses, so leaving one out changes no other outcome.)
Up to `parallel` children run at once, and a new one starts as soon as one ends.
"""

import gc
import io
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


DIAGNOSED = "\n[diagnosed] "  # what follows, in a failing test's error: json [[function, why], ...]
_lesson = {}  # {"id": lesson id}: set when the spec asks for diagnoses


def run_cell(shell, source, timeout, stderr_fails=False):
    """None if the cell ran cleanly, else 'ErrorName: message'. With stderr_fails (test cells),
    text written to stderr fails the cell as well, as nbgrader scores it. A test cell that raised
    gets the diagnosis a student would read (utils.diagnosis) appended after DIAGNOSED."""
    captured, stderr = io.StringIO(), sys.stderr
    sys.stderr = captured
    signal.alarm(timeout)
    try:
        result = shell.run_cell(source, store_history=False, silent=True)
    finally:
        signal.alarm(0)
        sys.stderr = stderr
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        text = f"{type(error).__name__}: {error}"[:300]
        if stderr_fails and _lesson:
            text += DIAGNOSED + json.dumps(_diagnosed(shell, source))
        return text
    if stderr_fails and captured.getvalue():
        return f"wrote to stderr: {captured.getvalue().strip()}"[:300]
    return None


def _diagnosed(shell, source):
    """[[function, why], ...]: what the grader's checker would name under this failing test."""
    from utils.diagnosis import diagnose_cell
    signal.alarm(0)  # the probes have a budget of their own
    return [[d.function, d.why] for d in diagnose_cell(_lesson["id"], source, shell.user_ns)]


def run_tail(shell, cells, start, answers, timeout, only=None):
    """Cells start.. with `answers` in place of the reference; {test_id: error or None}.
    only: None, or the test cells to run (then no other test cell runs, and nothing after
    the last of them)."""
    outcome, left = {}, None if only is None else set(only)
    for cell in cells[start:]:
        if cell["kind"] == "test" and left is not None and cell["grade_id"] not in left:
            continue
        error = run_cell(shell, answers.get(cell["grade_id"], cell["source"]), timeout, cell["kind"] == "test")
        if cell["kind"] == "test":
            outcome[cell["grade_id"]] = error
            if left is not None:
                left.discard(cell["grade_id"])
                if not left:
                    break
    return outcome


def fork_child(shell, cells, start, answers, timeout, out_path, only=None):
    pid = os.fork()
    if pid:
        return pid
    try:
        outcome = run_tail(shell, cells, start, answers, timeout, only)
        with open(out_path, "w") as f:
            json.dump(outcome, f)
    finally:
        os._exit(0)  # never run the parent's cleanup (or its pytest) in the child


def read_result(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None  # died or was killed before writing: every later test failed


def run_children(start_child, jobs, parallel, budget):
    """Run start_child(job) -> (pid, out_path) for every job, `parallel` at a time, starting the
    next as soon as one ends; a child still running `budget` seconds after its start is killed.
    Returns {job: its result, or None if it wrote none}."""
    results, running, queue = {}, {}, list(jobs)
    if queue:
        # Children only read what the parent built: keep the collector from touching (and so
        # copying) every old object in each of them.
        gc.freeze()
    while queue or running:
        while queue and len(running) < parallel:
            job = queue.pop(0)
            pid, path = start_child(job)
            running[pid] = (job, path, time.monotonic() + budget)
        pid, _status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            now = time.monotonic()
            for stuck, (_job, _path, deadline) in running.items():
                if now > deadline:
                    os.kill(stuck, signal.SIGKILL)
            time.sleep(0.001)
            continue
        if pid in running:
            job, path, _deadline = running.pop(pid)
            results[job] = read_result(path)
    return results


def main(spec_path, result_path):
    with open(spec_path) as f:
        spec = json.load(f)
    cells, batches = spec["cells"], spec["batches"]
    only = spec.get("tests") or [None] * len(batches)
    timeout, parallel = int(spec["cell_timeout"]), int(spec.get("parallel", 2))
    if spec.get("diagnose"):
        _lesson["id"] = spec["diagnose"]
    index = {cell["grade_id"]: i for i, cell in enumerate(cells) if cell["grade_id"]}
    starts = [min(index[gid] for gid in batch) for batch in batches]
    tests = [c["grade_id"] for c in cells if c["kind"] == "test"]

    _silence()
    signal.signal(signal.SIGALRM, _on_alarm)
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance(colors="NoColor")
    # Errors are recorded on each cell's result before IPython shows them, and nothing here is read
    # from the output: skip formatting tracebacks, the larger part of the cost of a failing cell.
    shell.showtraceback = lambda *args, **kwargs: None
    shell.showsyntaxerror = lambda *args, **kwargs: None

    reference, outcomes = {}, [None] * len(batches)
    scratch = os.path.dirname(os.path.abspath(result_path))
    for i, cell in enumerate(cells):
        waiting = [b for b, start in enumerate(starts) if start == i]

        def start_child(b, i=i):
            path = os.path.join(scratch, f"batch-{b}.json")
            return fork_child(shell, cells, i, batches[b], timeout, path, only[b]), path

        tails = run_children(start_child, waiting, parallel, timeout * (len(cells) - i) + 30)
        for b in waiting:
            tail = tails[b]
            if tail is None:
                tail = {t: "the trial process died" for t in tests
                        if index[t] >= i and (only[b] is None or t in only[b])}
            earlier = [t for t in tests if index[t] < i and (only[b] is None or t in only[b])]
            outcomes[b] = {**{t: reference[t] for t in earlier}, **tail}
        error = run_cell(shell, cell["source"], timeout, cell["kind"] == "test")
        if cell["kind"] == "test":
            reference[cell["grade_id"]] = error
        elif error:
            reference[f"cell {i}"] = error  # the reference itself must run cleanly
    with open(result_path, "w") as f:
        json.dump({"reference": reference, "batches": outcomes}, f)


if __name__ == "__main__":
    main(*sys.argv[1:3])
