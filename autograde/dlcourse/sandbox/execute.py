"""nbgrader's Execute step, made safe for hostile or broken notebooks.

Replaces `nbgrader.preprocessors.Execute` in autograding (settings.py). On top
of nbgrader's behaviour it

- runs the kernel in the sandbox (kernel.SandboxedKernelManager);
- limits the time of each cell and of the whole notebook; cells after the
  notebook's limit are not run and get an error that says so;
- caps the output a cell and the notebook may produce;
- survives a kernel that dies (os._exit, a crash, memory) or ignores
  interrupts: the cell gets an error, the kernel is restarted, the earlier
  cells are run again quietly, and grading goes on with the next cell;
- calls guard.py around every graded test cell, so patched checks are put
  back before the test and patching during the test fails the cell;
- writes what it saw to GRADING_REPORT in the submission's autograded folder,
  for `dlcourse grade` to show the instructor.

A cell that breaks a limit or cheats scores zero like any failing test cell:
nbgrader gives no points to a test cell with an error output.
"""

import ast
import asyncio
import json
import re
import time
from pathlib import Path

from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils as nbutils
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

from ..headless import detach_output_widgets
from .kernel import SandboxedKernelManager

GRADING_REPORT = "dlcourse-grading.json"
FLAGS_METADATA = "dlcourse_flags"  # notebook metadata where earlier steps leave their findings

GUARD_ARM = "__import__('dlcourse.sandbox.guard', fromlist=['arm']).arm()"
GUARD_CALL = "__import__('dlcourse.sandbox.guard', fromlist=['arm']).{}({})"

# Student code worth a human look even when it did no harm.
SUSPICIOUS = [
    (r"\bos\._exit\b|\bsys\.exit\b", "exits the kernel"),
    (r"\bctypes\b", "uses ctypes"),
    (r"\bsignal\.signal\b", "changes signal handling"),
    (r"\bsys\.modules\b", "touches sys.modules"),
    (r"\b(np|numpy)(\.testing)?\.\w+\s*=[^=]", "assigns to a numpy function"),
    (r"setattr\(\s*(np|numpy|builtins|sys)\b", "patches a module with setattr"),
    (r"\bbuiltins\b|__builtins__", "touches builtins"),
    (r"get_ipython\(\)\.\w+\s*=[^=]|showtraceback|InteractiveShell", "patches IPython"),
    (r"gradebook|submitted/|autograded/|solutions/|\.\./", "reads or writes course files"),
    (r"\bsubprocess\b|\bos\.system\b|\bos\.fork\b|\bmultiprocessing\b", "starts processes"),
    (r"\bsocket\b|\burllib\b|\brequests\b|\bhttp\.client\b", "uses the network"),
]


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


class SafeExecute(Execute):
    notebook_timeout = Integer(600, help="Seconds the whole notebook may run; later cells are not run.").tag(config=True)
    max_cell_output = Integer(2_000_000, help="Characters of output kept per cell.").tag(config=True)
    max_notebook_output = Integer(20_000_000, help="Characters of output kept per notebook.").tag(config=True)
    stuck_grace = Integer(5, help="Seconds a kernel may stay busy after an interrupt before it is restarted.").tag(config=True)
    start_attempts = Integer(3, help="Times to try starting a kernel that dies before it answers.").tag(config=True)
    guard = Bool(True, help="Check and restore the testing machinery around test cells.").tag(config=True)

    def __init__(self, **kwargs):
        # nbgrader's Execute passes its own kernel manager class; ours starts kernels in the sandbox.
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(**kwargs)
        detach_output_widgets(self)  # else a widget cell can stall until its time limit (headless.py)

    # -- the notebook ---------------------------------------------------------------------

    def preprocess(self, nb, resources=None, km=None):
        self._findings = list(nb.metadata.get(FLAGS_METADATA, []))
        self._findings += self._scan_student_code(nb)
        self._started = None
        self._stopped = None
        self._replayable = []
        self._output_chars = {}
        self._total_output = 0
        self._capped_cells = set()
        self._aliases = import_aliases(nb)
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self._write_report(resources)

    async def async_start_new_kernel(self, **kwargs):
        # Arm the guard before any student code runs (set here: nbconvert re-reads the
        # configured extra_arguments at the start of every notebook).
        if self.guard and GUARD_ARM not in " ".join(self.extra_arguments):
            self.extra_arguments = [*self.extra_arguments, f"--IPKernelApp.exec_lines={GUARD_ARM}"]
        # A kernel can die before its first reply on a machine under heavy load (seen in CI,
        # 40 sandboxes starting at once). That is no fault of the student's: try again.
        for attempt in range(1, self.start_attempts + 1):
            if self.km is None:
                self.km = self.create_kernel_manager()
            await super().async_start_new_kernel(**kwargs)
            try:
                await self.async_start_new_kernel_client()  # nbclient tidies the kernel away if this fails
                return
            except Exception as err:
                if attempt == self.start_attempts:
                    raise
                self.log.warning("The kernel did not start (%s); trying again (%d of %d).",
                                 err, attempt + 1, self.start_attempts)
                self.km, self.kc = None, None

    start_new_kernel = run_sync(async_start_new_kernel)  # nbconvert calls the synchronous name

    def _write_report(self, resources):
        folder = (resources or {}).get("metadata", {}).get("path")
        if folder and Path(folder).is_dir():
            report = {"findings": self._findings, "stopped": self._stopped}
            Path(folder, GRADING_REPORT).write_text(json.dumps(report, indent=1))

    def _flag(self, index, cell, kind, detail):
        self._findings.append({"cell": index, "grade_id": cell.metadata.get("nbgrader", {}).get("grade_id"),
                               "kind": kind, "detail": detail})

    def _scan_student_code(self, nb):
        found = []
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or nbutils.is_grade(cell) and not nbutils.is_solution(cell):
                continue
            student_written = nbutils.is_solution(cell) or not nbutils.is_locked(cell)
            if not student_written:
                continue
            for pattern, what in SUSPICIOUS:
                if re.search(pattern, cell.source):
                    found.append({"cell": index, "grade_id": cell.metadata.get("nbgrader", {}).get("grade_id"),
                                  "kind": "suspicious code", "detail": what})
        return found

    # -- one cell -------------------------------------------------------------------------

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        self._started = self._started or time.monotonic()
        if self._stopped:
            cell.outputs = [error_output("NotRun", f"This cell was not run: {self._stopped}.")]
            return cell, self.resources
        remaining = self.notebook_timeout - (time.monotonic() - self._started)
        if remaining <= 1:
            self._stopped = f"the notebook used up its time limit of {self.notebook_timeout} s"
            self._flag(index, cell, "time limit", self._stopped)
            cell.outputs = [error_output("NotRun", f"This cell was not run: {self._stopped}.")]
            return cell, self.resources
        self._cell_limit = max(1, int(min(self.timeout or remaining, remaining)))
        is_test = nbutils.is_grade(cell) and not nbutils.is_solution(cell)

        if is_test and self.guard:
            for finding in self._guard("before_test", json.dumps(self._aliases), index, cell):
                self._flag(index, cell, "tampering (repaired before the test)", finding)
        try:
            cell, _ = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            cell.outputs.append(error_output(
                "KernelDied", "The kernel stopped while running this cell (os._exit, a crash, "
                "or more memory than allowed). Later cells ran in a restarted kernel."))
            self._flag(index, cell, "kernel died", self._kernel_log_tail())
            self._recover(index)
            return cell, self.resources
        except CellTimeoutError:
            # nbclient gave up waiting for the kernel to go idle after interrupting it.
            cell.outputs.append(error_output(
                "CellTimeoutError", f"this cell ran longer than its limit of {self._cell_limit} s and ignored "
                "the interrupt, so the kernel was restarted"))
            self._flag(index, cell, "ignored the time limit", "the kernel kept running after an interrupt")
            self._recover(index)
            return cell, self.resources

        if any(o.output_type == "error" and o.ename == "CellTimeoutError" for o in cell.outputs):
            self._explain_timeout(cell)
            self._flag(index, cell, "time limit", f"the cell ran longer than {self._cell_limit} s")
            if not self._responds():
                self._flag(index, cell, "ignored the time limit", "the kernel kept running after an interrupt")
                self._recover(index)
                return cell, self.resources
        elif not is_test:
            self._replayable.append(index)
        strays = self.km.reap_strays() if hasattr(self.km, "reap_strays") else 0
        if strays:
            self._flag(index, cell, "processes left running", f"{strays} stray process(es) were stopped")

        if is_test and self.guard:
            during = self._guard("after_test", "", index, cell)
            if during:
                cell.outputs.append(error_output(
                    "Tampering", "Code run by this test changed the testing machinery, so it earns no points."))
                for finding in during:
                    self._flag(index, cell, "tampering during the test (cell failed)", finding)
        return cell, self.resources

    def _get_timeout(self, cell):
        return getattr(self, "_cell_limit", None) or super()._get_timeout(cell)

    def _explain_timeout(self, cell):
        for out in cell.outputs:
            if out.output_type == "error" and out.ename == "CellTimeoutError":
                out.evalue = f"this cell ran longer than its limit of {self._cell_limit} s and was stopped"
                out.traceback = [f"CellTimeoutError: {out.evalue}"]

    # -- talking to the kernel outside the notebook's cells --------------------------------

    def _guard(self, function, argument, index, cell):
        """Call a guard function in the kernel; returns its findings.

        If the guard cannot run (student code removed it, say), the test still runs
        and the instructor is told the checks were not active for this cell.
        """
        reply = self._quiet_execute("None", user_expressions={"r": GUARD_CALL.format(function, argument)},
                                    timeout=self.stuck_grace + 5)
        result = (reply or {}).get("content", {}).get("user_expressions", {}).get("r", {})
        try:
            if result.get("status") == "ok":
                return list(ast.literal_eval(result["data"]["text/plain"]))
        except (KeyError, ValueError, SyntaxError):
            pass
        self._flag(index, cell, "guard not active", f"{function} could not run ({result.get('ename', 'no reply')})")
        return []

    def _quiet_execute(self, code, timeout, user_expressions=None):
        """Run code in the kernel without recording it in the notebook; the reply or None."""
        async def run():
            msg_id = await ensure_async(self.kc.execute(code, silent=True, store_history=False,
                                                        user_expressions=user_expressions or {}))
            return await self._reply(msg_id, timeout)
        try:
            return run_sync(run)()
        except (DeadKernelError, RuntimeError):
            return None

    async def _reply(self, msg_id, timeout):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=remaining))
            except Exception:  # queue.Empty: no message in time
                return None
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def _responds(self):
        """Does the kernel answer within stuck_grace seconds after an interrupt?"""
        async def ask():
            return await self._reply(await ensure_async(self.kc.kernel_info()), self.stuck_grace)
        try:
            return run_sync(ask)() is not None
        except Exception:
            return False

    def _recover(self, index):
        """Restart the kernel and quietly re-run the cells before `index` that define its state."""
        try:
            run_sync(self._restart)()
        except Exception as err:
            self._stopped = f"the kernel could not be restarted ({type(err).__name__})"
            return
        for earlier in self._replayable:
            if earlier >= index:
                break
            reply = self._quiet_execute(self.nb.cells[earlier].source, timeout=self._cell_limit)
            if reply is None:
                self._stopped = "the kernel could not be brought back to its earlier state"
                return

    async def _restart(self):
        await ensure_async(self.km.restart_kernel(now=True))
        await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))

    def _kernel_log_tail(self):
        """How the kernel ended, in words, for the instructor's report."""
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        code = process.poll() if process is not None else None
        if code is None:
            return "the kernel stopped answering"
        if code < 0 or code > 128:
            number = -code if code < 0 else code - 128
            names = {9: "killed, often for using too much memory", 11: "segmentation fault", 6: "aborted"}
            return f"the kernel was ended by signal {number} ({names.get(number, 'signal')})"
        return f"the kernel process exited with code {code}"

    # -- output cap -----------------------------------------------------------------------

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
        used = self._output_chars.get(cell_index, 0) + size
        if used > self.max_cell_output or self._total_output + size > self.max_notebook_output:
            if cell_index not in self._capped_cells:
                self._capped_cells.add(cell_index)
                outs.append(NotebookNode(output_type="stream", name="stderr", text=(
                    f"\n[output limit reached: a cell may print {self.max_cell_output:,} characters and a "
                    f"notebook {self.max_notebook_output:,}; the rest was dropped and the cell stopped]\n")))
                asyncio.ensure_future(ensure_async(self.km.interrupt_kernel()))
                self._findings.append({"cell": cell_index, "grade_id": None, "kind": "output limit",
                                       "detail": f"more than {self.max_cell_output:,} characters of output"})
            return None
        self._output_chars[cell_index] = used
        self._total_output += size  # only what is kept counts towards the notebook's cap
        return super().output(outs, msg, display_id, cell_index)
