"""A student's environment for a bundle (`dlcourse student-bundle`), made in seconds.

`make env` in a bundle creates .venv and pip-installs the student package with its pinned
dependencies: PyTorch and JupyterLab, gigabytes from the network. The tests cannot download
them, and need not: this environment already holds those exact versions. `prepare_venv`
creates a new, empty virtual environment and gives it the distributions a student's install
would have, and only those: the closure of the bundle's pyproject.toml dependencies (read from
the distributions' own metadata), as links to this environment's files. The bundle's own
`make env` then runs unchanged, with `PIP_ARGS=OFFLINE_PIP_ARGS`: pip resolves the bundle's
pins and constraints.txt against what is there (failing, with no index, if anything is
missing or at another version) and installs the bundle's package for real.

Nothing in this environment is ever written through the links: data files under etc/ and
JupyterLab's settings (which `make env` changes) are copies, and pip installs only the
bundle's own package (checked by a dry run first).
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
# Needed to build the bundle's package without build isolation (which would download them).
BUILD_TOOLS = ("pip", "setuptools", "wheel")
OFFLINE_PIP_ARGS = "--no-index --no-build-isolation"
# Written by `make env`, so copied rather than linked (a write must not reach this environment).
COPIED_PREFIXES = (("etc",), ("share", "jupyter", "lab", "settings"))


def _distributions():
    found = {}
    for dist in metadata.distributions(path=[str(SITE_PACKAGES)]):
        found.setdefault(canonicalize_name(dist.metadata["Name"]), dist)
    return found


def closure(requirements):
    """Canonical names of the distributions `requirements` pull in, with their dependencies
    (markers evaluated for this platform and the extras asked for)."""
    available = _distributions()
    environment = default_environment()
    todo = [Requirement(r) for r in requirements]
    needed = {}  # name: extras asked for
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in needed and set(req.extras) <= needed[name]:
            continue
        if name not in available:
            raise LookupError(f"{req} is needed but not installed in {SITE_PACKAGES}")
        needed[name] = needed.get(name, set()) | set(req.extras)
        for text in available[name].requires or []:
            sub = Requirement(text)
            if sub.marker is None or any(sub.marker.evaluate({**environment, "extra": extra})
                                         for extra in (needed[name] or {""})):
                todo.append(sub)
    return set(needed)


def _entries(dist):
    """(top-level names in site-packages, files relative to the environment's prefix) of a distribution."""
    tops, data = set(), []
    for file in dist.files or []:
        parts = Path(file).parts
        if parts and parts[0] == "..":
            ups = len([p for p in parts if p == ".."])
            data.append(Path(*parts[ups:]))
        elif parts and parts[0] != "__pycache__":
            tops.add(parts[0])
    return tops, data


def _write_scripts(dist, venv):
    """The distribution's console scripts for the new environment, as pip writes them."""
    for entry in dist.entry_points.select(group="console_scripts"):
        module, _, attribute = entry.value.partition(":")
        script = venv / "bin" / entry.name
        # The __main__ guard, as pip writes it: a command that starts worker processes (multiprocessing's
        # spawn re-imports the script) must not run again in each of them.
        script.write_text(f"#!{venv / 'bin' / 'python'}\nimport sys\nfrom {module} import {attribute.split('.')[0]}\n"
                          f"if __name__ == '__main__':\n    sys.exit({attribute}())\n")
        script.chmod(0o755)


def prepare_venv(venv, requirements, python=sys.executable):
    """A new virtual environment at `venv` (interpreter `python`) holding the closure of
    `requirements` and BUILD_TOOLS as links to this environment's files; returns its bin/python."""
    venv = Path(venv)
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True)
    target = Path(subprocess.run([str(venv / "bin" / "python"), "-c",
                                  "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 check=True, capture_output=True, text=True).stdout.strip())
    prefix = Path(sys.prefix)
    dists = _distributions()
    names = closure(requirements) | {canonicalize_name(n) for n in BUILD_TOOLS if canonicalize_name(n) in dists}
    for name in sorted(names):
        tops, data = _entries(dists[name])
        for top in sorted(tops):
            if (SITE_PACKAGES / top).exists() and not (target / top).exists():
                (target / top).symlink_to(SITE_PACKAGES / top)
        _write_scripts(dists[name], venv)
        for relative in data:
            if relative.parts[0] == "bin":
                continue  # scripts name this environment's interpreter: _write_scripts writes new ones
            source, destination = prefix / relative, venv / relative
            if not source.is_file() or destination.exists():
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            if any(relative.parts[:len(p)] == p for p in COPIED_PREFIXES):
                shutil.copy2(source, destination)
            else:
                destination.symlink_to(source)
    return venv / "bin" / "python"


def bundle_requirements(bundle):
    return tomllib.loads((Path(bundle) / "pyproject.toml").read_text())["project"]["dependencies"]


def pip_would_install(python, bundle):
    """What `pip install -c constraints.txt -e .` would install in the bundle, offline: [name]."""
    proc = subprocess.run([str(python), "-m", "pip", "install", "--dry-run", "--quiet", "--report", "-",
                           "--disable-pip-version-check", *OFFLINE_PIP_ARGS.split(),
                           "-c", "constraints.txt", "-e", "."],
                          cwd=bundle, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"pip cannot install the bundle offline:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    return [item["metadata"]["name"] for item in json.loads(proc.stdout)["install"]]


def clean_env(extra=None):
    """This process's environment without what would point a student's commands elsewhere: an
    active virtual environment, PYTHONPATH, the data folders utils.data reads, or the state of a
    `make` this suite runs under (`make test`), which a student's shell does not have."""
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "DLCOURSE_DATA_DIR", "DLCOURSE_MNIST_DIR",
            "DLCOURSE_FASHION_MNIST_DIR", "DLCOURSE_COURSE_DIR", "MAKELEVEL", "MAKEFLAGS", "MFLAGS",
            "MAKEOVERRIDES")
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **(extra or {})}


def make(bundle, *targets, env=None, timeout=600, **variables):
    """Run `make TARGETS VAR=value ...` in the bundle; returns the CompletedProcess."""
    environment = clean_env(env)
    return subprocess.run(["make", "--no-print-directory", *targets, *(f"{k}={v}" for k, v in variables.items())],
                          cwd=bundle, env=environment, capture_output=True, text=True, timeout=timeout)
