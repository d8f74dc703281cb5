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
                findings.append(_finding(index, gid, "duplicated graded cell", "a second copy was ignored"))
                continue
            present[gid] = index
            locked_test = meta.get("locked") and not meta.get("solution")
            if locked_test and "checksum" in meta and nbutils.compute_checksum(cell) != meta["checksum"]:
                findings.append(_finding(index, gid, "edited a locked cell", "restored from the lesson"))
        try:
            with Gradebook(info["db_url"], info.get("course_id") or "default_course") as gb:
                source = gb.find_notebook(info["notebook"], info["assignment"])
                for grade_cell in source.grade_cells:
                    if grade_cell.name not in present:
                        findings.append(_finding(None, grade_cell.name, "deleted a graded cell", "added back"))
                    elif nb.cells[present[grade_cell.name]].cell_type != grade_cell.cell_type:
                        findings.append(_finding(present[grade_cell.name], grade_cell.name,
                                                 "changed a graded cell's type", f"set back to {grade_cell.cell_type}"))
        except MissingEntry:
            pass
        nb.metadata[FLAGS_METADATA] = findings
        return nb, resources


def _finding(index, grade_id, kind, detail):
    return {"cell": index, "grade_id": grade_id, "kind": kind, "detail": detail}
