"""The first process of every sandboxed kernel: set limits, then become the kernel.

    python -m dlcourse.sandbox.launch SPEC.json -- KERNEL COMMAND...

SPEC holds the limits and, when bubblewrap is used, the bwrap arguments. The
limits are set on this process and inherited by everything it starts; then it
replaces itself with bwrap (or the kernel directly).
"""

import json
import os
import resource
import sys
from pathlib import Path


def _rlimit(kind, value):
    soft, hard = resource.getrlimit(kind)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (value, value))


def apply_limits(spec):
    mb = 2 ** 20
    if spec.get("memory_mb"):
        _rlimit(resource.RLIMIT_AS, spec["memory_mb"] * mb)
    if spec.get("file_mb"):
        _rlimit(resource.RLIMIT_FSIZE, spec["file_mb"] * mb)
    _rlimit(resource.RLIMIT_CORE, 0)
    if spec.get("cpu_seconds"):
        # A backstop only: the grader's wall-clock limits act long before this.
        _rlimit(resource.RLIMIT_CPU, spec["cpu_seconds"])
    if spec.get("nproc"):
        _rlimit(resource.RLIMIT_NPROC, spec["nproc"])
    for group in spec.get("cgroups", []):
        join_cgroup(Path(group["path"]), group["files"])


def join_cgroup(group, files):
    """Move this process into a cgroup made here with the given limits; its children inherit it."""
    for _attempt in range(5):  # another grader may tidy away an empty group at the same moment
        try:
            group.mkdir(parents=True, exist_ok=True)
            for name, value in files.items():
                (group / name).write_text(value)
            (group / "cgroup.procs").write_text(str(os.getpid()))
            return
        except FileNotFoundError:
            continue
    raise SystemExit(f"could not join the cgroup {group}")


def main(argv):
    if "--" not in argv:
        raise SystemExit("usage: python -m dlcourse.sandbox.launch SPEC.json -- COMMAND...")
    split = argv.index("--")
    spec = json.loads(Path(argv[0]).read_text())
    command = argv[split + 1:]
    apply_limits(spec)
    # jupyter_client tells the kernel its parent's pid; in its own process tree the kernel's
    # parent is pid 1, which ipykernel takes for "the grader has gone". bwrap's
    # --die-with-parent does that job instead.
    os.environ.pop("JPY_PARENT_PID", None)
    if spec.get("bwrap"):
        command = spec["bwrap"] + ["--"] + command
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
