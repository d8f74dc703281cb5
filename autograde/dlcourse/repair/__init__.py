"""Repair a student notebook that editing damaged, by matching its cells to the lesson's.

Students split, merge, copy, re-type, move and delete cells, and editors lose
or duplicate nbgrader's metadata. nbgrader then fails, double-counts or
silently scores zero. `repair(nb, reference)` matches every cell of a student
notebook to the released lesson (`reference`), by grade id first and by
content second, and rebuilds the notebook in the lesson's order:

* graded cells get the lesson's nbgrader metadata and cell type back;
* an answer cell split in two is joined again, whether the editor copied its
  metadata onto both halves (JupyterLab) or left the new half bare (the classic
  Notebook); cells merged together are split back where they hold a lesson cell's text;
* a test cell that was deleted is put back; copies of a test are removed;
* an answer written in a new cell (or moved away) goes back to its place;
* cells pasted from another lesson lose their (foreign) grading metadata;
* everything else the student wrote stays, next to the cell it followed.

A student's own code and text are never dropped: what the repair cannot place
(or settle) is kept and reported as a flag for the instructor. The repair is
deterministic and idempotent, and never runs the student's code.

The modules, one job each:

    reading.py       tolerant, deterministic reading of a notebook file
    source.py        what a cell's text says (names, compiles, split halves), cell copies
    plan.py          the lesson's and the student's cells matched into a Plan
    answers.py       choosing (and joining) the answer cells
    assemble.py      the repaired notebook from a plan
    records.py       backups, `dlcourse repair`'s file, the course's record of repairs
    preprocessor.py  RepairCells: the repair inside nbgrader's autograde (settings.py)

merge.py (`dlcourse update`) composes the same plan and assembly with steps of its own.
"""

from __future__ import annotations

import copy

from nbformat import NotebookNode

from .assemble import assemble
from .plan import Kind, Piece, Plan, Ref, Report, Role, Wording, match
from .reading import RepairError, as_dict, loads, read
from .records import REPAIRS_DIR, backup_path, recorded, repair_file
from .source import norm, recorded_checksum_matches, split_join

__all__ = ["Kind", "Piece", "Plan", "REPAIRS_DIR", "Ref", "RepairError", "Report", "Role", "Wording", "as_dict",
           "assemble", "backup_path", "loads", "match", "norm", "read", "recorded", "recorded_checksum_matches",
           "repair", "repair_file", "split_join"]


def repair(nb: NotebookNode, reference: NotebookNode, notes: tuple[str, ...] | list[str] = (), *,
           join_ambiguous: bool = True) -> tuple[NotebookNode, Report]:
    """Repair a student notebook against the released lesson; returns (repaired notebook, Report).

    Neither argument is modified. A notebook that needs nothing comes back equal
    to the input (and report.changed is False). notes: changes already made
    while reading the file (see loads), reported first. join_ambiguous=False gives
    the other reading of the splits listed in report.ambiguous (left apart).
    """
    plan = match(nb, reference, join_ambiguous)
    repaired = assemble(plan)
    report = plan.report
    report.changes[:0] = list(notes)
    if as_dict(repaired) != as_dict(nb) and not report.changes:
        report.changes.append("Tidied the notebook's cell ids and metadata.")
    if not report.changes:
        return copy.deepcopy(nb), report
    return repaired, report
