"""Fixtures for the browser tests: one Chromium per session, and JupyterLab as students start it
(`make lab`, serving their work/ folder) and as instructors do (`make instructor`, the repository).

Chromium is Debian's package (`make test` installs it, see tests/browser/README.md);
Playwright only drives it and never downloads a browser of its own.
"""

import hashlib
import os
import re
import shutil
import sys

import pytest

from dlcourse import notebooks
from dlcourse.course import make_course
from dlcourse.settings import gradebook_url

from .. import submissions
from ..conftest import REPO
from ..lab_server import WORK, running_lab
from . import jlab

ARTIFACTS = REPO / "tests" / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
# The instructor's throw-away course. It lives inside the repository because the
# Formgrader only works on a course under the folder JupyterLab serves (`make instructor`
# serves the repository); tests/artifacts/ is ignored by git, and the real autograde/ is
# never touched.
COURSE = ARTIFACTS / "browser-course"

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1400, "height": 900}


def find_chromium():
    """The Chromium to drive: $DLCOURSE_CHROMIUM, else the first of CHROMIUM_CANDIDATES on PATH."""
    named = os.environ.get("DLCOURSE_CHROMIUM")
    if named:
        return named if os.path.exists(named) else shutil.which(named)
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found and os.path.realpath(found) != "/usr/bin/snap":  # snaps (/snap/bin/chromium) do not run headless in containers
            return found
    return None


def student_copy(lesson, name="answered", nb=None):
    """Save a student's notebook (default: the released version with every answer, code and
    written, filled in from the solution) as <WORK>/<lesson>/<lesson>-<name>.ipynb, next to the
    test students' own copy; returns its path under the server root (`make lab` serves WORK)."""
    relative = f"{lesson}/{lesson}-{name}.ipynb"
    path = REPO / WORK / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    notebooks.write(nb if nb is not None else submissions.student_notebook(lesson, written=True), path)
    return relative


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in Chromium (tests/browser/)")


def pytest_collection_modifyitems(items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    path = find_chromium()
    if path:
        return path
    message = ("no Chromium found, so the browser tests cannot run. `make test` installs Debian's "
               "`chromium` when it can (as root or with sudo); or install it yourself "
               "(sudo apt-get install chromium) or set DLCOURSE_CHROMIUM to a Chromium binary.")
    if os.environ.get("CI"):
        pytest.fail(message)  # CI must run them
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser(chromium):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # a stale .venv: `make test` re-installs when pyproject.toml changes
        pytest.fail(f"the playwright package is missing from {sys.prefix}; run `make env` (or make test)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def course():
    """An empty course folder for the instructor test, made like `dlcourse init` makes one."""
    shutil.rmtree(COURSE, ignore_errors=True)
    return make_course(COURSE)


def _course_env(course):
    return {"DLCOURSE_COURSE_DIR": str(course), "DLCOURSE_DB_URL": gradebook_url(course)}


@pytest.fixture(scope="session")
def lab(tmp_path_factory, course):
    """JupyterLab as students start it (`make lab`: it serves their work folder, WORK) on
    127.0.0.1 with a token. Its nbgrader (Validate) uses the throw-away course's settings."""
    with running_lab(tmp_path_factory.mktemp("browser-lab"), extra_env=_course_env(course)) as server:
        yield server


@pytest.fixture(scope="session")
def instructor_lab(tmp_path_factory, course):
    """JupyterLab as instructors start it (`make instructor`: the whole repository), whose
    Formgrader works in the throw-away course, with that course's own gradebook."""
    with running_lab(tmp_path_factory.mktemp("browser-instructor-lab"), extra_env=_course_env(course),
                     target="instructor") as server:
        yield server


def _new_page(browser, server, request):
    """A fresh browser page (its own cookies and JupyterLab workspace) for one test on `server`.
    Its kernels are shut down afterwards."""
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    context.set_default_timeout(jlab.WIDGET_TIMEOUT_MS)
    page = context.new_page()
    digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:8]
    page.workspace = f"{jlab.safe_name(request.node.name.lower(), 40)}-{digest}"  # one per test
    yield page
    context.close()
    jlab.shut_down_kernels(server)


@pytest.fixture
def page(browser, lab, request):
    """A page on the students' JupyterLab (`make lab`)."""
    yield from _new_page(browser, lab, request)


@pytest.fixture
def instructor_page(browser, instructor_lab, request):
    """A page on the instructors' JupyterLab (`make instructor`)."""
    yield from _new_page(browser, instructor_lab, request)


class Screenshots:
    """Saves what a test saw under tests/artifacts/screenshots/<folder>/, numbered in order."""

    def __init__(self, folder):
        self.folder = folder
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.count = 0
        self.saved = []

    def path(self, name):
        self.count += 1
        path = self.folder / f"{self.count:02d}-{jlab.safe_name(name, 60)}.png"
        self.saved.append(path)
        return path

    def page(self, page, name):
        page.screenshot(path=self.path(name))

    def element(self, locator, name):
        locator.screenshot(path=self.path(name))


@pytest.fixture
def shots(request):
    callspec = getattr(request.node, "callspec", None)  # a lesson's test saves under the lesson's id
    name = callspec.id if callspec and re.match(r"^\d{2}-", callspec.id) else request.node.name
    return Screenshots(SCREENSHOTS / jlab.safe_name(name, 80))
