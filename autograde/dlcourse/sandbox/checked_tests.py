"""Graded test cells run by the checker inside the kernel, not by the kernel's own machinery.

SafeExecute (execute.py) runs ordinary cells as nbclient does and hands every
graded test cell to `CheckedTests.run_test_cell`: the cell's source goes to the
checker over its own socket (channel.py, checker/server.py), which runs it the
way the lesson wrote it (checker/runner.py) and answers with the test's output,
its error if any, and every change student code made to what tests rely on.
The cell's outputs are rebuilt from that answer: nbgrader then scores it as
usual (an error or anything on stderr: no points).

Whatever student code did to IPython (input or AST transformers, event
callbacks, display hooks, custom exception handlers, the kernel's message
handlers), a test cannot be changed by it: its source never passes through them.
"""

import re
from pathlib import Path

from nbformat import NotebookNode
from nbgrader import utils as nbutils

from ..records import Diagnosed, Finding, Kind
from . import channel

DIAGNOSIS_MODULE = "utils.diagnosis"  # a lesson that imports it names known mistakes under failing tests


def error_output(name, message):
    """An error output as nbclient records it (nbgrader scores a test cell with one as zero)."""
    return NotebookNode(output_type="error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


def import_aliases(nb):
    """{name: "module" or "module:attribute"} for the imports in the lesson's own (non-answer) cells."""
    aliases = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or nbutils.is_solution(cell):
            continue
        for line in cell.source.splitlines():
            line = line.strip()
            if m := re.fullmatch(r"import\s+([\w.]+)(?:\s+as\s+(\w+))?", line):
                aliases[m.group(2) or m.group(1).split(".")[0]] = m.group(1) if m.group(2) else m.group(1).split(".")[0]
            elif m := re.fullmatch(r"from\s+([\w.]+)\s+import\s+\(?([\w\s,]+?)\)?", line):
                for part in m.group(2).split(","):
                    words = part.split()
                    if words:
                        aliases[words[-1]] = f"{m.group(1)}:{words[0]}"
    return aliases


def lesson_imports(lesson_nb):
    """(aliases as {name: (module, attribute)}, modules to import before student code) of a lesson."""
    aliases, modules = {}, set()
    for name, target in import_aliases(lesson_nb).items():
        module, _, attribute = target.partition(":")
        aliases[name] = (module, attribute)
        modules.add(module)
        if attribute:
            modules.add(f"{module}.{attribute}")  # `from utils import toy` imports a module
    return aliases, sorted(modules)


def lesson_source(nb, resources, config):
    """The lesson as its author wrote it (the course's source notebook), else the submission itself.

    The lesson's imports decide what the names in a test mean, so they are read from the
    source when nbgrader says which lesson this is: a student's edits cannot redefine them.
    """
    import nbformat
    info = (resources or {}).get("nbgrader") or {}
    source_dir = config.get("CourseDirectory", {}).get("source_directory")
    if source_dir and info.get("assignment") and info.get("notebook"):
        path = Path(source_dir, info["assignment"], f"{info['notebook']}.ipynb")
        if path.is_file():
            return nbformat.read(path, as_version=4)
    return nb


def diagnosis_lesson(resources, modules):
    """The lesson whose known mistakes a failing test is compared with (nbgrader's assignment), or None
    when the lesson does not import utils.diagnosis (`modules`: what the lesson imports)."""
    lesson = ((resources or {}).get("nbgrader") or {}).get("assignment")
    if not lesson or not any(m == DIAGNOSIS_MODULE or m.startswith(DIAGNOSIS_MODULE + ".") for m in modules):
        return None
    return str(lesson)


def diagnosis_preload(lesson):
    """The modules the checker loads (and records) before any student code to diagnose `lesson`."""
    from utils.diagnosis import probe_module
    return [DIAGNOSIS_MODULE, probe_module(lesson)]


class CheckedTests:
    """The part of SafeExecute that runs graded test cells through the checker.

    After a test fails, the checker names the known mistake its functions behave like
    (checker/diagnose.py): the sentences end the cell's error message, and the
    instructor's report gets them as `Diagnosed` records (self._diagnoses).
    """

    def prepare_diagnosis(self, resources, enabled):
        """Decide, for one notebook, whether failing tests are diagnosed; returns modules to preload."""
        self._diagnoses = []
        self._diagnosis_lesson = diagnosis_lesson(resources, self._preload) if enabled else None
        return diagnosis_preload(self._diagnosis_lesson) if self._diagnosis_lesson else []

    def run_test_cell(self, cell, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"
        used = {name: target for name, target in self._aliases.items()
                if re.search(rf"(?<![\w.]){re.escape(name)}\b", cell.source)}
        request = {"op": "test", "source": cell.source, "filename": f"<test {grade_id}>",
                   "aliases": used, "max_output": self.max_cell_output}
        if getattr(self, "_diagnosis_lesson", None):
            request["diagnose"] = {"lesson": self._diagnosis_lesson, "limit": float(self._cell_limit)}
        try:
            result = channel.ask(self.km.checker_folder, self.km.checker_key, request, timeout=self._cell_limit)
        except channel.CheckerTimeout:
            what = "this test (or the diagnosis of its failure)" if "diagnose" in request else "this test"
            cell.outputs = [error_output("CellTimeoutError", f"{what} ran longer than its limit of "
                                         f"{self._cell_limit} s and was stopped (the kernel was restarted)")]
            self._flag(index, cell, Kind.TIME_LIMIT, f"{what.replace('this', 'the', 1)} ran longer than "
                       f"{self._cell_limit} s")
            self._recover(index)
            return
        except channel.CheckerUnreachable as err:
            if not self._kernel_alive():
                cell.outputs = [error_output("KernelDied", "The kernel stopped while running this test "
                                             "(os._exit, a crash, or more memory than allowed). Later cells "
                                             "ran in a restarted kernel.")]
                self._flag(index, cell, Kind.KERNEL_DIED, self._kernel_log_tail())
            else:
                cell.outputs = [error_output("CheckerUnreachable", "the grader could not run this test safely, "
                                             "so it earns no points")]
                self._flag(index, cell, Kind.CHECKER_UNREACHABLE, str(err))
            self._recover(index)
            return
        cell.outputs = self._outputs(result, index)
        for function, why in result.get("diagnoses") or ():
            self._diagnoses.append(Diagnosed(function, why, index, cell.metadata.get("nbgrader", {}).get("grade_id")))
        for kind, findings in ((Kind.TAMPERING_BEFORE, result["before"]), (Kind.TAMPERING_DURING, result["during"])):
            for finding in findings:
                self._flag(index, cell, kind, finding)
        if result["before"] or result["during"]:
            cell.outputs.append(error_output(
                "Tampering", "Student code changed what the tests rely on (see the grader's review notes), "
                "so this test earns no points."))

    def _outputs(self, result, index):
        outputs = []
        for name, text in result["outputs"]:
            size = len(text)
            if self._total_output + size > self.max_notebook_output:
                text = text[:max(0, self.max_notebook_output - self._total_output)]
            self._total_output += len(text)
            outputs.append(NotebookNode(output_type="stream", name=name, text=text))
        if any("[output limit reached" in text for name, text in result["outputs"] if name == "stderr"):
            self._findings.append(Finding(Kind.OUTPUT_LIMIT, f"more than {self.max_cell_output:,} characters of output",
                                          index))
        if result["error"]:
            name, message = result["error"]
            outputs.append(error_output(name, message))
        return outputs

    def _kernel_alive(self):
        from jupyter_core.utils import run_sync
        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False
