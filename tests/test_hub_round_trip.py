"""A term on a shared machine, with real Unix users: docs/jupyterhub.md's exchange, proven end to end.

As root, the test creates an instructors' group with one instructor and two students, a shared
exchange with nbgrader's documented permissions (world-writable; nbgrader makes inbound/ and
feedback/ unlistable), the course folder as docs/jupyterhub.md step 3 makes it, and a global
nbgrader config naming the exchange and course id (step 4; here a folder on JUPYTER_CONFIG_PATH
instead of /etc/jupyter, which other tests share). Every user then runs their own nbgrader
(an environment with this one's packages, on a copy of this interpreter, which lives under /root
where other users cannot go):

    instructor: nbgrader release_assignment   (from a fresh course folder: no generate_assignment)
    students:   nbgrader fetch_assignment, work, nbgrader submit
    instructor: nbgrader collect, dlcourse grade (sandboxed, as the instructor), dlcourse feedback,
                nbgrader release_feedback
    students:   nbgrader fetch_feedback
    instructor: dlcourse stats, dlcourse export --layout canvas

and each student gets their own score and feedback, and can neither list the exchange's
submissions or feedback nor read the other student's files or the course folder. Skipped when
not root or without useradd / runuser.
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

from dlcourse import cli, notebooks

from . import student_env
from . import submissions as subs
from .mistakes import lesson_01_perceptron as catalogue
from .test_hub_permissions import sh

TOOLS = ("useradd", "userdel", "groupadd", "groupdel", "runuser")
LESSON = "01-perceptron"
COURSE_ID = "dl-round-trip"

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                       reason="needs root: it creates Unix users and a group for the test (useradd, runuser)"),
    pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                       reason=f"needs {', '.join(TOOLS)} to create test users and run as them"),
]


@pytest.fixture(scope="module")
def hub():
    """A private folder in /tmp others may traverse, an instructors' group with one instructor, two
    students; all removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="dlcourse-hub-trip-", dir="/tmp"))
    base.chmod(0o755)
    (base / "home").mkdir(mode=0o755)
    tag = secrets.token_hex(3)
    group = f"dlinstr{tag}"
    users = {"instructor": f"dlteach{tag}", "ada": f"dlada{tag}", "bob": f"dlbob{tag}"}
    created = []
    try:
        sh("groupadd", group)
        for role, user in users.items():
            extra = ["-G", group] if role == "instructor" else []
            sh("useradd", "--create-home", "--home-dir", base / "home" / user, "--user-group",
               "--shell", "/bin/sh", *extra, user)
            created.append(user)
            (base / "home" / user).chmod(0o700)  # as on a hub: a user's files are their own
        yield base, group, users
    finally:
        for user in created:
            subprocess.run(["userdel", "-r", user], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


class Machine:
    """Runs commands as the hub's users, each with the course environment and the global config."""

    def __init__(self, base, users, venv):
        self.base, self.users, self.venv = base, users, venv

    def home(self, role):
        return self.base / "home" / self.users[role]

    def run(self, role, *command, cwd=None, check=True):
        env = ["PATH=" + os.pathsep.join([str(self.venv / "bin"), "/usr/bin", "/bin"]), f"HOME={self.home(role)}",
               f"USER={self.users[role]}", f"JUPYTER_CONFIG_PATH={self.base / 'etc' / 'jupyter'}",
               "PYTHONDONTWRITEBYTECODE=1", "DLCOURSE_FAST=1", "LANG=C.UTF-8",
               f"LD_LIBRARY_PATH={self.base / 'python' / 'lib'}"]
        proc = subprocess.run(["runuser", "-u", self.users[role], "--", "env", "-i", *env, *map(str, command)],
                              cwd=cwd or self.home(role), capture_output=True, text=True, timeout=900)
        if check:
            assert proc.returncode == 0, f"{role}: {' '.join(map(str, command))}:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        return proc

    def python(self, role, code, *args):
        """Run Python code as `role`; returns what it printed, read as JSON."""
        return json.loads(self.run(role, self.venv / "bin" / "python", "-c", code, *args).stdout)


def shared_python(base):
    """This interpreter, usable by every user: a hard-linked copy of its installation in `base`.

    It lives under /root here, which other users cannot enter. The system's /usr/bin/python3 will not
    do in general: Debian 12's 3.11.2 has a regular-expression bug (possessive quantifiers) that breaks
    soupsieve, and with it nbconvert's HTML, so `dlcourse feedback` fails there. Its libpython is found
    through LD_LIBRARY_PATH (the interpreter's RUNPATH names the original folder).
    """
    prefix = Path(sys.base_prefix).resolve()
    copy = base / "python"
    stdlib = Path("lib") / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    skip = {stdlib / "site-packages", stdlib / "test"}  # the environment has its own packages; no test suite

    def link(relative):
        if relative in skip:
            return
        source = prefix / relative
        if source.is_dir() and not source.is_symlink() and any(s.is_relative_to(relative) for s in skip):
            (copy / relative).mkdir(parents=True)
            for entry in source.iterdir():
                link(relative / entry.name)
        else:
            sh("cp", "-al", source, copy / relative)

    copy.mkdir()
    for entry in prefix.iterdir():
        link(Path(entry.name))
    python = copy / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    if not python.exists():
        pytest.skip(f"no {python.name} in {prefix}")
    return python


# Large packages lesson 01's kernels never import: they stay links (fewer files to copy and remove).
NOT_IN_LESSON_01 = ("torch", "playwright", "sympy", "nvidia", "triton")


def hard_link_packages(venv):
    """Make the packages prepare_venv linked into `venv` part of it: the grading sandbox shows a kernel its
    environment's folder and not what symbolic links there point to. Hard links (same file system) cost
    no space; nothing is written through them."""
    for site in (venv / "lib").glob("python3*/site-packages"):
        for entry in site.iterdir():
            if entry.is_symlink() and not entry.name.startswith(NOT_IN_LESSON_01):
                target = entry.resolve()
                entry.unlink()
                sh("cp", "-al", target, entry)


PROBE = r'''
import json, sys
result = {}
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as f:
            f.read(1)
        result[path] = "read"
    except IsADirectoryError:
        try:
            import os
            os.listdir(path)
            result[path] = "listed"
        except PermissionError:
            result[path] = "PermissionError"
    except PermissionError:
        result[path] = "PermissionError"
    except FileNotFoundError:
        result[path] = "FileNotFoundError"
print(json.dumps(result))
'''


@pytest.mark.slow
def test_release_fetch_submit_collect_grade_feedback_with_real_users(hub):
    base, group, users = hub
    srv = base / "srv"
    srv.mkdir(mode=0o755)
    python = shared_python(base)
    venv = base / "venv"
    student_env.prepare_venv(venv, ["dlcourse"], python=python)
    hard_link_packages(venv)
    sh("chmod", "-R", "go+rX", venv)
    machine = Machine(base, users, venv)
    if machine.run("ada", venv / "bin" / "python", "-c", "import nbgrader, dlcourse", check=False).returncode:
        pytest.skip(f"{student_env.SITE_PACKAGES} or the repository is not readable by other users here")

    # docs/jupyterhub.md step 4: the exchange (nbgrader's documented permissions) and a global config.
    exchange = srv / "nbgrader" / "exchange"
    exchange.mkdir(parents=True)
    exchange.chmod(0o777)
    config_dir = base / "etc" / "jupyter"
    config_dir.mkdir(parents=True)
    (config_dir / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {COURSE_ID!r}\nc.Exchange.root = {str(exchange)!r}\n")
    sh("chmod", "-R", "go+rX", base / "etc")

    # Step 3: the course folder, made by root, entered only by the instructors' group.
    course = srv / "dlcourse-2026"
    assert cli.main(["init", str(course), "--exchange", str(exchange), "--course-id", COURSE_ID]) == 0
    subs.write_roster(course, [users["ada"], users["bob"]])
    sh("chgrp", "-R", group, course)
    sh("chmod", "-R", "g+rwXs,o-rwx", course)

    # The instructor releases from the fresh course folder (no generate_assignment first).
    machine.run("instructor", "nbgrader", "release_assignment", LESSON, cwd=course)
    assert (exchange / COURSE_ID / "outbound" / LESSON / f"{LESSON}.ipynb").exists()

    # Students fetch, work (ada: every answer right; bob: perceptron_train never updates the bias), submit.
    answers = {"ada": {}, "bob": {"perceptron_train": catalogue.NO_BIAS_UPDATE}}
    for role, replacements in answers.items():
        machine.run(role, "nbgrader", "fetch_assignment", LESSON)
        fetched = machine.home(role) / LESSON / f"{LESSON}.ipynb"
        assert fetched.exists(), f"{role} fetched nothing"
        work = base / f"{role}-work.ipynb"
        notebooks.write(subs.student_notebook(LESSON, replacements), work)
        work.chmod(0o644)
        machine.run(role, "cp", work, fetched)
        work.unlink()
        machine.run(role, "nbgrader", "submit", LESSON)

    # The instructor collects, grades in the sandbox, writes and releases feedback.
    machine.run("instructor", "nbgrader", "collect", LESSON, cwd=course)
    for role in answers:
        assert (course / "submitted" / users[role] / LESSON / "timestamp.txt").exists()
    graded = machine.run("instructor", "dlcourse", "grade", LESSON, "--course", ".", "-j", "2", cwd=course)
    assert "2 graded, 0 could not be graded" in graded.stdout, graded.stdout
    # File-system isolation (bubblewrap) works for an unprivileged instructor; cgroup caps may need root.
    assert "NOT ISOLATED" not in graded.stdout and "(bubblewrap)" not in graded.stdout
    machine.run("instructor", "dlcourse", "feedback", LESSON, "--course", ".", cwd=course)
    machine.run("instructor", "nbgrader", "release_feedback", LESSON, cwd=course)

    points = subs.autograded_points(LESSON)
    full = sum(points.values())
    expected = {"ada": full, "bob": full - points["test_perceptron_train"]}
    scores = {line.split()[0]: line.split()[1] for line in graded.stdout.splitlines()
              if line.split() and line.split()[0] in users.values()}
    assert scores == {users[r]: f"{s:g}" for r, s in expected.items()}

    # Each student fetches their own feedback: the page the instructor made for them, and only it.
    for role in answers:
        machine.run(role, "nbgrader", "fetch_feedback", LESSON)
        pages = sorted((machine.home(role) / LESSON / "feedback").glob(f"*/{LESSON}.html"))
        assert len(pages) == 1, f"{role} should get one feedback page, got {pages}"
        own = course / "feedback" / users[role] / LESSON / f"{LESSON}.html"
        assert pages[0].read_bytes() == own.read_bytes(), f"{role} got someone else's feedback"
    assert not list(machine.home("ada").rglob("dlcourse-grading.json")), "the sandbox's report is the instructor's"

    # What each student can reach of the other's work: nothing.
    inbound = exchange / COURSE_ID / "inbound"
    released_feedback = exchange / COURSE_ID / "feedback"
    ada_submission = next(inbound.glob(f"{users['ada']}+{LESSON}+*"))
    ada_secret = (ada_submission / "submission_secret.txt").read_text().strip()
    from nbgrader.utils import notebook_hash
    ada_feedback = released_feedback / f"{notebook_hash(secret=ada_secret, notebook_id=LESSON)}.html"
    assert ada_feedback.exists()
    probe = machine.python("bob", PROBE, inbound, released_feedback, ada_feedback, machine.home("ada"),
                           machine.home("ada") / LESSON / f"{LESSON}.ipynb", course, course / "submitted",
                           course / "feedback" / users["ada"] / LESSON / f"{LESSON}.html",
                           exchange / COURSE_ID / "outbound" / LESSON)
    assert probe.pop(str(exchange / COURSE_ID / "outbound" / LESSON)) == "listed", "released lessons are for all"
    # nbgrader's exchange hides submissions and feedback by name, not by file mode: inbound/ and feedback/
    # cannot be listed, a submission's folder is <student>+<lesson>+<timestamp>+<random>, and a feedback
    # page is named by a hash of the secret in the student's own submission. Whoever knows such a name can
    # read the file; no student can learn another's.
    assert probe.pop(str(ada_feedback)) in ("read", "PermissionError"), "readable by name only (nbgrader's design)"
    assert probe == {str(p): "PermissionError" for p in probe}, probe
    assert len(ada_submission.name.split("+")) == 4 and len(ada_submission.name.split("+")[3]) >= 12, \
        "a random part (nbgrader: 9 random bytes) keeps the name from being guessed"
    assert len(ada_secret) >= 16 and ada_secret not in graded.stdout
    # The dashboard and the LMS export, as the instructor: the last two commands of "Each lesson".
    said = machine.run("instructor", "dlcourse", "stats", LESSON, "--course", ".", cwd=course).stdout
    assert "2 submitted of 2 students; 2 graded" in said and "test_perceptron_train" in said, said
    assert (course / "stats" / LESSON / "index.html").exists()
    machine.run("instructor", "dlcourse", "export", "--course", ".", "--layout", "canvas", cwd=course)
    exported = (course / "grades-canvas.csv").read_text(encoding="utf-8")
    for role, score in expected.items():
        assert f"{users[role]},,{score:g}" in exported, exported
    # The instructor can read everything the course folder holds.
    assert machine.run("instructor", "cat", course / "feedback" / users["bob"] / LESSON / f"{LESSON}.html").stdout
