"""The three descriptions of the environment agree: pyproject.toml, environment.yml, constraints.txt."""

import re
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


def test_pyproject_pins_every_dependency_and_torch_exactly():
    pins = _pins(pyproject()["project"]["dependencies"])
    assert pins["torch"] == "2.13.0", "torch must stay pinned to 2.13.0 (an unpinned torch pulls a multi-GB CUDA build)"
    for needed in ("jupyterlab", "nbgrader", "numpy", "matplotlib", "ipywidgets", "pytest"):
        assert needed in pins, f"{needed} is missing from pyproject.toml"


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
    for name, version in _pins(pyproject()["project"]["dependencies"]).items():
        if name != "torch":  # local build tags (+cpu) differ; pyproject pins it
            assert locked.get(name) == version, f"constraints.txt has {name}=={locked.get(name)}, pyproject {version}"


def test_this_environment_is_the_pinned_one():
    """The venv make created really has the pinned versions (catches a stale .venv)."""
    from importlib.metadata import version
    for name, pinned in _pins(pyproject()["project"]["dependencies"]).items():
        assert version(name).split("+")[0] == pinned, f"installed {name} {version(name)} != pinned {pinned}"
    assert sys.version_info >= (3, 11)


def test_ci_runs_the_readme_test_command_and_nothing_else():
    script = [line for line in (REPO / ".ci" / "run").read_text().splitlines()
              if line.strip() and not line.lstrip().startswith("#")]
    commands = [line for line in script if not line.startswith(("set ", "cd "))]
    assert commands == ["exec make test"], f".ci/run must only run `make test`, found {commands}"
    readme = (REPO / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
