"""A Jupyter kernel manager that starts every kernel inside the sandbox.

Used by the grader through nbgrader's own execution (`SafeExecute`), so it
applies to `dlcourse grade` and to plain `nbgrader autograde` alike.

Inside the sandbox the kernel sees, read-only, the system's own folders and
what it needs (`_needed_paths`: this Python, utils/, data/, the grader
package) and nothing else; the folders in `hidden_paths` (course state, the
instructor sources) are replaced by empty ones in case one lies inside a
folder it sees (a course under /var, a data folder set to a parent). It has a
private /tmp, no network and its own process tree, and talks to the grader
through Unix sockets in a private folder, the only place it may write besides /tmp.
"""

import glob
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, List, Unicode

import signal

from . import INSTALL_BWRAP, bwrap_path, cgroup_roots, cgroup_settings, channel
from .guard import FOLDER_VARIABLE, PRELOAD_VARIABLE


class SandboxError(RuntimeError):
    """The sandbox could not be set up as configured."""


def _own_process_count():
    """How many processes this user runs now (for RLIMIT_NPROC, which counts them all)."""
    uid, count = os.getuid(), 0
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            text = Path(status).read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Uid:"):
                count += int(line.split()[1]) == uid
                break
    return count


class SandboxedKernelManager(AsyncKernelManager):
    hidden_paths = List(Unicode(), help="Folders the kernel must not see (replaced by empty ones).").tag(config=True)
    memory_mb = Integer(2048, help="Address-space limit of every process in the sandbox, MiB.").tag(config=True)
    max_processes = Integer(128, help="Processes and threads the sandbox may run at once.").tag(config=True)
    file_mb = Integer(256, help="Largest file the kernel may write, MiB.").tag(config=True)
    cpu_seconds = Integer(3600, help="CPU-time backstop for the kernel process, seconds.").tag(config=True)
    isolate = Bool(True, help="Use bubblewrap for file-system, network and process isolation when available.").tag(config=True)
    require_isolation = Bool(False, help="Refuse to run a kernel when bubblewrap is unavailable (the course "
                                         "settings turn this on unless DLCOURSE_UNSAFE=1).").tag(config=True)
    block_ctypes = Bool(True, help="Hide ctypes from the kernel: it reads and writes raw memory, past every "
                                   "check. SafeExecute allows it for lessons that import torch, which needs it.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # A private folder per kernel: sockets, connection file and the kernel's working folder.
        self._box = Path(tempfile.mkdtemp(prefix="dlcourse-kernel-"))
        (self._box / "work").mkdir()
        self.transport = "ipc"
        self.connection_file = str(self._box / "kernel.json")
        self._cgroups = []  # this kernel's cgroup folders, one per controller
        self.checker_preload = []  # modules the checker imports before any student code (the lesson's)
        self.checker_key = None  # the secret of the kernel now running: its checker tags replies with it
        if self.kernel_spec is not None:
            # A signal to the sandbox's first process would end it; ask the kernel politely instead.
            self.kernel_spec.interrupt_mode = "message"

    @property
    def work_dir(self):
        return self._box / "work"

    @property
    def checker_folder(self):
        return self._box

    async def _async_pre_start_kernel(self, **kw):
        source = kw.get("cwd")
        if source and Path(source).resolve() != self.work_dir.resolve():
            self._copy_supporting_files(Path(source))
        kw["cwd"] = str(self.work_dir)
        kw["env"] = self._sandbox_env(kw.get("env"))
        # A new secret for every start: the checker reads and deletes it before student code runs.
        self.checker_key = channel.new_key()
        channel.write_key(self._box, self.checker_key)
        kw["env"][FOLDER_VARIABLE] = str(self._box)
        kw["env"][PRELOAD_VARIABLE] = ",".join(self.checker_preload)
        # The kernel process's own chatter (banners, crashes) goes to a log, not the grader's terminal.
        self._log = open(self._box / "kernel.log", "ab")
        kw["stdout"] = kw["stderr"] = self._log
        return await super()._async_pre_start_kernel(**kw)

    def _copy_supporting_files(self, source):
        """Data files that came with the assignment, never notebooks (they hold the hidden tests)."""
        for path in source.rglob("*"):
            rel = path.relative_to(source)
            if path.is_file() and path.suffix != ".ipynb" and not any(p.startswith(".") for p in rel.parts):
                target = self.work_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)

    def _sandbox_env(self, env):
        env = dict(env if env is not None else os.environ)
        home = self._box / "home"
        (home / "mpl").mkdir(parents=True, exist_ok=True)
        _copy_font_cache(home / "mpl")
        env.update(HOME=str(home), IPYTHONDIR=str(home / "ipython"), MPLCONFIGDIR=str(home / "mpl"),
                   TMPDIR="/tmp" if self._use_bwrap() else str(home), JUPYTER_RUNTIME_DIR=str(self._box),
                   PYTHONDONTWRITEBYTECODE="1")
        for secret in [k for k in env if any(s in k.upper() for s in ("TOKEN", "SECRET", "PASSWORD", "DB_URL"))]:
            del env[secret]
        return env

    def sandbox_uid(self):
        """The unprivileged user id the kernel runs as when grading as root (else None).

        Each grading worker gets its own id, so the process limit (RLIMIT_NPROC,
        counted per user) applies to one kernel at a time.
        """
        if os.geteuid() != 0 or not self._use_bwrap() or not shutil.which("setpriv"):
            return None
        return 60000 + os.getpid() % 20000

    def isolated(self):
        """Does this kernel run with file-system isolation?"""
        return self._use_bwrap()

    def _use_bwrap(self):
        if not self.isolate:
            return False
        if bwrap_path():
            return True
        if self.require_isolation:
            raise SandboxError("bubblewrap (bwrap) is not available here, and the course requires isolation. "
                               + INSTALL_BWRAP)
        return False

    def format_kernel_cmd(self, extra_arguments=None):
        kernel_cmd = super().format_kernel_cmd(extra_arguments)
        spec = {"memory_mb": self.memory_mb, "file_mb": self.file_mb, "cpu_seconds": self.cpu_seconds}
        spec["cgroups"] = self._plan_cgroups()
        uid = self.sandbox_uid()
        if uid is not None:
            spec["nproc"] = self.max_processes  # counted for the sandbox's own user id
            _chown_tree(self._box, uid)
            kernel_cmd = [shutil.which("setpriv"), f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                          "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", *kernel_cmd]
        elif os.geteuid() != 0:
            spec["nproc"] = _own_process_count() + self.max_processes
        if self._use_bwrap():
            spec["bwrap"] = self._bwrap_args(drop_caps=uid is None)
        spec_path = self._box / "sandbox.json"
        spec_path.write_text(json.dumps(spec))
        return [sys.executable, "-m", "dlcourse.sandbox.launch", str(spec_path), "--", *kernel_cmd]

    def _bwrap_args(self, drop_caps):
        # Only the system's own folders are shown, then what the kernel needs (this Python and
        # the course's helpers); home folders, other checkouts and anything else stay invisible.
        args = [bwrap_path(), "--dev", "/dev", "--proc", "/proc", "--perms", "01777", "--tmpfs", "/tmp"]
        for name in SYSTEM_FOLDERS:
            folder = Path("/", name)
            if folder.is_symlink():  # /bin -> usr/bin on merged-/usr systems
                args += ["--symlink", os.readlink(folder), str(folder)]
            elif folder.is_dir():
                args += ["--ro-bind", str(folder), str(folder)]
        for path in _needed_paths():
            if any(path.is_relative_to(Path("/", name)) for name in SYSTEM_FOLDERS):
                continue
            # Folders on the way are made traversable: bwrap would copy their (often private) modes.
            for folder in reversed(path.parents[:-1]):
                args += ["--perms", "0755", "--dir", str(folder)]
            args += ["--ro-bind", str(path), str(path)]
        args += ["--bind", str(self._box), str(self._box)]
        hidden_paths = list(self.hidden_paths)
        if self.block_ctypes:
            hidden_paths += [str(p) for p in blocked_module_files()]
        for hidden in sorted({str(Path(p).resolve()) for p in hidden_paths if Path(p).exists()}):
            if Path(hidden).is_dir():
                args += ["--tmpfs", hidden]
            else:
                args += ["--ro-bind", "/dev/null", hidden]
        # As root, setpriv drops to the sandbox's own user inside; otherwise drop capabilities here.
        caps = ["--cap-drop", "ALL"] if drop_caps else []
        return args + ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--new-session",
                       "--die-with-parent", *caps, "--chdir", str(self.work_dir)]

    def _plan_cgroups(self):
        """Where this kernel's cgroups go and what they limit (the launcher creates and joins them)."""
        if not self._cgroups:
            name = f"kernel-{uuid.uuid4().hex[:12]}"
            for controller, root in sorted(cgroup_roots().items()):
                _tidy_stale_groups(root / "dlcourse")
                self._cgroups.append((root / "dlcourse" / name, cgroup_settings(
                    controller, max_processes=self.max_processes, memory_mb=self.memory_mb)))
        return [{"path": str(path), "files": files} for path, files in self._cgroups]

    def reap_strays(self):
        """Kill processes the kernel started and left running (a fork bomb, a forgotten child).

        Called between cells: lessons never leave processes behind, and strays
        would keep using the sandbox's CPU and process budget. Returns how many.
        """
        process = getattr(self.provisioner, "process", None)
        if process is None or process.poll() is not None:
            return 0
        children, commands = _process_tree()
        kernel = _find_kernel(process.pid, children, commands)
        if kernel is None:
            return 0
        strays = _descendants(kernel, children)
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        return len(strays)

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            if getattr(self, "_log", None):
                self._log.close()
            self._remove_cgroups()
            shutil.rmtree(self._box, ignore_errors=True)

    def _remove_cgroups(self):
        for path, _files in self._cgroups:
            for _ in range(50):  # the last processes may still be exiting
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
        self._cgroups = []


def _tidy_stale_groups(folder):
    for stale in folder.glob("kernel-*"):
        try:
            stale.rmdir()  # only succeeds for groups whose processes have all gone
        except OSError:
            pass


def _process_tree():
    """({pid: [child pids]}, {pid: command line}) for every process on the machine."""
    children, commands = {}, {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
            pid = int(stat.split("/")[2])
            ppid = int(text.rsplit(")", 1)[1].split()[1])
            commands[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(pid)
    return children, commands


def _descendants(pid, children):
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo += children.get(child, [])
    return found


def _find_kernel(launcher_pid, children, commands):
    """The kernel process under the sandbox's first process: the highest Python running ipykernel.

    (bwrap's own processes carry the kernel's command line among their arguments.)
    """
    todo = [launcher_pid]
    while todo:
        pid = todo.pop(0)
        words = commands.get(pid, "").split()
        if words and Path(words[0]).name.startswith("python") and "ipykernel_launcher" in words:
            return pid
        todo += children.get(pid, [])
    return None


def _chown_tree(root, uid):
    for folder, dirs, files in os.walk(root):
        for name in [folder, *(os.path.join(folder, f) for f in files)]:
            os.chown(name, uid, uid)


# Shown read-only inside the sandbox: the operating system, its libraries, settings and fonts.
SYSTEM_FOLDERS = ("bin", "etc", "lib", "lib32", "lib64", "libx32", "sbin", "sys", "usr", "var")


# Environment variables that may point the lessons' data loaders at another folder (utils/data.py).
DATA_VARIABLES = ("DLCOURSE_DATA_DIR", "DLCOURSE_MNIST_DIR", "DLCOURSE_FASHION_MNIST_DIR")


def _needed_paths():
    """What a kernel must be able to read, and nothing more: this Python and its packages, the
    course's helpers (utils/), its data (data/), and the grader package (for the in-kernel checker).

    Nothing else of the repository or of a course folder is shown, so course state added later
    (a gradebook, repairs/, a roster, exports) can never become visible to a kernel.
    """
    from ..paths import REPO_ROOT
    package = Path(__file__).resolve().parents[1]
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent,
             REPO_ROOT / "utils", REPO_ROOT / "data", package}
    paths |= {Path(os.environ[v]).expanduser() for v in DATA_VARIABLES if os.environ.get(v)}
    return sorted({p.resolve() for p in paths if p.exists()})


def blocked_module_files(names=("_ctypes",)):
    """The files of modules a kernel must not be able to import (their package folder or extension).

    Hiding ctypes' extension module is enough: `import ctypes` then fails with an ImportError,
    which numpy expects on systems without ctypes.
    """
    import importlib.util
    found = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        if spec.submodule_search_locations:
            found += [Path(p) for p in spec.submodule_search_locations]
        elif spec.origin and Path(spec.origin).is_file():
            found.append(Path(spec.origin))
    return found


def _copy_font_cache(target):
    """Give the kernel matplotlib's font list, so it does not rebuild it (a second or more) every time."""
    try:
        import matplotlib
        for cached in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
            shutil.copy2(cached, target / cached.name)
    except Exception:
        pass
