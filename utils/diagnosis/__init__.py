"""Which known mistake a failing function looks like: feedback that names the mistake.

For every graded function the course keeps a few probe inputs (utils/diagnosis/probes/)
and, for every mistake in its catalogue of realistic mistakes (tests/mistakes/), a
fingerprint: what that mistake does differently from the right answer on those probes
(utils/diagnosis/fingerprints/, made by `make fingerprints`; see match.py). When a test
fails, the functions it uses are run on their probes and compared with the fingerprints;
a match is named under the failing test, in words that point at the mistake without
giving the code:

    AssertionError: wrong cost for 7 predictions: ...
    Diagnosis: your `mse` behaves like a known mistake: sum instead of mean. ...

Three places call this: the lessons' setup cell (`explain_failed_tests`, for JupyterLab,
the Validate button and `dlcourse check`), the grader's checker after a hidden test fails
(`diagnose_cell`), and the catalogue's own tests.
"""

import importlib
import re
import time

from .match import Diagnosis, best, load, observations

PREFIX = "Diagnosis: "  # how a diagnosis line starts, wherever it is shown
BUDGET = 3.0  # seconds of probing after one failing test, at most
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_cache = {}


def probe_module(lesson):
    """The name of a lesson's probe module (the grader imports it before any student code runs)."""
    return f"{__name__}.probes.lesson_{lesson.replace('-', '_')}"


def probes_for(lesson):
    """{function: [probe, ...]} for a lesson ({} if it has none)."""
    try:
        return importlib.import_module(probe_module(lesson)).PROBES
    except ModuleNotFoundError:
        return {}


def _lesson(lesson):
    if lesson not in _cache:
        _cache[lesson] = (probes_for(lesson), load(lesson))
    return _cache[lesson]


def diagnose(lesson, function, obj, budget=None):
    """[Diagnosis] for obj, the student's `function` of `lesson`: the known mistakes it behaves like
    (more than one only when they behave alike on every probe); [] for none."""
    probes, fingerprints = _lesson(lesson)
    known = fingerprints.get(function)
    if not known or function not in probes:
        return []
    seen = observations(probes[function], obj, budget)
    return [Diagnosis(function, entry["why"], entry.get("hint", ""), tuple(entry.get("twins", ())))
            for entry in best(known["mistakes"], seen)]


def diagnose_cell(lesson, source, namespace, budget=BUDGET):
    """[Diagnosis] for the graded functions a failing cell's `source` uses, as `namespace` defines them."""
    _, fingerprints = _lesson(lesson)
    used = [name for name in dict.fromkeys(_IDENTIFIER.findall(source)) if name in fingerprints]
    deadline = time.monotonic() + budget
    found = []
    for name in used:
        obj = namespace.get(name)
        left = deadline - time.monotonic()
        if obj is None or left <= 0:
            continue
        found += diagnose(lesson, name, obj, left)
    return found


def explain(diagnoses):
    """The lines a student reads under a failing test ("" for no diagnosis)."""
    by_function = {}
    for d in diagnoses:
        by_function.setdefault(d.function, []).append(d)
    lines = []
    for function, found in by_function.items():
        if len(found) == 1:
            lines.append(PREFIX + found[0].sentence())
        else:
            names = "; ".join(d.why for d in found)
            lines.append(f"{PREFIX}your `{function}` behaves like one of these known mistakes (they act alike "
                         f"on every input tried): {names}.")
    return "\n".join(lines)


def explain_failed_tests(lesson):
    """From now on, a failing test in this notebook also names the known mistake it looks like.

    Installs an IPython handler for errors (JupyterLab, Validate, `dlcourse check`). Does nothing
    outside IPython, and nothing while nbgrader autogrades: there the grader's checker runs the
    tests and adds the diagnosis itself.
    """
    import os
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        return
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    from .ipython import handler_for
    shell.set_custom_exc((Exception,), handler_for(lesson))
