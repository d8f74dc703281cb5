"""The repair as a step of nbgrader's own pipeline, so every way of autograding repairs alike.

settings.configure lists `RepairCells` first among `Autograde.sanitize_preprocessors`
(before FlagChangedCells and OverwriteCells) and makes `TolerantExporter` the
exporter that reads each submission, so `dlcourse grade`, plain `nbgrader
autograde` and the Formgrader all grade the repaired notebook:

    submitted/<student>/<lesson>/X.ipynb   (never modified)
      -> TolerantExporter: read as `dlcourse repair` reads (an empty file is an empty
         notebook, repeated cell ids fixed deterministically)
      -> RepairCells: repair against the lesson's student version; what it changed and
         flagged goes into the notebook's metadata (REPORT_METADATA), and the original,
         report.json and, for an ambiguous split, the other reading (the halves left apart)
         into <course>/repairs/<student>/<lesson>/ (records.py)
      -> FlagChangedCells, OverwriteCells, ... -> autograded/<student>/<lesson>/X.ipynb

It runs in the grader's process, before any kernel: it only parses the
student's code (ast, compile), never runs it, and a failure of its own leaves
the submission as submitted with a flag, never stopping the grading.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from ..course import grading_release
from . import records, repair
from .plan import Report
from .reading import loads

REPORT_METADATA = "dlcourse_repair"  # notebook metadata: {"changes": [...], "flags": [...]}
READ_FIXES = "dlcourse_read_fixes"  # resources key: what reading the file fixed (repeated cell ids)
MAX_CELLS = 5000  # a submission with more cells than this is graded as submitted (the repair would take long)


class TolerantExporter(NotebookExporter):
    """nbgrader's notebook exporter, reading a submission the way the repair does (reading.loads)."""

    def from_file(self, file_stream, resources=None, **kw):
        text = file_stream.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        fixes: list[str] = []
        nb = loads(text, fixes)  # RepairError (not a notebook): nbgrader reports it and grades nothing
        resources = resources if resources is not None else {}
        resources[READ_FIXES] = fixes
        return self.from_notebook_node(nb, resources, **kw)


def release_notebook(coursedir, lesson: str, name: str) -> Path | None:
    """The lesson's student version to repair against: the one `dlcourse grade` generates inside the
    course folder (course.grading_release) when there is one, else the course's release folder."""
    candidates = [grading_release(coursedir.root) / lesson / f"{name}.ipynb",
                  Path(coursedir.format_path(coursedir.release_directory, ".", lesson), f"{name}.ipynb")]
    return next((path for path in candidates if path.is_file()), None)


class RepairCells(NbGraderPreprocessor):
    """Repair a damaged submission before nbgrader checks and grades it (see the module's docstring)."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources.get("nbgrader", {})
        lesson, student, name = info.get("assignment"), info.get("student"), info.get("notebook")
        coursedir = self._coursedir()
        try:
            if len(nb.cells) > MAX_CELLS:
                raise ValueError(f"{len(nb.cells)} cells, more than the {MAX_CELLS} the repair looks at")
            reference = release_notebook(coursedir, lesson, name)
            if reference is None:
                self.log.warning("No student version of %s/%s.ipynb to repair against; graded as submitted",
                                 lesson, name)
                return nb, resources
            lesson_nb = nbformat.read(str(reference), as_version=4)
            notes = resources.get(READ_FIXES, ())
            repaired, report = repair(nb, lesson_nb, notes)
            other = repair(nb, lesson_nb, notes, join_ambiguous=False)[0] if report.ambiguous else None
        except Exception as err:  # never stop grading because of the repair
            self.log.warning("The repair of %s failed: %s: %s", name, type(err).__name__, err)
            repaired, other, report = nb, None, Report(flags=[f"{name}.ipynb: the automatic repair failed "
                                                              f"({type(err).__name__}: {err}); graded as submitted."])
        try:
            original = Path(coursedir.format_path(coursedir.submitted_directory, student, lesson), f"{name}.ipynb")
            if other is not None:
                kept = records.other_reading_path(coursedir.root, student, lesson, original.name)
                report.flags.append(f"The other reading, with {', '.join(f'`{g}`' for g in report.ambiguous)} "
                                    f"left apart as submitted, is kept in {kept}: grade it to compare.")
            records.keep(coursedir.root, student, lesson, original, report, other)
        except Exception as err:  # the record is for the instructor; grading goes on without it
            self.log.warning("Could not keep the repair record of %s/%s: %s", student, name, err)
        repaired.metadata[REPORT_METADATA] = {"changes": list(report.changes), "flags": list(report.flags)}
        if report.changes or report.flags:
            self.log.info("Repaired %s of %s: %d change(s), %d flag(s)", name, student, len(report.changes),
                          len(report.flags))
        return repaired, resources

    def _coursedir(self):
        """The converter's CourseDirectory (the exporter's parent holds it), else one from the config."""
        parent = self.parent
        while parent is not None:
            if getattr(parent, "coursedir", None) is not None:
                return parent.coursedir
            parent = getattr(parent, "parent", None)
        from nbgrader.coursedir import CourseDirectory
        return CourseDirectory(config=self.config)

