"""Every mistake-catalogue entry graded by the real pipeline, compared with the quick trial.

    .venv/bin/python benchmarks/catalogue_in_nbgrader.py [--lesson 05-neural-network ...] [--workers N]

The test suite tries the whole catalogue in one process (tests/mistakes/trial.py)
and grades only samples through nbgrader. This grades every pretend submission
with `dlcourse grade` and prints, per lesson, how long each way took and whether
nbgrader took points off exactly the test cells the trial found failing.
Exits 1 on any disagreement. Takes about ten minutes on two cores.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DLCOURSE_FAST", "1")

from tests import submissions as subs  # noqa: E402
from tests.mistakes import catalogues, trial  # noqa: E402
from tests.mistakes.plan import pack_catalogue, sources  # noqa: E402


def compare(lesson, workers):
    """(trial seconds, nbgrader seconds, submissions, [disagreement])."""
    _, batches = pack_catalogue(catalogues()[lesson])
    start = time.perf_counter()
    _, outcomes = trial.run(lesson, [sources(b) for b in batches])
    tried = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="catalogue-") as tmp:
        start = time.perf_counter()
        found = trial.graded_by_nbgrader(subs.new_course(Path(tmp)), lesson, [sources(b) for b in batches], workers)
        graded = time.perf_counter() - start
    disagreements = [f"{[a.why for a in batch.values()]}: nbgrader {lost}, trial {sorted(trial.failing(failed))}"
                     for batch, failed, lost in zip(batches, outcomes, found) if lost != trial.failing(failed)]
    return tried, graded, len(batches), disagreements


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", action="append", help="a lesson id (repeatable); default: every catalogue")
    parser.add_argument("--workers", type=int, default=None, help="grading workers (default: one per core)")
    args = parser.parse_args()
    lessons = args.lesson or sorted(catalogues())
    failed = False
    print(f"{'lesson':32} {'submissions':>11} {'trial s':>8} {'nbgrader s':>10}  agreement")
    for lesson in lessons:
        tried, graded, n, disagreements = compare(lesson, args.workers)
        failed |= bool(disagreements)
        verdict = "every test cell agrees" if not disagreements else f"{len(disagreements)} disagree"
        print(f"{lesson:32} {n:11d} {tried:8.1f} {graded:10.1f}  {verdict}", flush=True)
        for line in disagreements:
            print("    " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
