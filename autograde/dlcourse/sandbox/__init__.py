"""Running students' notebooks where they can do no harm.

Grading runs each submission's kernel inside a sandbox (kernel.py), built
from what the machine offers, strongest first:

- bubblewrap (`bwrap`): a read-only view of the file system in which the
  gradebook, every student's files and the instructor sources are replaced by
  empty folders, a private /tmp, no network, its own process tree;
- cgroups (when grading as root): caps on processes, memory and CPU for the
  sandbox as a whole, so a fork bomb neither exhausts the machine nor starves
  the submissions graded beside it;
- resource limits on every kernel: memory (address space), file size, no core dumps.

execute.py adds what happens around each cell: time limits per cell and per
notebook, an output cap, recovery from a kernel that dies or ignores
interrupts, and guard.py's checks that student code did not patch the
functions the tests rely on. `capabilities()` says which layers are active.
"""

import functools
import os
import shutil
import subprocess
from pathlib import Path

BWRAP_VARIABLE = "DLCOURSE_BWRAP"  # the bubblewrap to use; set but empty: none (to try grading without)
INSTALL_BWRAP = ("Install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install "
                 "bubblewrap), or grade anyway with `dlcourse grade --unsafe` (every result is then marked "
                 "'not isolated').")


def bwrap_path():
    """The bubblewrap binary if it can really create a sandbox here, else None."""
    return _working_bwrap(os.environ.get(BWRAP_VARIABLE))


@functools.lru_cache(maxsize=None)
def _working_bwrap(chosen):
    path = shutil.which("bwrap") if chosen is None else (shutil.which(chosen) if chosen else None)
    if not path:
        return None
    probe = [path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net",
             "--unshare-pid", "--die-with-parent", "--", "true"]
    try:
        ok = subprocess.run(probe, stdin=subprocess.DEVNULL, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return path if ok else None


@functools.lru_cache(maxsize=None)
def cgroup_roots():
    """{controller: folder} for the cgroup controllers this process may create groups in.

    cgroup v1 has one hierarchy per controller (/sys/fs/cgroup/pids, ...); v2 has
    one for all (/sys/fs/cgroup). Empty unless grading as root.
    """
    if os.geteuid() != 0:
        return {}
    base = Path("/sys/fs/cgroup")
    unified = base / "cgroup.controllers"
    if unified.exists():  # cgroup v2
        enabled = (base / "cgroup.subtree_control").read_text().split() if (base / "cgroup.subtree_control").exists() else []
        return {c: base for c in ("pids", "cpu", "memory") if c in enabled and os.access(base, os.W_OK)}
    return {c: base / c for c in ("pids", "cpu", "memory") if (base / c / "tasks").exists() and os.access(base / c, os.W_OK)}


def cgroup_settings(controller, *, max_processes, memory_mb, cpus=1):
    """The files to write in a new group of `controller` for one sandbox."""
    v2 = Path("/sys/fs/cgroup/cgroup.controllers").exists()
    period = 100_000
    return {
        "pids": {"pids.max": str(max_processes)},
        "cpu": {"cpu.max": f"{cpus * period} {period}"} if v2 else {"cpu.cfs_period_us": str(period), "cpu.cfs_quota_us": str(cpus * period)},
        "memory": {"memory.max": str(memory_mb * 2 ** 20)} if v2 else {"memory.limit_in_bytes": str(memory_mb * 2 ** 20)},
    }[controller]


def capabilities():
    """Which isolation layers grading can use on this machine, in plain words."""
    return {
        "filesystem and network isolation (bubblewrap)": bool(bwrap_path()),
        "process, memory and CPU caps per sandbox (cgroups)": sorted(cgroup_roots()) == ["cpu", "memory", "pids"],
        "memory, file-size and core limits (rlimits)": True,
    }
