"""The three descriptions of the environment agree: pyproject.toml, environment.yml, constraints.txt;
and the Makefile installs a student's set (`make lab`) or that set and the extras (`make test`)."""

import os
import re
import shutil
import subprocess
import sys
import tomllib

import yaml

from .conftest import REPO


def _pins(requirements):
    pins = {}
    for req in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", req.strip())
        assert match, f"not an exact pin: {req!r} (the course pins every dependency)"
        pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def pyproject():
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def extras():
    """{extra: [requirement]} of pyproject.toml's optional dependencies."""
    return pyproject()["project"]["optional-dependencies"]


def every_pin():
    """The pins of the dependencies and of every extra: what `make test` installs."""
    return _pins([*pyproject()["project"]["dependencies"], *(r for group in extras().values() for r in group)])


def test_pyproject_pins_every_dependency_and_torch_exactly():
    pins = _pins(pyproject()["project"]["dependencies"])
    assert pins["torch"] == "2.13.0", "torch must stay pinned to 2.13.0 (an unpinned torch pulls a multi-GB CUDA build)"
    for needed in ("jupyterlab", "nbgrader", "numpy", "matplotlib", "ipywidgets"):
        assert needed in pins, f"{needed} is missing from pyproject.toml"
    # The test suite, the browser and the database drivers are extras: no student installs them.
    groups = {name: _pins(group) for name, group in extras().items()}
    assert {"pytest", "pytest-xdist"} <= groups["test"].keys()
    assert "playwright" in groups["browser"] and "psycopg2-binary" in groups["postgres"]
    for name, group in groups.items():
        assert not group.keys() & pins.keys(), f"extra {name} repeats a dependency"


def test_environment_yml_matches_pyproject():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    deps = env["dependencies"]
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    conda_python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    assert "-e ." in pip_section, "environment.yml must install the course helpers (-e .)"
    assert _pins([r for r in pip_section if r != "-e ."]) == _pins(pyproject()["project"]["dependencies"])
    low = re.search(r">=\s*(\d+\.\d+)", pyproject()["project"]["requires-python"]).group(1)
    assert conda_python.split("=")[-1] == low, "environment.yml's python should be the lowest supported version"


def test_constraints_lock_every_direct_pin():
    locked = _pins(line for line in (REPO / "constraints.txt").read_text().splitlines()
                   if line.strip() and not line.startswith("#"))
    for name, version in every_pin().items():
        if name != "torch":  # local build tags (+cpu) differ; pyproject pins it
            assert locked.get(name) == version, f"constraints.txt has {name}=={locked.get(name)}, pyproject {version}"


def test_this_environment_is_the_pinned_one():
    """The venv `make test` created really has the pinned versions, extras included (catches a stale .venv)."""
    from importlib.metadata import version
    for name, pinned in every_pin().items():
        assert version(name).split("+")[0] == pinned, f"installed {name} {version(name)} != pinned {pinned}"
    assert sys.version_info >= (3, 11)


def test_ci_runs_the_readme_test_command_and_nothing_else():
    script = [line for line in (REPO / ".ci" / "run").read_text().splitlines()
              if line.strip() and not line.lstrip().startswith("#")]
    commands = [line for line in script if not line.startswith(("set ", "cd "))]
    assert commands == ["exec make test"], f".ci/run must only run `make test`, found {commands}"
    readme = (REPO / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme


def _make_dry_run(folder, *args):
    """The pip commands `make -n ARGS` would run in folder: [the requirement it installs]."""
    out = subprocess.run(["make", "-n", "--no-print-directory", *args], cwd=folder, capture_output=True, text=True,
                         check=True).stdout
    return [line.split(" -e ", 1)[1].strip().strip('"') for line in out.splitlines() if "pip install" in line]


def test_make_lab_installs_no_extra_and_make_test_all_of_them(tmp_path):
    for name in ("Makefile", "pyproject.toml", "constraints.txt", "autograde/jupyterlab-overrides.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, tmp_path / name)
    everything = f".[{','.join(extras())}]"
    assert _make_dry_run(tmp_path, "lab") == ["."], "a student's install (make lab) has no extras"
    assert _make_dry_run(tmp_path, "test") == [".", everything], "make test installs every extra"

    # Installed and up to date: nothing to do. pyproject.toml changed (an extra added, a pin moved):
    # both installs run again. Other extras asked for: that install runs again.
    venv = tmp_path / ".venv"
    venv.mkdir()
    sources = [tmp_path / name for name in ("Makefile", "pyproject.toml", "constraints.txt")]
    stamps = [venv / ".installed", venv / f".installed-{'-'.join(extras())}"]
    for path in [*sources, tmp_path / "autograde/jupyterlab-overrides.json"]:
        os.utime(path, (1_000_000, 1_000_000))
    for n, stamp in enumerate(stamps):
        stamp.touch()
        os.utime(stamp, (2_000_000 + n, 2_000_000 + n))
    assert _make_dry_run(tmp_path, "test") == []
    assert _make_dry_run(tmp_path, "test", "TEST_EXTRAS=test") == [".[test]"]
    os.utime(tmp_path / "pyproject.toml", (3_000_000, 3_000_000))
    assert _make_dry_run(tmp_path, "test") == [".", everything]
