"""Notes, before nbgrader restores them, the graded cells a student changed or removed.

Runs in autograde's sanitize step just before nbgrader's OverwriteCells, which
puts locked cells (the tests) back as the lesson has them and re-adds missing
ones (settings.py turns that on). The changes themselves therefore earn
nothing; this preprocessor only makes sure the instructor hears about them.
Findings travel to SafeExecute in the notebook's metadata.
"""

from nbgrader import utils as nbutils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from ..records import Finding, Kind
from .execute import FLAGS_METADATA


class FlagChangedCells(NbGraderPreprocessor):

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        findings = []
        present = {}
        for index, cell in enumerate(nb.cells):
            meta = cell.metadata.get("nbgrader", {})
            gid = meta.get("grade_id")
            if not gid:
                continue
            if gid in present:
                findings.append(_finding(index, gid, Kind.DUPLICATED_CELL, "a second copy was ignored"))
                continue
            present[gid] = index
            locked_test = meta.get("locked") and not meta.get("solution")
            if locked_test and "checksum" in meta and nbutils.compute_checksum(cell) != meta["checksum"]:
                findings.append(_finding(index, gid, Kind.EDITED_LOCKED, "restored from the lesson"))
        try:
            with Gradebook(info["db_url"], info.get("course_id") or "default_course") as gb:
                source = gb.find_notebook(info["notebook"], info["assignment"])
                for grade_cell in source.grade_cells:
                    if grade_cell.name not in present:
                        findings.append(_finding(None, grade_cell.name, Kind.DELETED_CELL, "added back"))
                    elif nb.cells[present[grade_cell.name]].cell_type != grade_cell.cell_type:
                        findings.append(_finding(present[grade_cell.name], grade_cell.name,
                                                 Kind.CHANGED_TYPE, f"set back to {grade_cell.cell_type}"))
        except MissingEntry:
            pass
        nb.metadata[FLAGS_METADATA] = [f.to_dict() for f in findings]  # JSON, in the notebook
        return nb, resources


def _finding(index: int | None, grade_id: str, kind: Kind, detail: str) -> Finding:
    return Finding(kind, detail, index, grade_id)
