"""Grading with a PostgreSQL gradebook, as a JupyterHub course with several instructors would.

The test starts a real PostgreSQL server on 127.0.0.1 in a temporary folder.
The server comes from Debian's `postgresql` package; when it is missing and
the tests run as root (as in CI), the test installs it with apt-get.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy

from dlcourse import grading

from . import submissions as subs

LESSON = "01-perceptron"


def _postgres_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _install_postgres():
    if _postgres_bin():
        return _postgres_bin()
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("PostgreSQL is not installed and cannot be installed here (needs root and apt-get): "
                    "sudo apt-get install postgresql")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, capture_output=True, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], env=env, check=True,
                   capture_output=True, timeout=900)
    return _postgres_bin()


def _as_postgres_user(command):
    """Run PostgreSQL's tools as the `postgres` user when we are root (they refuse to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    bindir = _install_postgres()
    # Not under pytest's private temporary folder: the postgres user must be able to reach it.
    top = Path(tempfile.mkdtemp(prefix="dlcourse-postgres-"))
    top.chmod(0o755)
    data = top / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    subprocess.run(_as_postgres_user([str(bindir / "initdb"), "-D", str(data), "--auth=trust", "-U", "grader",
                                      "--encoding=UTF8"]), check=True, capture_output=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen(_as_postgres_user([str(bindir / "postgres"), "-D", str(data), "-p", str(port),
                                                 "-h", "127.0.0.1", "-k", str(data)]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"postgresql+psycopg2://grader@127.0.0.1:{port}/postgres"
    try:
        deadline = time.monotonic() + 60
        while True:  # wait until the server accepts connections
            try:
                with sqlalchemy.create_engine(url).connect() as conn:
                    conn.execute(sqlalchemy.text("SELECT 1"))
                break
            except sqlalchemy.exc.OperationalError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(sqlalchemy.text("CREATE DATABASE gradebook"))
        yield url.rsplit("/", 1)[0] + "/gradebook"
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(top, ignore_errors=True)


def test_grading_with_a_postgres_gradebook(postgres_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DLCOURSE_DB_URL", postgres_url)
    course = subs.new_course(tmp_path)
    subs.submit(course, "alice", LESSON, subs.student_notebook(LESSON))
    subs.submit(course, "carol", LESSON, subs.student_notebook(LESSON, {"step": "def step(z):\n    return (z > 0).astype(int)\n"}))
    subs.submit(course, "erin", LESSON, subs.not_json())
    subs.write_roster(course, ["alice", "carol", "erin", "frank"])

    results = {r.student: r for r in grading.grade(LESSON, course, workers=2)}

    full = sum(subs.autograded_points(LESSON).values())
    assert results["alice"].score == full
    assert 0 < results["carol"].score < full
    assert results["erin"].status == "not graded"
    assert not (Path(course) / "gradebook.db").exists(), "grades must go to PostgreSQL, not a SQLite file"
    engine = sqlalchemy.create_engine(postgres_url)
    with engine.connect() as conn:
        students = {row[0] for row in conn.execute(sqlalchemy.text("SELECT id FROM student"))}
        graded = conn.execute(sqlalchemy.text(
            "SELECT count(*) FROM submitted_assignment sa JOIN assignment a ON sa.assignment_id = a.id "
            "WHERE a.name = :lesson"), {"lesson": LESSON}).scalar()
    assert {"alice", "carol", "erin", "frank"} <= students
    assert graded >= 2
    rows = {r["student_id"]: r for r in grading.read_export(grading.export(course, tmp_path / "grades.csv"))}
    assert set(rows) == {"alice", "carol", "erin", "frank"}
    assert float(rows["alice"]["score"]) == full and rows["frank"]["status"] == "no submission"
