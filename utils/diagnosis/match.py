"""Naming a mistake: a function's observations on its probes against the catalogued fingerprints.

A fingerprint is what one catalogued mistake does differently from the right answer on
the probes, and nothing else: for each probe and path where it differs, either the
leaf's header (it raises, returns another shape or kind, modifies its argument) or the
header and only the numbers that differ, by position. A number a mistake shares with
the right answer is never stored, so no fingerprint holds a right answer.

A function matches a mistake when it does everything the fingerprint records. Of the
mistakes it matches, the ones with the most recorded differences are named: a more
specific fingerprint wins, and mistakes that behave identically on every probe (twins)
are named together.
"""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from .observe import MARGIN, RTOL, ATOL, close, header, observe, values

FORMAT = 1
FINGERPRINTS = Path(__file__).with_name("fingerprints")


@dataclass(frozen=True)
class Diagnosis:
    function: str
    why: str  # the catalogue's name for the mistake ("sum instead of mean")
    hint: str = ""  # a question that leads the student to it, without giving the code
    twins: tuple = field(default=())  # mistakes that behave the same on every probe

    def sentence(self):
        text = f"your `{self.function}` behaves like a known mistake: {self.why}."
        return text + (f" {self.hint}" if self.hint else "")


def differences(reference, mistake):
    """A mistake's fingerprint items for one probe: [[path, item], ...] where it differs from the reference.

    item: ["is", leaf-or-header] (the leaf itself for leaves without numbers, else its header: shape
    and kind differ) or ["values", header, {position: number}] (same shape and kind, these numbers differ).
    """
    items = []
    for path in sorted(set(reference) | set(mistake)):
        ref, got = reference.get(path, ["absent"]), mistake.get(path, ["absent"])
        if header(ref) != header(got):
            items.append([path, ["is", header(got)]])
            continue
        ref_values, got_values = values(ref), values(got)
        if ref_values is None:
            continue
        differing = {str(i): b for i, (a, b) in enumerate(zip(ref_values, got_values))
                     if not close(a, b, MARGIN * RTOL, MARGIN * ATOL)}
        if differing:
            items.append([path, ["values", header(got), differing]])
    return items


def matches(item, found):
    """Does the leaf `found` (or None: the probe did not run) do what the fingerprint item records?"""
    if found is None:
        return False
    kind, head = item[0], item[1]
    if header(found) != head:
        return False
    if kind == "is":
        return True
    got = values(found)
    return all(int(i) < len(got) and close(got[int(i)], number) for i, number in item[2].items())


def load(lesson):
    """The lesson's fingerprints ({function: {"probes", "mistakes"}}), or {} when it has none."""
    path = FINGERPRINTS / f"{lesson}.json"
    if not path.is_file():
        return {}
    with open(path) as f:
        data = json.load(f)
    return data["functions"] if data.get("format") == FORMAT else {}


def observations(probes, obj, budget=None):
    """[observation or None] of obj on each probe; None for probes left out when `budget` seconds ran out."""
    deadline = None if budget is None else time.monotonic() + budget
    found = []
    for probe in probes:
        if deadline is not None and time.monotonic() > deadline:
            found.append(None)
            continue
        found.append(observe(probe, obj))
    return found


def best(mistakes, seen):
    """The catalogued mistakes (fingerprint entries) that `seen`, the observations, matches best."""
    def leaf_seen(probe, path):
        return None if seen[probe] is None else seen[probe].get(path, ["absent"])

    scored = []
    for entry in mistakes:
        items = entry["items"]
        if items and all(matches(item, leaf_seen(p, path)) for p, path, item in items):
            scored.append((len(items), entry))
    if not scored:
        return []
    top = max(score for score, _ in scored)
    return [entry for score, entry in scored if score == top]
