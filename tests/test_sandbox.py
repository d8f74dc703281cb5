"""The grading sandbox on its own: isolation, limits, recovery and the guard, cell by cell.

These run SafeExecute directly on small notebooks (no nbgrader course), so each
behaviour is checked in isolation; tests/test_grading_pipeline.py checks the
same through the whole grading pipeline with hostile submissions.
"""

import os
import sys

import nbformat
from pathlib import Path
import pytest
from traitlets.config import Config

from dlcourse import sandbox
from dlcourse.paths import COURSE_DIR, REPO_ROOT, SOLUTIONS_DIR
from dlcourse.sandbox.execute import GRADING_REPORT, SafeExecute, import_aliases

needs_bwrap = pytest.mark.skipif(not sandbox.bwrap_path(), reason="bubblewrap is not available (apt-get install bubblewrap)")


def code(source, test_id=None):
    cell = nbformat.v4.new_code_cell(source)
    if test_id:
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 1,
                                     "grade_id": test_id, "schema_version": 3}
    return cell


def run(cells, tmp_path, resources=None, config=None, **limits):
    """Run `cells` as a notebook through SafeExecute in tmp_path: (the notebook, the grading report).
    `resources` and `config` add to the defaults (nbgrader's assignment and notebook, a source folder)."""
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    config = config or Config()
    config.SafeExecute.timeout = limits.pop("timeout", 20)
    config.SafeExecute.stuck_grace = 3
    for name, value in limits.items():
        section = "SandboxedKernelManager" if name in ("memory_mb", "max_processes", "hidden_paths") else "SafeExecute"
        setattr(config[section], name, value)
    nb, _ = SafeExecute(config=config).preprocess(nb, {"metadata": {"path": str(tmp_path)}, **(resources or {})})
    report = __import__("json").loads((tmp_path / GRADING_REPORT).read_text())
    return nb, report


def text(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def errors(cell):
    return [o.ename for o in cell.outputs if o.output_type == "error"]


@needs_bwrap
def test_kernel_sees_a_read_only_machine_without_secrets_or_network(tmp_path):
    secret = tmp_path / "course"
    secret.mkdir()
    (secret / "gradebook.db").write_text("grades")
    nb, _ = run([
        code(f"import os\nprint(os.listdir({str(secret)!r}))"),
        code(f"print(os.listdir({str(SOLUTIONS_DIR)!r}))"),
        code(f"open({str(REPO_ROOT / 'README.md')!r}, 'a')"),
        code("import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=2)"),
        code("open('scratch.txt', 'w').write('fine'); print(open('scratch.txt').read())"),
        code("import utils, numpy; print(utils.fast_mode())"),
    ], tmp_path, hidden_paths=[str(secret), str(SOLUTIONS_DIR)])
    assert text(nb.cells[0]).strip() == "[]", "course state must be hidden"
    assert text(nb.cells[1]).strip() == "[]", "instructor sources must be hidden"
    assert errors(nb.cells[2]) in (["OSError"], ["PermissionError"]), "the repository must not be writable"
    assert errors(nb.cells[3]), "the network must be unreachable"
    assert text(nb.cells[4]).strip() == "fine", "the kernel's own folder stays writable"
    assert not errors(nb.cells[5]), "the course helpers must still import"


@needs_bwrap
def test_only_what_a_kernel_needs_is_visible(tmp_path):
    """An allow-list, not a list of secrets: course state added later can never become visible."""
    import uuid
    later = COURSE_DIR / f"grades-{uuid.uuid4().hex[:8]}.csv"  # say, an export made next week
    made_course = not COURSE_DIR.exists()
    COURSE_DIR.mkdir(exist_ok=True)
    later.write_text("student,score\n")
    try:
        checks = {"utils": True, "data/mnist-sample": True, "autograde/dlcourse/sandbox/checker": True,
                  "autograde/nbgrader_config.py": False, "solutions": False, "tests": False, "README.md": False,
                  ".git": False, f"course/{later.name}": False}
        nb, _ = run([code("import os\n" + "\n".join(
            f"print({rel!r}, os.path.exists({str(REPO_ROOT / rel)!r}))" for rel in checks))], tmp_path)
    finally:
        later.unlink()
        if made_course:
            COURSE_DIR.rmdir()
    seen = dict(line.rsplit(" ", 1) for line in text(nb.cells[0]).splitlines())
    assert {rel: seen[rel] == "True" for rel in checks} == checks


@needs_bwrap
@pytest.mark.skipif(os.geteuid() != 0, reason="the kernel drops to another user only when grading as root")
def test_kernel_runs_as_an_unprivileged_user(tmp_path):
    nb, _ = run([code("import os\nprint(os.getuid())"), code("open('/etc/shadow').read()")], tmp_path)
    assert int(text(nb.cells[0])) != 0
    assert errors(nb.cells[1]) == ["PermissionError"]


def test_memory_and_process_limits(tmp_path):
    nb, _ = run([
        code("import numpy as np\nnp.ones(2 * 10**8)"),
        code("import os\nkids = 0\ntry:\n    for _ in range(500):\n        if os.fork() == 0:\n"
             "            import time; time.sleep(20); os._exit(0)\n        kids += 1\n"
             "except OSError:\n    print('stopped at', kids)"),
        code("print('still here')"),
    ], tmp_path, memory_mb=1024, max_processes=64)
    assert errors(nb.cells[0]) == ["MemoryError"]
    assert "stopped at" in text(nb.cells[1]) and int(text(nb.cells[1]).split()[-1]) < 64
    assert text(nb.cells[2]).strip() == "still here"


def test_a_dying_kernel_is_restarted_and_later_cells_still_count(tmp_path):
    nb, report = run([
        code("x = 41"),
        code("import os\nos._exit(1)"),
        code('"""after the crash"""\nassert x + 1 == 42', "test_after"),
    ], tmp_path)
    assert errors(nb.cells[1]) == ["KernelDied"]
    assert errors(nb.cells[2]) == [], "earlier cells must be replayed in the new kernel"
    assert any(f["kind"] == "kernel died" for f in report["findings"])


def test_a_cell_that_ignores_interrupts_is_stopped(tmp_path):
    nb, report = run([
        code("y = 1"),
        code("import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except KeyboardInterrupt:\n        pass"),
        code("print(y)"),
    ], tmp_path, timeout=3)
    assert errors(nb.cells[1]) == ["CellTimeoutError"]
    assert text(nb.cells[2]).strip() == "1"
    assert any(f["kind"] == "ignored the time limit" for f in report["findings"])


def test_the_notebook_time_limit_stops_later_cells(tmp_path):
    nb, report = run([code("import time\ntime.sleep(30)"), code("print('late')")],
                     tmp_path, timeout=20, notebook_timeout=4)
    assert "CellTimeoutError" in errors(nb.cells[0])
    assert errors(nb.cells[1]) == ["NotRun"]
    assert report["stopped"]


def test_output_is_capped(tmp_path):
    nb, report = run([code("while True:\n    print('x' * 1000)"), code("print('next')")],
                     tmp_path, max_cell_output=50_000)
    kept = sum(len(o.get("text", "")) for o in nb.cells[0].outputs if o.output_type == "stream")
    assert kept < 60_000 and "output limit reached" in text(nb.cells[0])
    assert text(nb.cells[1]).strip() == "next"
    assert any(f["kind"] == "output limit" for f in report["findings"])


def test_stray_processes_are_stopped_between_cells(tmp_path):
    nb, report = run([
        code("import subprocess\np = subprocess.Popen(['sleep', '60'])\nprint(p.pid)"),
        code("import time\ntime.sleep(0.5)\nprint(p.poll())"),  # poll() reaps it: its exit status, or None if running
    ], tmp_path)
    assert text(nb.cells[1]).strip() == "-9", "the stray must have been killed between the cells"
    assert any(f["kind"] == "processes left running" for f in report["findings"])


def test_patched_checks_fail_the_next_test_and_are_undone_for_the_rest(tmp_path):
    nb, report = run([
        code("import numpy as np"),
        code("np.allclose = lambda *a, **k: True\nimport builtins\nbuiltins.abs = lambda x: 0"),
        code('"""patched before"""\nassert not np.allclose(1, 2) and abs(-3) == 3', "test_patched"),
        code('"""honest again"""\nassert not np.allclose(1, 2) and abs(-3) == 3', "test_restored"),
        code("def sneaky():\n    np.isclose = lambda *a, **k: True\n    return 0"),
        code('"""patched during the test"""\nsneaky()', "test_during"),
        code("np = None"),
        code('"""np means numpy in the test"""\nassert np.ones(2).sum() == 2', "test_alias"),
        code('"""and for the rest of the notebook"""\nassert np.ones(2).sum() == 2', "test_alias_after"),
    ], tmp_path)
    assert "Tampering" in errors(nb.cells[2]), "a test after a patch earns nothing"
    assert errors(nb.cells[3]) == [], "the patches must be undone for the tests after it"
    assert "Tampering" in errors(nb.cells[5]), "patching during a test must fail it"
    assert "Tampering" in errors(nb.cells[7]) and errors(nb.cells[8]) == []
    details = [f["detail"] for f in report["findings"]]
    assert any("numpy.allclose" in d for d in details) and any("builtins.abs" in d for d in details)
    assert any("numpy.isclose" in d for d in details) and any("'np'" in d for d in details)


def test_legitimate_code_raises_no_flags(tmp_path):
    nb, report = run([
        code("import numpy as np\nimport warnings\nfrom utils import toy"),
        code("def f(x):\n    return np.asarray(x) * 2\nsum_ = 3\nmax = 5  # shadowing a builtin is bad style, not cheating"),
        code('"""f doubles"""\nassert np.allclose(f([1, 2]), [2, 4]) and max([1, 2]) == 2', "test_f"),
        code('"""libraries that look at frames but hand none out work in tests"""\nimport collections, logging, '
             'traceback\nassert traceback.format_stack()\nlogging.getLogger("quiet").info("x")\n'
             'assert collections.namedtuple("P", "x y")(1, 2).y == 2', "test_frames"),
        code("with warnings.catch_warnings():\n    warnings.simplefilter('ignore')\n    np.log(0)"),
        code('"""warnings still visible"""\nimport warnings as w\nwith w.catch_warnings(record=True) as caught:\n'
             '    w.simplefilter("always")\n    np.log(np.zeros(1))\nassert caught', "test_g"),
    ], tmp_path)
    assert all(errors(c) == [] for c in nb.cells)
    assert [f for f in report["findings"] if f["kind"] != "suspicious code"] == []


def test_import_aliases_come_from_the_lessons_own_imports():
    nb = nbformat.v4.new_notebook(cells=[code("import numpy as np\nimport matplotlib.pyplot as plt\n"
                                              "from utils import data, plots, toy")])
    assert import_aliases(nb) == {"np": "numpy", "plt": "matplotlib.pyplot", "data": "utils:data",
                                  "plots": "utils:plots", "toy": "utils:toy"}


def test_capabilities_are_reported():
    layers = sandbox.capabilities()
    assert all(isinstance(v, bool) for v in layers.values()) and len(layers) == 3
    assert sys.platform != "linux" or layers["memory, file-size and core limits (rlimits)"]


def test_a_kernel_that_dies_before_answering_is_started_again(tmp_path, monkeypatch):
    """Under heavy load a kernel can die before its first reply; the submission is still graded."""
    from nbclient import NotebookClient
    real_start = NotebookClient.async_start_new_kernel_client
    starts = []

    async def dies_the_first_time(self):
        starts.append(self.km.kernel_id)
        if len(starts) == 1:
            await self._async_cleanup_kernel()  # what nbclient does when the first reply never comes
            raise RuntimeError("Kernel died before replying to kernel_info")
        return await real_start(self)

    monkeypatch.setattr(NotebookClient, "async_start_new_kernel_client", dies_the_first_time)
    nb, report = run([code("print(6 * 7)")], tmp_path)
    assert len(starts) == 2 and starts[0] != starts[1]
    assert text(nb.cells[0]).strip() == "42"
    assert report["stopped"] is None


@needs_bwrap
def test_a_course_cloned_under_tmp_stays_visible(tmp_path, monkeypatch):
    """The sandbox's /tmp is private, but a repository cloned into /tmp must still be importable."""
    from dlcourse.sandbox import kernel
    helpers = tmp_path / "clone" / "utils"
    helpers.mkdir(parents=True)
    (helpers / "answer.txt").write_text("42")
    needed = kernel._needed_paths()
    monkeypatch.setattr(kernel, "_needed_paths", lambda: sorted({*needed, helpers.parent}))
    nb, _ = run([code(f"print(open({str(helpers / 'answer.txt')!r}).read())"),
                 code(f"open({str(helpers / 'new.txt')!r}, 'w')")], tmp_path)
    assert text(nb.cells[0]).strip() == "42"
    assert errors(nb.cells[1]) == ["OSError"], "the clone must stay read-only"


def test_output_widgets_are_not_mirrored(tmp_path):
    """nbclient's mirror of an Output widget can stall a cell until its time limit (dlcourse/headless.py);
    without it, what the widget shows stays in the cell's own outputs."""
    nb, report = run([code("import ipywidgets\nfrom IPython.display import display\n"
                           "out = ipywidgets.Output()\ndisplay(out)\nwith out:\n    print('shown inside the widget')")],
                     tmp_path)
    assert "shown inside the widget" in text(nb.cells[0])
    assert not report["findings"]


def test_nbgrader_validate_does_not_mirror_output_widgets(tmp_path):
    """The Validate button and plain nbgrader use nbgrader's own Execute: the course's configuration
    takes the mirror away from it too (else Validate on a widget lesson can wait out a cell's time limit)."""
    from nbclient import NotebookClient
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config

    from dlcourse.settings import configure
    output_widget = {"content": {"comm_id": "w1", "data": {"state": {
        "_model_module": "@jupyter-widgets/output", "_model_name": "OutputModel", "outputs": []}}}}
    original = Execute.on_comm_open_jupyter_widget
    try:
        Execute.on_comm_open_jupyter_widget = NotebookClient.on_comm_open_jupyter_widget  # as installed
        assert Execute().comm_open_handlers["jupyter.widget"](output_widget) is not None, \
            "nbclient no longer mirrors Output widgets: headless.py can go"
        configure(Config(), tmp_path / "course")
        assert Execute().comm_open_handlers["jupyter.widget"](output_widget) is None
    finally:
        Execute.on_comm_open_jupyter_widget = original


@needs_bwrap
def test_folders_outside_the_course_are_invisible(tmp_path):
    """Another checkout with solutions, last year's course, a home folder: the kernel sees none of them."""
    import shutil
    import tempfile
    secret = Path(tempfile.mkdtemp(prefix=".dlcourse-test-secret-", dir=Path.home()))
    try:
        (secret / "solutions.ipynb").write_text("hidden")
        nb, _ = run([code(f"import os\nprint(os.path.exists({str(secret)!r}))"),
                     code("print(sorted(os.listdir('/')))")], tmp_path)
        assert text(nb.cells[0]).split() == ["False"]
        shown = eval(text(nb.cells[1]))
        assert "home" not in shown and "srv" not in shown and "mnt" not in shown
    finally:
        shutil.rmtree(secret)
