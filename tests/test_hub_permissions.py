"""docs/jupyterhub.md's layout keeps solutions and tests from students: proven as a student.

As root, the test creates an instructors' group and an unprivileged user, lays out the
instructors' repository, the course folder and the student install with the commands the
document gives (under a private folder in /tmp instead of /srv), and runs, as that user:
the student install's Python imports `utils`, loads the shipped data and reads every
lesson; no file of solutions/, tests/ or the course folder can be read, the repository
cannot even be listed, and the student install cannot be written. Skipped when not root or
without useradd / runuser.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dlcourse import cli
from dlcourse.course import make_course

from . import student_env
from .conftest import REPO

TOOLS = ("useradd", "userdel", "groupadd", "groupdel", "runuser", "git", "make")

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                       reason="needs root: it creates a Unix user and group for the test (useradd, runuser)"),
    pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                       reason=f"needs {', '.join(TOOLS)} to create a test user and run as it"),
]

# What the student runs, as that user: prints a JSON report.
PROBE = r'''
import json, os, sys
report = {"read_ok": 0, "read_failed": [], "secret_read": [], "listing": None, "write": None}
import utils
from utils import data
ds = data.load_mnist(verbose=False)
report["utils"], report["data"], report["train"] = utils.__file__, str(ds.path), len(ds.X_train)
install, secret_files, closed = sys.argv[1], json.loads(open(sys.argv[2]).read()), sys.argv[3]
for folder in ("lessons", "utils", "data"):
    for root, dirs, files in os.walk(os.path.join(install, folder)):
        for name in files:
            try:
                open(os.path.join(root, name), "rb").read()
                report["read_ok"] += 1
            except OSError as err:
                report["read_failed"].append(f"{name}: {err}")
for path in secret_files:
    try:
        open(path, "rb").read(1)
        report["secret_read"].append(path)
    except PermissionError:
        pass
try:
    report["listing"] = os.listdir(closed)
except PermissionError:
    report["listing"] = "PermissionError"
try:
    open(os.path.join(install, "utils", "planted.py"), "w").write("print('every student runs this')")
    report["write"] = "written"
except PermissionError:
    report["write"] = "PermissionError"
print(json.dumps(report))
'''


def sh(*args, **kwargs):
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, args))}: {proc.stdout[-2000:]}{proc.stderr[-2000:]}"
    return proc


def as_user(user, home, *command):
    """Run a command as `user` in their home folder with a clean environment."""
    return subprocess.run(["runuser", "-u", user, "--", "env", "-i", "PATH=/usr/bin:/bin", f"HOME={home}",
                           "PYTHONDONTWRITEBYTECODE=1", *map(str, command)],
                          cwd=home, capture_output=True, text=True, timeout=300)


def python_for(user, home):
    """An interpreter of this Python version that `user` can run (one under /root cannot)."""
    candidates = [os.path.realpath(getattr(sys, "_base_executable", sys.executable)), "/usr/bin/python3",
                  "/usr/local/bin/python3", shutil.which("python3")]
    wanted = f"{sys.version_info[0]}.{sys.version_info[1]}"
    for candidate in dict.fromkeys(c for c in candidates if c and os.path.exists(c)):
        probe = as_user(user, home, candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])")
        if probe.returncode == 0 and probe.stdout.strip() == wanted:
            return candidate
    pytest.skip(f"no Python {wanted} here that an unprivileged user can run (tried {candidates})")


@pytest.fixture
def layout():
    """A private folder in /tmp that others may traverse (pytest's tmp_path is mode 0700), an
    instructors' group with one instructor, and a student; all removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="dlcourse-hub-", dir="/tmp"))
    base.chmod(0o755)
    (base / "home").mkdir()
    (base / "home").chmod(0o755)
    tag = secrets.token_hex(3)
    group, student, instructor = f"dlinstr{tag}", f"dlstudent{tag}", f"dlteacher{tag}"
    created = []
    try:
        sh("groupadd", group)
        for user, extra in ((student, []), (instructor, ["-G", group])):
            sh("useradd", "--create-home", "--home-dir", base / "home" / user, "--user-group",
               "--shell", "/bin/sh", *extra, user)
            created.append(user)
        yield base, group, student, instructor
    finally:
        for user in created:
            subprocess.run(["userdel", "-r", user], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def test_a_student_reads_the_student_install_and_no_solution_or_test(layout):
    base, group, user, instructor = layout
    home = base / "home" / user
    srv = base / "srv"
    srv.mkdir()
    srv.chmod(0o755)
    python = python_for(user, home)
    # The test's student install links this environment's packages instead of downloading them.
    if as_user(user, home, python, "-c", f"import os; os.listdir({str(student_env.SITE_PACKAGES)!r})").returncode:
        pytest.skip(f"{student_env.SITE_PACKAGES} is not readable by other users here, so a test install cannot use it")

    # 1. The instructors' repository, in a folder only the group can enter (docs/jupyterhub.md, step 1).
    repo = srv / "dlcourse"
    sh("install", "-d", "-o", "root", "-g", group, "-m", "2750", repo)
    sh("git", "clone", "--quiet", REPO, repo)
    assert (repo / "solutions").is_dir() and (repo / "tests").is_dir()

    # 2. The student install, built from the repository (step 2), read-only for everyone.
    install = srv / "dlcourse-student"
    assert cli.main(["student-bundle", str(install)]) == 0
    student_env.prepare_venv(install / ".venv", student_env.bundle_requirements(install), python=python)
    setup = student_env.make(install, "env", PYTHON=python, PIP_ARGS=student_env.OFFLINE_PIP_ARGS)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    sh("chown", "-R", "root:root", install)
    sh("chmod", "-R", "u=rwX,go=rX", install)

    # 3. The course folder, with a class's state in it (step 3).
    course = make_course(srv / "dlcourse-2026")
    (course / "students.csv").write_text("id,first_name,last_name,email\nada,Ada,L,ada@example.org\n")
    submitted = course / "submitted" / "ada" / "01-perceptron" / "01-perceptron.ipynb"
    submitted.parent.mkdir(parents=True)
    submitted.write_text("{}")
    sh("chgrp", "-R", group, course)
    sh("chmod", "-R", "g+rwXs,o-rwx", course)

    secret_files = sorted(str(p) for folder in (repo / "solutions", repo / "tests", course)
                          for p in folder.rglob("*") if p.is_file())
    assert any("/solutions/" in p for p in secret_files) and any("/tests/mistakes/" in p for p in secret_files)
    listed = base / "secret-files.json"
    listed.write_text(json.dumps(secret_files))
    probe = base / "probe.py"
    probe.write_text(PROBE)
    for path in (listed, probe):
        path.chmod(0o644)

    run = as_user(user, home, install / ".venv" / "bin" / "python", probe, install, listed, repo)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["utils"] == str(install / "utils" / "__init__.py"), "the student install's own utils"
    assert (report["data"], report["train"]) == (str(install / "data" / "mnist-sample"), 8000)
    assert report["read_ok"] >= 9 + 10 and not report["read_failed"], report["read_failed"]
    assert report["secret_read"] == [], f"a student read instructors' files: {report['secret_read'][:5]}"
    assert report["listing"] == "PermissionError", "a student must not even list the instructors' repository"
    assert report["write"] == "PermissionError", "a student must not change what every student's server runs"

    # The same with the shell, as docs/jupyterhub.md shows it.
    solution = repo / "solutions" / "01-perceptron" / "01-perceptron.ipynb"
    cat = as_user(user, home, "cat", solution)
    assert cat.returncode != 0 and "Permission denied" in cat.stderr
    imported = as_user(user, home, install / ".venv" / "bin" / "python", "-c", "import utils; print(utils.__file__)")
    assert imported.returncode == 0 and imported.stdout.strip() == str(install / "utils" / "__init__.py")
    # An instructor, a member of the group, can.
    member = as_user(instructor, base / "home" / instructor, "cat", solution)
    assert member.returncode == 0, member.stderr
    assert as_user(instructor, base / "home" / instructor, "cat", course / "students.csv").returncode == 0
