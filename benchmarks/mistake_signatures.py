"""How many catalogued mistakes the hidden tests' own failure messages already tell apart.

    .venv/bin/python benchmarks/mistake_signatures.py [--lesson 03-loss-and-gradient-descent ...]

The baseline for naming a student's mistake (the mistake-diagnosis issue): every entry
of the mistake catalogues (tests/mistakes/) is tried with the quick trial, and each
mistake's signature is what a student sees today, the failure message of every test cell
of its function. A mistake whose signature no other mistake of the same function shares
could be named from the feedback alone; the others need more evidence (the function's
outputs on probe inputs). Prints, per lesson, the mistakes, how many are named uniquely,
and the groups that share a signature. About two minutes on two cores.
"""

import argparse
import collections
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DLCOURSE_FAST", "1")

from tests.mistakes import Correct, catalogues, trial  # noqa: E402


def signatures(lesson, module):
    """{(function, signature): [why, ...]} for the lesson's catalogued mistakes."""
    planner, batches, _, outcomes = trial.try_catalogue(lesson, module)
    found = collections.defaultdict(list)
    for batch, outcome in zip(batches, outcomes):
        for function, answer in batch.items():
            if not isinstance(answer, Correct):
                # Today's messages only: the diagnosis the trial appends is what this baseline is compared with.
                signature = tuple((test, (outcome.get(test) or "").split(trial.DIAGNOSED)[0] or None)
                                  for test in planner.tests_of(function))
                found[(function, signature)].append(answer.why)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lesson", action="append", help="only this lesson (repeatable)")
    parser.add_argument("--groups", action="store_true", help="list the mistakes that share a signature")
    args = parser.parse_args(argv)
    chosen = catalogues(args.lesson)
    total = unique = 0
    for lesson, module in chosen.items():
        found = signatures(lesson, module)
        mistakes = sum(len(whys) for whys in found.values())
        alone = sum(1 for whys in found.values() if len(whys) == 1)
        total, unique = total + mistakes, unique + alone
        print(f"{lesson}: {mistakes} mistakes, {alone} named by their failure messages alone, "
              f"{len(found)} distinct signatures")
        if args.groups:
            for (function, _), whys in sorted(found.items(), key=lambda item: item[0][0]):
                if len(whys) > 1:
                    print(f"    {function}: " + " | ".join(whys))
    print(f"all: {total} mistakes, {unique} named uniquely ({100 * unique / max(total, 1):.0f}%)")


if __name__ == "__main__":
    main()
