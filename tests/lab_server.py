"""Start JupyterLab the way `make lab` (the student's view: their work/ folder) or `make instructor`
(the whole repository: solutions, the course folder, the Formgrader) does, on 127.0.0.1, for tests
to talk to."""

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

from .conftest import REPO


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, url, token, log_path):
        self.url, self.token, self.log_path = url, token, log_path

    def get(self, path, timeout=30):
        """(status, body text) of a GET with the token."""
        request = urllib.request.Request(f"{self.url}{path}", headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def get_json(self, path):
        status, body = self.get(path)
        assert status == 200, f"GET {path}: {status} {body[:300]}"
        return json.loads(body)

    def log(self):
        return self.log_path.read_text(errors="replace")


WORK = "tests/artifacts/work"  # the students' folder for tests: inside the repository, ignored by git


@contextmanager
def running_lab(tmp_path, extra_env=None, startup_timeout=90, target="lab", folder=REPO, work=WORK, make_vars=None):
    """Yield a Lab started by `make TARGET` in `folder` (the repository, or a student bundle); its
    state (gradebook, exchange, runtime files) stays in tmp_path, and its students' work folder is
    `work`. `make lab` serves that folder; `make instructor` serves the repository."""
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ,
           "DLCOURSE_DB_URL": f"sqlite:///{tmp_path / 'gradebook.db'}?timeout=60",
           "DLCOURSE_EXCHANGE": str(tmp_path / "exchange"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           **(extra_env or {})}
    args = (f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.port_retries=0 "
            f"--IdentityProvider.token={token} --ServerApp.open_browser=False")
    log_path = tmp_path / "lab.log"
    with open(log_path, "w") as log:
        variables = [f"{k}={v}" for k, v in (make_vars or {}).items()]
        proc = subprocess.Popen(["make", "-s", target, f"LAB_ARGS={args}", f"WORK={work}", *variables], cwd=folder, env=env,
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", token, log_path)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:  # wait until the server answers, or give up with its log
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{lab.log()[-3000:]}")
            try:
                if lab.get("/api/status", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer within {startup_timeout} s:\n{lab.log()[-3000:]}")
            time.sleep(0.2)
        yield lab
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
