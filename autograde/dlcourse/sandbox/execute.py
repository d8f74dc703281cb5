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
- hands every graded test cell to the checker inside the kernel
  (checked_tests.py, armed by guard.py before any student code), which runs it
  as the lesson wrote it, whatever student code did to the kernel, and reports
  every change to what tests rely on; such a change fails the test;
- writes what it saw to GRADING_REPORT in the submission's autograded folder,
  for `dlcourse grade` to show the instructor.

A cell that breaks a limit or cheats scores zero like any failing test cell:
nbgrader gives no points to a test cell with an error output.
"""

import asyncio
import time
from pathlib import Path

from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils as nbutils
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

from ..headless import detach_output_widgets
from ..records import GRADING_REPORT, Finding, Kind, SandboxReport
from .checked_tests import CheckedTests, error_output, import_aliases, lesson_imports, lesson_source
from .kernel import SandboxedKernelManager
from .scan import scan_student_code

FLAGS_METADATA = "dlcourse_flags"  # notebook metadata where earlier steps leave their findings

GUARD_ARM = "__import__('dlcourse.sandbox.guard', fromlist=['arm']).arm()"

class SafeExecute(CheckedTests, Execute):
    notebook_timeout = Integer(600, help="Seconds the whole notebook may run; later cells are not run.").tag(config=True)
    max_cell_output = Integer(2_000_000, help="Characters of output kept per cell.").tag(config=True)
    max_notebook_output = Integer(20_000_000, help="Characters of output kept per notebook.").tag(config=True)
    stuck_grace = Integer(5, help="Seconds a kernel may stay busy after an interrupt before it is restarted.").tag(config=True)
    start_attempts = Integer(3, help="Times to try starting a kernel that dies before it answers.").tag(config=True)
    guard = Bool(True, help="Run graded test cells through the checker inside the kernel.").tag(config=True)
    diagnose = Bool(True, help="After a graded test fails, name the known mistake its functions behave like "
                    "(utils.diagnosis), for lessons that import it.").tag(config=True)

    def __init__(self, **kwargs):
        # nbgrader's Execute passes its own kernel manager class; ours starts kernels in the sandbox.
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(**kwargs)
        detach_output_widgets(self)  # else a widget cell can stall until its time limit (headless.py)

    # -- the notebook ---------------------------------------------------------------------

    def preprocess(self, nb, resources=None, km=None):
        self._findings = [Finding.from_dict(f) for f in nb.metadata.get(FLAGS_METADATA, [])]
        self._started = None
        self._stopped = None
        self._replayable = []
        self._output_chars = {}
        self._total_output = 0
        self._capped_cells = set()
        lesson = lesson_source(nb, resources, self.config)
        self._aliases, self._preload = lesson_imports(lesson)
        self._preload += self.prepare_diagnosis(resources, self.diagnose and self.guard)
        self._findings += scan_student_code(nb, self._aliases, lesson if lesson is not nb else None)
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
            if self.guard and hasattr(self.km, "checker_preload"):
                self.km.checker_preload = list(self._preload)
                # torch loads its libraries with ctypes; every other lesson runs without it.
                self.km.block_ctypes = not any(m == "torch" or m.startswith("torch.") for m in self._preload)
            await super().async_start_new_kernel(**kwargs)
            self._isolated = self.km.isolated() if hasattr(self.km, "isolated") else False
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
            SandboxReport(self._findings, getattr(self, "_isolated", None), self._stopped,
                          getattr(self, "_diagnoses", [])).write(folder)

    def _flag(self, index: int, cell, kind: Kind, detail: str) -> None:
        self._findings.append(Finding(kind, detail, index, cell.metadata.get("nbgrader", {}).get("grade_id")))

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
            self._flag(index, cell, Kind.TIME_LIMIT, self._stopped)
            cell.outputs = [error_output("NotRun", f"This cell was not run: {self._stopped}.")]
            return cell, self.resources
        self._cell_limit = max(1, int(min(self.timeout or remaining, remaining)))
        is_test = nbutils.is_grade(cell) and not nbutils.is_solution(cell)

        if is_test and self.guard:
            self.run_test_cell(cell, index)
            self._reap_strays(index, cell)
            return cell, self.resources
        try:
            cell, _ = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            cell.outputs.append(error_output(
                "KernelDied", "The kernel stopped while running this cell (os._exit, a crash, "
                "or more memory than allowed). Later cells ran in a restarted kernel."))
            self._flag(index, cell, Kind.KERNEL_DIED, self._kernel_log_tail())
            self._recover(index)
            return cell, self.resources
        except CellTimeoutError:
            # nbclient gave up waiting for the kernel to go idle after interrupting it.
            cell.outputs.append(error_output(
                "CellTimeoutError", f"this cell ran longer than its limit of {self._cell_limit} s and ignored "
                "the interrupt, so the kernel was restarted"))
            self._flag(index, cell, Kind.IGNORED_TIME_LIMIT, "the kernel kept running after an interrupt")
            self._recover(index)
            return cell, self.resources

        if any(o.output_type == "error" and o.ename == "CellTimeoutError" for o in cell.outputs):
            self._explain_timeout(cell)
            self._flag(index, cell, Kind.TIME_LIMIT, f"the cell ran longer than {self._cell_limit} s")
            if not self._responds():
                self._flag(index, cell, Kind.IGNORED_TIME_LIMIT, "the kernel kept running after an interrupt")
                self._recover(index)
                return cell, self.resources
        elif not is_test:
            self._replayable.append(index)
        self._reap_strays(index, cell)
        return cell, self.resources

    def _reap_strays(self, index, cell):
        strays = self.km.reap_strays() if hasattr(self.km, "reap_strays") else 0
        if strays:
            self._flag(index, cell, Kind.PROCESSES_LEFT, f"{strays} stray process(es) were stopped")

    def _get_timeout(self, cell):
        return getattr(self, "_cell_limit", None) or super()._get_timeout(cell)

    def _explain_timeout(self, cell):
        for out in cell.outputs:
            if out.output_type == "error" and out.ename == "CellTimeoutError":
                out.evalue = f"this cell ran longer than its limit of {self._cell_limit} s and was stopped"
                out.traceback = [f"CellTimeoutError: {out.evalue}"]

    # -- talking to the kernel outside the notebook's cells --------------------------------

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
                self._findings.append(Finding(Kind.OUTPUT_LIMIT, f"more than {self.max_cell_output:,} characters "
                                              "of output", cell_index))
            return None
        self._output_chars[cell_index] = used
        self._total_output += size  # only what is kept counts towards the notebook's cap
        return super().output(outs, msg, display_id, cell_index)
