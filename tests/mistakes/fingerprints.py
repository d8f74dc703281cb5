"""Fingerprints of the catalogued mistakes: the build step behind feedback that names a mistake.

    .venv/bin/python -m tests.mistakes.fingerprints            # write utils/diagnosis/fingerprints/
    .venv/bin/python -m tests.mistakes.fingerprints --check    # exit 1 if they are out of date
    .venv/bin/python -m tests.mistakes.fingerprints --report   # how well each lesson is diagnosed

For each lesson with probes (utils/diagnosis/probes/), a process of its own runs the
reference answers (and only the lesson cells they need), then each catalogue entry, on
every probe (observe()). Each mistake's fingerprint is what it does differently from the
reference (utils.diagnosis.match.differences); mistakes with the same fingerprint are
twins, named together. The files are committed, like lessons/, and a test fails when they
drift from the catalogue (tests/test_diagnosis.py).
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENTRY_TIMEOUT = 20  # seconds for one catalogue entry's probes; a mistake that hangs on them is left unnamed


def observe_lesson(lesson):
    """(In a fresh process.) {"reference": {f: [obs]}, "entries": [[kind, f, why, [obs] or None]]}."""
    from dlcourse import notebooks
    from dlcourse.paths import SOLUTIONS_DIR, lesson_notebook
    from utils.diagnosis import probes_for
    from utils.diagnosis.match import observations
    from tests.mistakes import Correct, catalogues
    from tests.mistakes.trial import needed_cells
    from tests.submissions import reference_answers

    probes = probes_for(lesson)
    answers = reference_answers(lesson)
    source = notebooks.read(lesson_notebook(lesson, SOLUTIONS_DIR))
    kept = [cell["source"] for cell in needed_cells(source, answers, tests=False)]  # answers, and what they read
    os.chdir(SOLUTIONS_DIR / lesson)
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance(colors="NoColor")
    for code in kept:
        result = shell.run_cell(code, store_history=False, silent=True)
        if not result.success:
            raise RuntimeError(f"{lesson}: a cell the answers need failed:\n{code[:500]}")
    reference = {}
    for function, found in probes.items():
        reference[function] = observations(found, shell.user_ns[function])
        broken = [i for i, o in enumerate(reference[function]) if o.get("out", [""])[0] == "raises"]
        if broken:
            raise RuntimeError(f"{lesson}: the reference {function} raises on probe(s) {broken}")
    module = catalogues()[lesson]

    def on_alarm(*_):
        raise TimeoutError

    signal.signal(signal.SIGALRM, on_alarm)
    entries = []
    for entry in [*module.MISTAKES, *module.CORRECT]:
        kind = "correct" if isinstance(entry, Correct) else "mistake"
        seen = None
        if entry.function in probes:
            namespace = dict(shell.user_ns)
            signal.alarm(ENTRY_TIMEOUT)
            try:
                exec(compile(entry.source, f"<{entry.function}: {entry.why}>", "exec"), namespace)
                seen = observations(probes[entry.function], namespace[entry.function])
            except (TimeoutError, Exception):  # noqa: BLE001 - an entry that cannot be probed stays unnamed
                seen = None
            finally:
                signal.alarm(0)
        entries.append([kind, entry.function, entry.why, seen])
    return {"reference": reference, "entries": entries}


def observed(lesson):
    """observe_lesson(lesson), run in a process of its own."""
    env = {**os.environ, "DLCOURSE_FAST": "1", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    env.pop("NBGRADER_EXECUTION", None)
    with tempfile.TemporaryDirectory(prefix="dlcourse-fingerprints-") as tmp:
        out = Path(tmp) / "observed.json"
        done = subprocess.run([sys.executable, "-m", "tests.mistakes.fingerprints", "--observe", lesson, str(out)],
                              cwd=REPO, env=env, capture_output=True, text=True)
        if done.returncode or not out.exists():
            raise RuntimeError(f"observing {lesson} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return json.loads(out.read_text())


def same_items(a, b):
    """Two fingerprints (item lists) that record the same behaviour, numbers within tolerance."""
    from utils.diagnosis.observe import close
    if len(a) != len(b):
        return False
    for (pa, patha, ia), (pb, pathb, ib) in zip(a, b):
        if (pa, patha, ia[0], ia[1]) != (pb, pathb, ib[0], ib[1]):
            return False
        if ia[0] == "values" and (ia[2].keys() != ib[2].keys()
                                  or not all(close(ia[2][k], ib[2][k]) for k in ia[2])):
            return False
    return True


def fingerprints(lesson, found):
    """The lesson's fingerprint file (a dict) from observe_lesson's result."""
    from utils.diagnosis import probes_for
    from utils.diagnosis.match import FORMAT, differences
    from tests.mistakes import catalogues

    probes = probes_for(lesson)
    hints = {(e.function, e.why): e.hint for e in catalogues()[lesson].MISTAKES}
    functions = {}
    for function, reference in found["reference"].items():
        mistakes = []
        for kind, f, why, seen in found["entries"]:
            if kind != "mistake" or f != function:
                continue
            items = [] if seen is None else [[p, path, item] for p, (ref, got) in enumerate(zip(reference, seen))
                                             for path, item in differences(ref, got)]
            entry = {"why": why, "items": items}
            if hints.get((f, why)):
                entry["hint"] = hints[(f, why)]
            mistakes.append(entry)
        for entry in mistakes:
            twins = [o["why"] for o in mistakes if o is not entry and entry["items"] and same_items(o["items"], entry["items"])]
            if twins:
                entry["twins"] = twins
        functions[function] = {"probes": [p.label for p in probes[function]], "mistakes": mistakes}
    return {"format": FORMAT, "lesson": lesson, "functions": functions}


def verdicts(lesson, found, prints):
    """How each catalogue entry is diagnosed: [(kind, function, why, [names diagnosed])]."""
    from utils.diagnosis.match import best
    rows = []
    for kind, function, why, seen in found["entries"]:
        known = prints["functions"].get(function)
        named = [] if known is None or seen is None else [e["why"] for e in best(known["mistakes"], seen)]
        rows.append((kind, function, why, named))
    return rows


def lessons_with_probes():
    from dlcourse.paths import lesson_ids
    from utils.diagnosis import probes_for
    return [lesson for lesson in lesson_ids() if probes_for(lesson)]


def path_of(lesson):
    from utils.diagnosis.match import FINGERPRINTS
    return FINGERPRINTS / f"{lesson}.json"


def render(prints):
    """The file's text: one line per mistake, so that a change to the catalogue is a readable diff."""
    lines = ["{", f' "format": {prints["format"]},', f' "lesson": {json.dumps(prints["lesson"])},', ' "functions": {']
    functions = sorted(prints["functions"].items())
    for n, (function, known) in enumerate(functions):
        lines.append(f"  {json.dumps(function)}: {{")
        lines.append(f'   "probes": {json.dumps(known["probes"])},')
        lines.append('   "mistakes": [')
        for m, entry in enumerate(known["mistakes"]):
            comma = "," if m < len(known["mistakes"]) - 1 else ""
            lines.append("    " + json.dumps(entry, sort_keys=True, separators=(",", ":")) + comma)
        lines.append("   ]")
        lines.append("  }" + ("," if n < len(functions) - 1 else ""))
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def build(lessons, parallel=2):
    """{lesson: (observations, fingerprints)} for the lessons, observed two at a time."""
    with ThreadPoolExecutor(parallel) as pool:
        found = dict(zip(lessons, pool.map(observed, lessons)))
    return {lesson: (found[lesson], fingerprints(lesson, found[lesson])) for lesson in lessons}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lesson", action="append", help="only this lesson (repeatable)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files are out of date")
    parser.add_argument("--report", action="store_true", help="print how each lesson's mistakes are diagnosed")
    parser.add_argument("--observe", nargs=2, metavar=("LESSON", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.observe:
        Path(args.observe[1]).write_text(json.dumps(observe_lesson(args.observe[0])))
        return 0
    lessons = args.lesson or lessons_with_probes()
    stale = []
    for lesson, (found, prints) in build(lessons).items():
        text = render(prints)
        path = path_of(lesson)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(lesson)
        elif not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(REPO)}")
        if args.report:
            report(lesson, verdicts(lesson, found, prints), prints)
    if stale:
        print("out of date (run `make fingerprints`):", *stale)
        return 1
    return 0


def report(lesson, rows, prints):
    mistakes = [r for r in rows if r[0] == "mistake"]
    alone = sum(1 for _, _, why, named in mistakes if named == [why])
    twins = sum(1 for _, _, why, named in mistakes if why in named and len(named) > 1)
    wrong = [(f, why, named) for kind, f, why, named in rows if named and why not in named]
    print(f"{lesson}: {len(mistakes)} mistakes, {alone} named alone, {twins} among twins, "
          f"{len(mistakes) - alone - twins} not named, {len(wrong)} named wrongly")
    for kind, f, why, named in rows:
        if kind == "mistake" and why not in named:
            print(f"    not named: {f}: {why}" + (f" (named: {named})" if named else ""))
        if kind == "correct" and named:
            print(f"    CORRECT VARIANT NAMED: {f}: {why} -> {named}")


if __name__ == "__main__":
    sys.exit(main())
