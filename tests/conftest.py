"""Shared fixtures. Every notebook the tests run uses the lessons' fast mode."""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Kernels started by the tests inherit this: lessons train briefly on little data.
os.environ["DLCOURSE_FAST"] = "1"
# nbgrader's autograde runs `alembic`, which must come from this environment.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture(scope="session")
def repo():
    return REPO
