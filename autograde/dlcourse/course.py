"""Course folders and running nbgrader in them."""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import CONFIG_DIR, COURSE_DIR, COURSE_ID, SOLUTIONS_DIR

CONFIG_TEMPLATE = '''\
# A course folder made by dlcourse: grades with the settings of dlcourse/settings.py.
from dlcourse.settings import configure

configure(
    get_config(),
    {root!r},
    source_dir={source!r},
    release_dir={release!r},
    exchange_dir={exchange!r},
    course_id={course_id!r},
)
'''


def config_dir(course_root):
    """The folder holding a course's nbgrader_config.py: autograde/ for the default course (whose
    folder, course/, holds state only), the course folder itself for one made by `make_course`."""
    course_root = Path(course_root).resolve()
    return CONFIG_DIR if course_root == COURSE_DIR.resolve() else course_root


def load_config(course_root):
    """A course's nbgrader configuration, read from its nbgrader_config.py."""
    from traitlets.config import PyFileConfigLoader
    return PyFileConfigLoader("nbgrader_config.py", path=str(config_dir(course_root))).load_config()


@dataclass(frozen=True)
class LoadedCourse:
    """A course folder and its nbgrader configuration, read once (nbgrader_config.py runs once)."""
    root: Path
    config: Any  # traitlets Config

    @classmethod
    def load(cls, course_root) -> "LoadedCourse":
        root = Path(course_root).resolve()
        return cls(root, load_config(root))

    def setting(self, name: str) -> Any:
        """A CourseDirectory setting of the course (None when not set)."""
        return self.config.CourseDirectory.get(name)

    @property
    def course_id(self) -> str:
        return self.setting("course_id") or COURSE_ID

    def gradebook(self):
        """nbgrader's Gradebook of the course (a context manager)."""
        from nbgrader.api import Gradebook

        from .settings import gradebook_url
        return Gradebook(self.setting("db_url") or gradebook_url(self.root), self.course_id)

    def api(self):
        """nbgrader's Python API for the course, with this configuration."""
        return nbgrader_api(self.root, self.config)


def grading_release(course_root) -> Path:
    """Where grading generates the lesson's student version, and what the repair compares with: inside
    the course folder, never a release folder elsewhere (the repository's lessons/ is committed and only
    `dlcourse build` writes it)."""
    return Path(course_root).resolve() / "release"


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds the end of its log."""


def make_course(root, *, source_dir=SOLUTIONS_DIR, release_dir=None, exchange_dir=None, course_id=COURSE_ID):
    """Create (or update) a course folder at `root` that grades the lessons of `source_dir`.

    release_dir defaults to <root>/release so that a course made for testing
    or for one class never writes into the repository's lessons/. exchange_dir
    defaults to $DLCOURSE_EXCHANGE (a shared exchange on a server, e.g. JupyterHub),
    else <root>/exchange. Both, and the course id, are written into the folder's
    nbgrader_config.py, so later commands need no environment variable.
    """
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    release_dir = Path(release_dir or root / "release").resolve()
    exchange_dir = Path(exchange_dir or os.environ.get("DLCOURSE_EXCHANGE") or root / "exchange").resolve()
    (root / "nbgrader_config.py").write_text(CONFIG_TEMPLATE.format(
        root=str(root), source=str(Path(source_dir).resolve()),
        release=str(release_dir), exchange=str(exchange_dir), course_id=course_id))
    return root


def nbgrader_env(extra=None):
    """The environment for nbgrader: this interpreter's bin first on PATH (autograde runs `alembic`)."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.update(extra or {})
    return env


def run_nbgrader(course_root, *args, check=True, env=None, timeout=None, stream=False):
    """Run `nbgrader ARGS` in a course folder; returns the CompletedProcess.

    With check=True a non-zero exit raises NbgraderError with the end of the log.
    With stream=True the log goes to this process's stderr as it happens.
    """
    command = [sys.executable, "-m", "nbgrader", *map(str, args)]
    proc = subprocess.run(
        command, cwd=str(config_dir(course_root)), env=nbgrader_env(env), timeout=timeout,
        stdout=None if stream else subprocess.PIPE, stderr=None if stream else subprocess.STDOUT,
        text=True, stdin=subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        log = (proc.stdout or "").strip().splitlines()[-25:]
        raise NbgraderError(f"`nbgrader {' '.join(map(str, args))}` failed (exit {proc.returncode}):\n" + "\n".join(log))
    return proc


def nbgrader_api(course_root, config=None):
    """nbgrader's Python API for a course folder, configured by its nbgrader_config.py (or by
    `config`, a configuration already loaded from it).

    The same calls the Formgrader makes; cheaper than one `nbgrader` process per step.
    """
    from nbgrader.apps import NbGraderAPI

    # nbgrader runs `alembic` from PATH: use this environment's, even when it was not activated.
    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    return NbGraderAPI(config=config if config is not None else load_config(course_root))


def api_call(result, what):
    """Raise NbgraderError if an NbGraderAPI call failed; else return its result."""
    if not result.get("success"):
        log = ((result.get("log") or "") + (result.get("error") or "")).strip().splitlines()[-25:]
        raise NbgraderError(f"{what} failed:\n" + "\n".join(log))
    return result
