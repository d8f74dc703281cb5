"""What students receive (`dlcourse student-bundle DIR`): everything they need to work on their own
machines, and no solution, hidden test, test suite or course state.

The bundle is built into a temporary folder; then every file in it is searched for every
line of every solution and hidden test, and its own `make lab` set-up and `dlcourse check`
are run from it, in an environment of its own that holds only what its pyproject.toml
installs (tests/student_env.py).
"""

import json
import re
import shutil
import subprocess
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from traitlets.config import PyFileConfigLoader

from dlcourse import bundle as bundle_mod
from dlcourse import cli, notebooks
from dlcourse.paths import LESSONS_DIR, SOLUTIONS_DIR, lesson_ids, lesson_notebook

from . import student_env, submissions
from .conftest import REPO
from .lab_server import running_lab

TOP_LEVEL = {".gitignore", "Makefile", "README.md", "autograde", "constraints.txt", "data", "environment.yml",
             "lessons", "nbgrader_config.py", "pyproject.toml", "utils"}
# Names that must appear nowhere in a bundle: instructor sources, the test suite and its
# catalogues, benchmarks, instructors' docs, history, course state, and what git ignores.
FORBIDDEN = {"solutions", "tests", "mistakes", "damage", "benchmarks", "docs", ".git", ".github", ".ci",
             "gradebook.db", "submitted", "autograded", "feedback", "exchange", "release", "repairs",
             "students.csv", "grades.csv", "CONTRIBUTING.md", "__pycache__", ".ipynb_checkpoints",
             ".pytest_cache", "work", ".venv"}
REGIONS = ((notebooks.BEGIN_SOLUTION, notebooks.END_SOLUTION), (notebooks.BEGIN_HIDDEN, notebooks.END_HIDDEN))

# A secret line is every line between the markers, stripped, except these trivial ones, which
# say nothing about an answer or a test and occur in any Python file: nothing but brackets and
# punctuation (the last line of a call spread over lines), one keyword on its own (`pass`,
# `return`, `else:`, ...), and an import (it names a library, not what is done with it).
TRIVIAL = re.compile(r"""^(?:
      [\s()\[\]{},;:.]*
    | (?:pass|return|break|continue|raise|else:|try:|finally:|\.\.\.)
    | import\s+[\w.]+(?:\s+as\s+\w+)?
    | from\s+[\w.]+\s+import\s+[\w, ]+
)$""", re.X)
# Generic one-line idioms that a solution or hidden test shares with the course's helpers, and
# which give nothing away: converting an argument to a float array, silencing numpy's overflow
# warnings, PyTorch's evaluation mode and batch loop, a loop over a work list or a graph's
# nodes, an optional argument's test. Each is allowed by its exact text only (and
# tests/test_no_free_answers.py proves that no helper holding one does an exercise's job).
GENERIC = {
    "X = np.asarray(X, dtype=float)", "y = np.asarray(y, dtype=float)", "z = np.asarray(z, dtype=float)",
    "costs = np.asarray(costs, dtype=float)", 'with np.errstate(all="ignore"):', "model.eval()",
    "for X, y in loader:", "while stack:", "for v in order:", "if X_test is not None:",
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    target = tmp_path_factory.mktemp("bundle") / "dl-course"
    assert cli.main(["student-bundle", str(target)]) == 0
    return target


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _regions(source):
    """Lines inside the solution and hidden-test regions of a cell source, and the lines outside them."""
    inside, outside, region = [], [], None
    for line in source.split("\n"):
        begins = [end for begin, end in REGIONS if begin in line]
        if begins:
            region = begins[0]
        elif region and region in line:
            region = None
        elif region:
            inside.append(line.strip())
        else:
            outside.append(line.strip())
    return inside, outside


def secret_lines():
    """{line: lesson} of every solution and hidden-test line of every lesson, minus trivial lines
    and lines that some lesson shows students anyway (outside any region: a later lesson gives
    an earlier lesson's answer as ready code, a visible test repeats a setup line)."""
    secret, public = {}, set()
    for lesson in lesson_ids():
        for cell in notebooks.read(lesson_notebook(lesson, SOLUTIONS_DIR)).cells:
            inside, outside = _regions(cell.source)
            public.update(outside)
            for line in inside:
                secret.setdefault(line, lesson)
    return {line: lesson for line, lesson in secret.items()
            if not TRIVIAL.match(line) and line not in public and line not in GENERIC}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


def file_lines(path):
    """The stripped lines of a file as text, and of every string in it if it is JSON (a notebook's
    cells and outputs, where lines are escaped)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    lines = {line.strip() for line in text.splitlines()}
    try:
        lines |= {line.strip() for s in _strings(json.loads(text)) for line in s.splitlines()}
    except ValueError:
        pass
    return lines


def test_the_bundle_holds_what_students_need_and_nothing_else(bundle):
    files = _files(bundle)
    assert {f.split("/")[0] for f in files} == TOP_LEVEL
    assert {f.split("/")[1] for f in files if f.startswith("autograde/")} == {"dlcourse", "jupyterlab-overrides.json"}, \
        "of autograde/ only the dlcourse package and JupyterLab's settings: no course folder, no course state"
    for f in files:
        bad = FORBIDDEN.intersection(f.split("/")) or (f.endswith((".pyc", ".egg-info")) and f)
        assert not bad, f"{f}: students must not receive {bad}"
    # Lessons: exactly the released versions. Data: exactly what git ships (no downloaded data set).
    assert [f for f in files if f.startswith("lessons/")] == [f"lessons/{f}" for f in _files(LESSONS_DIR)]
    for f in (f for f in files if f.startswith("lessons/")):
        assert (bundle / f).read_bytes() == (REPO / f).read_bytes(), f"{f} differs from the released version"
    tracked = subprocess.run(["git", "ls-files", "data"], cwd=REPO, capture_output=True, text=True).stdout.split()
    assert [f for f in files if f.startswith("data/")] == sorted(tracked)
    # Every copied file is the repository's, and none is one git ignores.
    own = set(bundle_mod.TEMPLATE_FILES) | set(bundle_mod.GENERATED)
    copied = [f for f in files if f not in own]
    for f in copied:
        assert (bundle / f).read_bytes() == (REPO / f).read_bytes(), f
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=REPO, input="\n".join(copied),
                             capture_output=True, text=True).stdout.split()
    assert not ignored, f"git-ignored files in the bundle: {ignored}"
    for name in bundle_mod.TEMPLATE_FILES:
        assert (bundle / name).read_bytes() == (REPO / "student" / name).read_bytes()
    # The student configuration names no instructor source.
    for name in ("nbgrader_config.py", "Makefile", "pyproject.toml", "environment.yml"):
        assert "solutions" not in (bundle / name).read_text(), f"{name} refers to solutions/"


def test_no_solution_or_hidden_test_line_is_anywhere_in_the_bundle(bundle):
    secrets = secret_lines()
    assert len(secrets) > 1000, "the lessons' solutions and hidden tests were not all found"
    found = []
    for f in _files(bundle):
        for line in sorted(file_lines(bundle / f) & secrets.keys()):
            found.append(f"{f}: {line!r} (from {secrets[line]})")
    assert not found, "solution or hidden-test lines in the student bundle:\n  " + "\n  ".join(found)
    for f in _files(bundle / "lessons"):
        assert not notebooks.leaks(bundle / "lessons" / f), f"a solution or hidden-test marker in lessons/{f}"


def test_trivial_lines_are_only_the_trivial_ones():
    for line in ("", ")", "],", "pass", "return", "else:", "import numpy as np", "from utils import data"):
        assert TRIVIAL.match(line), line
    for line in ("return z", "return np.maximum(0, z)", "raise ValueError(x)", "import_path = x", "x = (",
                 "pass_rate = 1", "from utils import data; data.load_mnist()"):
        assert not TRIVIAL.match(line), line


def _names(requirements):
    return {canonicalize_name(Requirement(r).name) for r in requirements}


def test_the_bundle_packages_the_students_install(bundle):
    """pyproject.toml installs the student package (dlcourse and utils, the `dlcourse` command)
    with the repository's dependencies and none of its extras (the test suite, browser tests, the
    PostgreSQL driver); environment.yml pins the same."""
    repo = tomllib.loads((REPO / "pyproject.toml").read_text())
    mine = tomllib.loads((bundle / "pyproject.toml").read_text())
    pins = mine["project"]["dependencies"]
    assert pins == repo["project"]["dependencies"]
    assert "optional-dependencies" not in mine["project"], "a student's install has no extras"
    names = _names(pins)
    assert {"jupyterlab", "nbgrader", "numpy", "torch", "ipywidgets", "matplotlib", "nbclient"} <= names
    extras = _names(r for group in repo["project"]["optional-dependencies"].values() for r in group)
    assert {"pytest", "pytest-xdist", "playwright", "psycopg2-binary"} <= extras
    assert not names & extras
    assert mine["project"]["scripts"] == repo["project"]["scripts"]
    assert mine["tool"]["setuptools"] == repo["tool"]["setuptools"]
    for package, folder in mine["tool"]["setuptools"]["package-dir"].items():
        assert (bundle / folder / "__init__.py").exists(), f"{package} is not in the bundle ({folder})"
    env = yaml.safe_load((bundle / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip == pins + ["-e ."]
    assert (bundle / "constraints.txt").read_text() == (REPO / "constraints.txt").read_text()


def test_a_folder_with_files_is_refused_and_force_replaces_only_the_bundles_own(tmp_path, capsys):
    target = tmp_path / "course"
    (target / "work").mkdir(parents=True)
    (target / "work" / "mine.ipynb").write_text("my answers")
    assert cli.main(["student-bundle", str(target)]) == 1
    assert "not empty" in capsys.readouterr().err and _files(target) == ["work/mine.ipynb"]

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "keep.py").write_text("not the bundle's")
    (target / "utils").symlink_to(outside)  # a link where the bundle writes: removed, never followed
    (target / "lessons" / "99-gone").mkdir(parents=True)
    (target / "lessons" / "99-gone" / "old.ipynb").write_text("{}")
    assert cli.main(["student-bundle", str(target), "--force"]) == 0
    assert (target / "work" / "mine.ipynb").read_text() == "my answers", "--force keeps what is not the bundle's"
    assert (outside / "keep.py").read_text() == "not the bundle's", "nothing outside the folder is touched"
    assert not (target / "utils").is_symlink() and (target / "utils" / "__init__.py").exists()
    assert not (target / "lessons" / "99-gone").exists(), "--force replaces the bundle's own folders whole"

    for inside_repo in (REPO, REPO / "lessons" / "bundle", REPO / "utils"):
        assert cli.main(["student-bundle", str(inside_repo), "--force"]) == 1
    assert "course" in capsys.readouterr().err


def _run(bundle, python, *args, cwd=None, timeout=300):
    return subprocess.run([str(python), *args], cwd=cwd or bundle, capture_output=True, text=True,
                          timeout=timeout, env=student_env.clean_env())


@pytest.mark.slow
def test_make_lab_sets_up_the_bundle_and_dlcourse_check_works_there(tmp_path):
    """The bundle's own `make lab` set-up and student commands, in an environment that holds
    only what the bundle's pyproject.toml installs (no pytest, no playwright, nothing of the
    repository's own dlcourse or utils)."""
    bundle = tmp_path / "dl-course"  # a bundle of its own: this test adds work/ and .venv to it
    assert cli.main(["student-bundle", str(bundle)]) == 0
    python = student_env.prepare_venv(bundle / ".venv", student_env.bundle_requirements(bundle))
    # Offline, pip finds every pin (and constraints.txt) already satisfied by exactly these
    # versions, the ones the whole test suite runs with: a fresh install gets the same set.
    assert student_env.pip_would_install(python, bundle) == ["dlcourse"]

    setup = student_env.make(bundle, "workspace", PIP_ARGS=student_env.OFFLINE_PIP_ARGS)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    for lesson in lesson_ids():
        mine = bundle / "work" / lesson / f"{lesson}.ipynb"
        assert mine.read_bytes() == (LESSONS_DIR / lesson / f"{lesson}.ipynb").read_bytes()
    assert student_env.make(bundle, "env").stdout.strip().startswith("make: Nothing to be done"), \
        "a second `make env` installs nothing again"

    # The bundle's utils, dlcourse and data, found as a lesson's kernel finds them (from the
    # lesson's folder); no instructor-only package is there.
    probe = ("import json, dlcourse, utils, importlib.util; from utils import data; ds = data.load_mnist(verbose=False);"
             "print(json.dumps([utils.__file__, dlcourse.__file__, str(ds.path), ds.variant, len(ds.X_train),"
             "[m for m in ('pytest', 'playwright', 'psycopg2') if importlib.util.find_spec(m)]]))")
    found = _run(bundle, python, "-c", probe, cwd=bundle / "work" / lesson_ids()[0])
    assert found.returncode == 0, found.stderr
    utils_file, dlcourse_file, data_path, variant, n_train, instructor_only = json.loads(found.stdout)
    assert utils_file == str(bundle / "utils" / "__init__.py")
    assert dlcourse_file == str(bundle / "autograde" / "dlcourse" / "__init__.py")
    assert (data_path, variant, n_train) == (str(bundle / "data" / "mnist-sample"), "sample", 8000)
    assert instructor_only == [], "the student's environment has no instructor-only package"

    # dlcourse check: a blank notebook fails its visible tests (exit 1), the reference answers pass.
    lesson = "01-perceptron"
    dlcourse = bundle / ".venv" / "bin" / "dlcourse"
    blank = _run(bundle, dlcourse, "check", f"work/{lesson}/{lesson}.ipynb")
    assert blank.returncode == 1, blank.stdout + blank.stderr
    assert "FAILED" in blank.stdout and "not answered yet" in blank.stdout
    answered = bundle / "work" / lesson / f"{lesson}-answered.ipynb"
    notebooks.write(submissions.student_notebook(lesson, written=True), answered)
    passed = _run(bundle, dlcourse, "check", str(answered.relative_to(bundle)))
    assert passed.returncode == 0 and "OK:" in passed.stdout, passed.stdout + passed.stderr

    # Validate gets the course's settings from the bundle's nbgrader_config.py (and the copy
    # `make env` puts in .venv/etc/jupyter for servers started elsewhere), with no course.
    repo_config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    read = ("import json; from traitlets.config import PyFileConfigLoader as L; c = L('nbgrader_config.py', "
            "path='{}').load_config(); print(json.dumps([c.Execute.timeout, c.Execute.extra_arguments, "
            "c.Execute.interrupt_on_timeout, 'CourseDirectory' in c]))")
    for folder in (bundle, bundle / ".venv" / "etc" / "jupyter"):
        config = _run(bundle, python, "-c", read.format(folder))
        assert config.returncode == 0, config.stderr
        assert json.loads(config.stdout) == [repo_config.Execute.timeout, list(repo_config.Execute.extra_arguments),
                                             True, False]
    assert "--InteractiveShell.xmode=Minimal" in repo_config.Execute.extra_arguments

    # Instructors' commands do nothing harmful in a student's copy.
    build = _run(bundle, dlcourse, "build")
    assert build.returncode == 1 and "no lesson sources" in build.stderr, build.stdout + build.stderr
    refused = _run(bundle, dlcourse, "student-bundle", str(tmp_path / "again"))
    assert refused.returncode == 1 and "student copy" in refused.stderr
    assert sorted(p.name for p in (bundle / "lessons").iterdir()) == lesson_ids()
    assert _run(bundle, dlcourse, "lessons").stdout.split() == lesson_ids()

    # `make lab` serves the work folder, with Validate and without the instructors' Formgrader.
    (tmp_path / "lab").mkdir()
    with running_lab(tmp_path / "lab", folder=bundle, work="work",
                     make_vars={"PIP_ARGS": student_env.OFFLINE_PIP_ARGS}) as lab:
        served = {item["name"] for item in lab.get_json("/api/contents")["content"]}
        assert served == set(lesson_ids()), served
        assert lab.get("/api/contents/lessons")[0] == 404
        assert lab.get("/formgrader")[0] == 404, "the Formgrader is off in a student's install"
        page = lab.get("/lab")[1]
        config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))
        assert "@jupyter/nbgrader" in {ext["name"] for ext in config["federated_extensions"]}
        assert "@jupyter/nbgrader:formgrader" in (config.get("disabledExtensions") or [])
        assert "@jupyter/nbgrader:validate-assignment" not in (config.get("disabledExtensions") or [])
    shutil.rmtree(bundle / ".venv")


def test_students_data_in_the_course_folder_is_never_committed():
    """The default course's state in course/ (a class's submissions, grades, roster, exports, dashboards, repaired
    originals) is git-ignored, so neither a commit nor a bundle (which copies only what git
    would track) can carry it."""
    state = ["course/gradebook.db", "course/submitted/ada/01-perceptron/01-perceptron.ipynb",
             "course/autograded/ada/x.ipynb", "course/feedback/ada/x.html", "course/exchange/x",
             "course/repairs/ada/01-perceptron/report.json", "course/students.csv", "course/grades.csv",
             "course/export-2026-spring.csv", "course/release/01-perceptron/01-perceptron.ipynb",
             "course/stats/01-perceptron/index.html", "course/grades-canvas.csv", "course/deadlines.toml"]
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=REPO, input="\n".join(state),
                             capture_output=True, text=True).stdout.split()
    assert sorted(ignored) == sorted(state), f"not ignored: {sorted(set(state) - set(ignored))}"
    kept = subprocess.run(["git", "check-ignore", "--no-index", "autograde/nbgrader_config.py",
                           "autograde/dlcourse/cli/__init__.py"], cwd=REPO, capture_output=True, text=True).stdout.split()
    assert kept == [], "the course's configuration and the package stay tracked"


def test_outside_a_git_checkout_the_bundle_still_leaves_out_what_git_would_ignore(tmp_path):
    for name in ("utils/a.py", "utils/__pycache__/a.cpython-311.pyc", "data/mnist/train.gz", "data/README.md",
                 "lessons/01-x/.ipynb_checkpoints/01-x-checkpoint.ipynb", "lessons/01-x/01-x.ipynb",
                 "dlcourse.egg-info/PKG-INFO"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert bundle_mod.repository_files(tmp_path) == ["data/README.md", "lessons/01-x/01-x.ipynb", "utils/a.py"]
