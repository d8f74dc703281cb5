"""A non-editable install (`pip install .`) works: the course's folders come from configuration
($DLCOURSE_ROOT, or the working folder inside a course), not from where the package lies; and
outside any course `dlcourse` stops with one line that says what to do, never a traceback.

`make` installs the course editable; this builds the package for real, from a copy of its sources,
into a folder of its own, and runs `python -m dlcourse` from there.
"""

import os
import shutil
import subprocess
import sys

import pytest

from dlcourse.paths import ROOT_VARIABLE, find_root, lesson_ids

from .conftest import REPO

SOURCES = ("pyproject.toml", "README.md", "utils", "autograde/dlcourse")


def _modules(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The folder a non-editable install of the package went into."""
    tmp = tmp_path_factory.mktemp("install")
    (tmp / "src").mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, tmp / "src" / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, tmp / "src" / name)
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                          "--no-build-isolation", "--target", str(tmp / "site"), str(tmp / "src")],
                         capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return tmp / "site"


def dlcourse(installed, *args, cwd, root=None):
    env = {k: v for k, v in os.environ.items() if k != ROOT_VARIABLE}
    env["PYTHONPATH"] = str(installed)
    if root:
        env[ROOT_VARIABLE] = str(root)
    return subprocess.run([sys.executable, "-m", "dlcourse", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_install_holds_every_module_of_the_package(installed):
    """pyproject.toml lists every package and subpackage (setuptools installs only those listed)."""
    assert _modules(installed / "dlcourse") == _modules(REPO / "autograde" / "dlcourse")
    assert _modules(installed / "utils") == _modules(REPO / "utils")
    fingerprints = sorted(p.name for p in (REPO / "utils" / "diagnosis" / "fingerprints").glob("*.json"))
    assert fingerprints and sorted(p.name for p in (installed / "utils" / "diagnosis" / "fingerprints").glob("*.json")) \
        == fingerprints, "the diagnosis needs its fingerprints (package data)"
    probe = subprocess.run([sys.executable, "-c", "import dlcourse; print(dlcourse.__file__)"], cwd=installed.parent,
                           env={**os.environ, "PYTHONPATH": str(installed)}, capture_output=True, text=True)
    assert probe.stdout.strip() == str(installed / "dlcourse" / "__init__.py"), "the installed copy is the one run"


def test_outside_a_course_it_stops_with_one_clear_line(installed, tmp_path):
    done = dlcourse(installed, "lessons", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith("dlcourse: no course found") and ROOT_VARIABLE in done.stderr

    wrong = dlcourse(installed, "lessons", cwd=tmp_path, root=tmp_path)
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    assert wrong.stderr.strip() == f"dlcourse: {ROOT_VARIABLE}={tmp_path.resolve()} is not a course folder " \
                                   "(no lessons/ and autograde/ there)"


def test_dlcourse_root_names_the_course(installed, tmp_path):
    done = dlcourse(installed, "lessons", cwd=tmp_path, root=REPO)
    assert (done.returncode, done.stdout.split()) == (0, lesson_ids()), done.stderr
    work = tmp_path / "work"
    done = dlcourse(installed, "workspace", "--dir", str(work), cwd=tmp_path, root=REPO)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in work.iterdir()) == lesson_ids()


def test_inside_a_course_the_working_folder_finds_it(installed):
    done = dlcourse(installed, "lessons", cwd=REPO / "lessons" / lesson_ids()[0])
    assert (done.returncode, done.stdout.split()) == (0, lesson_ids()), done.stderr


def test_dlcourse_root_comes_before_the_packages_own_checkout(tmp_path):
    other = tmp_path / "other-course"
    for name in ("lessons", "autograde"):
        (other / name).mkdir(parents=True)
    assert find_root({ROOT_VARIABLE: str(other)}, cwd=REPO) == other.resolve()
    assert find_root({}, cwd=other) == REPO, "the editable install's own checkout, wherever it is run"
