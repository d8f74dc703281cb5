"""How often feedback names the mistake: every catalogued mistake, diagnosed where its test fails.

    .venv/bin/python benchmarks/diagnosis.py [--lesson 03-loss-and-gradient-descent ...] [--list]

Each mistake of the catalogues (tests/mistakes/) is tried with the quick trial, which runs
the lesson's cells and, under each test cell that raises, the diagnosis a student reads
(utils.diagnosis.diagnose_cell, as the grader's checker and the lessons' error handler call
it). A mistake counts as named when one of its failing tests names it: alone, or together
with twins that behave identically on every probe. Named wrongly: a failing test names a
mistake it is not (the target is none). Correct answers written differently are checked
on the probes directly: none may be named. Compare with benchmarks/mistake_signatures.py,
what the failure messages alone could tell apart. About three minutes on two cores.
"""

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DLCOURSE_FAST", "1")

from tests.mistakes import Correct, catalogues, fingerprints, trial  # noqa: E402


def named_in_trial(lesson, module):
    """[(function, why, {whys named under its failing tests})] for the lesson's mistakes."""
    planner, batches, _, outcomes = trial.try_catalogue(lesson, module)
    rows = []
    for batch, outcome in zip(batches, outcomes):
        for function, answer in batch.items():
            if isinstance(answer, Correct):
                continue
            named = {why for test in planner.tests_of(function) for f, why in trial.diagnosed(outcome.get(test))
                     if f == function}
            rows.append((function, answer.why, named))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lesson", action="append", help="only this lesson (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the mistakes not named")
    args = parser.parse_args(argv)
    chosen = catalogues(args.lesson)
    built = fingerprints.build(list(chosen))
    totals = [0] * 6
    print("lesson                          mistakes  alone  twins  unnamed  wrong  correct-named")
    for lesson, module in chosen.items():
        found, prints = built[lesson]
        twins_of = {(f, e["why"]): set(e.get("twins", ())) for f, known in prints["functions"].items()
                    for e in known["mistakes"]}
        rows = named_in_trial(lesson, module)
        alone = [r for r in rows if r[2] == {r[1]}]
        among = [r for r in rows if r[1] in r[2] and len(r[2]) > 1]
        wrong = [r for r in rows if r[2] - {r[1]} - twins_of.get((r[0], r[1]), set())]
        unnamed = [r for r in rows if r[1] not in r[2]]
        correct = [v for v in fingerprints.verdicts(lesson, found, prints) if v[0] == "correct" and v[3]]
        figures = [len(rows), len(alone), len(among), len(unnamed), len(wrong), len(correct)]
        totals = [a + b for a, b in zip(totals, figures)]
        print(f"{lesson:32}{figures[0]:8}{figures[1]:7}{figures[2]:7}{figures[3]:9}{figures[4]:7}{figures[5]:15}")
        if args.list:
            for function, why, named in unnamed + wrong:
                print(f"    {function}: {why}" + (f" (named {sorted(named)})" if named else ""))
    n = max(totals[0], 1)
    print(f"{'all':32}{totals[0]:8}{totals[1]:7}{totals[2]:7}{totals[3]:9}{totals[4]:7}{totals[5]:15}")
    print(f"named: {100 * (totals[1] + totals[2]) / n:.1f}% ({100 * totals[1] / n:.1f}% alone), "
          f"named wrongly: {totals[4]}, correct answers named: {totals[5]}")


if __name__ == "__main__":
    main()
