"""The course as instructors and students start it: config, the dlcourse command, JupyterLab."""

import json
import re
import subprocess
import sys

import pytest
from traitlets.config import PyFileConfigLoader

from dlcourse import build, cli
from dlcourse.paths import CONFIG_DIR, COURSE_DIR, LESSONS_DIR, SOLUTIONS_DIR, lesson_ids

from .conftest import REPO
from .lab_server import WORK, running_lab


def load_config(folder):
    return PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()


@pytest.mark.parametrize("folder", [REPO, CONFIG_DIR], ids=["repository root", "autograde"])
def test_nbgrader_finds_the_course_from_the_root_and_from_autograde(folder):
    """Its configuration is in autograde/ (code only), its state in course/ (git-ignored)."""
    c = load_config(folder)
    assert c.CourseDirectory.root == str(COURSE_DIR)
    assert c.CourseDirectory.source_directory == str(SOLUTIONS_DIR)
    assert c.CourseDirectory.release_directory == str(LESSONS_DIR)
    assert c.Execute.timeout > 0, "an explicit per-cell timeout"
    assert "--InteractiveShell.xmode=Minimal" in c.Execute.extra_arguments, "tracebacks must not quote hidden tests"
    assert any("ClearHiddenTests" in str(p) for p in c.GenerateFeedback.preprocessors)
    assert c.Exchange.root, "a configured exchange folder"


def test_cell_timeout_can_be_set_and_is_checked(monkeypatch, tmp_path):
    from dlcourse import settings
    monkeypatch.setenv("DLCOURSE_CELL_TIMEOUT", "7")
    assert settings.cell_timeout() == 7
    monkeypatch.setenv("DLCOURSE_CELL_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="whole number"):
        settings.cell_timeout()


def test_plain_nbgrader_works_in_a_new_course_folder(tmp_path):
    assert cli.main(["init", str(tmp_path / "class")]) == 0
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", lesson_ids()[0]],
                          cwd=tmp_path / "class", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    released = tmp_path / "class" / "release" / lesson_ids()[0] / f"{lesson_ids()[0]}.ipynb"
    assert released.read_bytes() == (LESSONS_DIR / lesson_ids()[0] / released.name).read_bytes(), \
        "a class's release must equal the committed student version"


def test_init_keeps_a_shared_exchange_and_the_course_id(tmp_path, monkeypatch):
    """On a server the exchange is shared (DLCOURSE_EXCHANGE or --exchange) and the course id the
    students fetch from is the instructor's: both stay in the course's config, with no variable set later."""
    monkeypatch.setenv("DLCOURSE_EXCHANGE", str(tmp_path / "srv" / "exchange"))
    assert cli.main(["init", str(tmp_path / "class"), "--course-id", "dl-2027-spring"]) == 0
    monkeypatch.delenv("DLCOURSE_EXCHANGE")
    c = load_config(tmp_path / "class")
    assert c.Exchange.root == str(tmp_path / "srv" / "exchange")
    assert c.CourseDirectory.course_id == "dl-2027-spring"
    assert cli.main(["init", str(tmp_path / "other"), "--exchange", str(tmp_path / "mine")]) == 0
    c = load_config(tmp_path / "other")
    assert c.Exchange.root == str(tmp_path / "mine") and c.CourseDirectory.course_id == "dl-from-scratch"
    assert not (tmp_path / "class" / "exchange").exists(), "no exchange of its own beside the shared one"


def test_build_reports_drift(tmp_path):
    import shutil
    lesson = lesson_ids()[0]
    # A course of one lesson keeps the three builds below quick.
    shutil.copytree(SOLUTIONS_DIR / lesson, tmp_path / "solutions" / lesson)
    shutil.copytree(LESSONS_DIR / lesson, tmp_path / "lessons" / lesson)
    path = tmp_path / "lessons" / lesson / f"{lesson}.ipynb"
    path.write_text(path.read_text().replace("perceptron", "perceptr0n", 1))
    (tmp_path / "lessons" / "99-stale").mkdir()
    (tmp_path / "lessons" / "99-stale" / "old.ipynb").write_text("{}")
    dirs = {"lessons_dir": tmp_path / "lessons", "source_dir": tmp_path / "solutions"}
    report = build.build(check=True, **dirs)
    assert report.changed == [f"{lesson}/{lesson}.ipynb"] and report.removed == ["99-stale/old.ipynb"]
    report = build.build(**dirs)  # and a real build repairs both
    assert build.build(check=True, **dirs).clean
    assert not (tmp_path / "lessons" / "99-stale").exists()


def test_cli_errors_are_clear(tmp_path, capsys):
    with pytest.raises(SystemExit, match="not a course folder"):
        cli.main(["grade", lesson_ids()[0], "--course", str(tmp_path)])
    assert cli.main(["build", "no-such-lesson", "--check"]) == 1
    assert "no such lesson" in capsys.readouterr().err


def _check_extensions_and_settings(lab):
    status, page = lab.get("/lab")
    config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    loaded = {ext["name"] for ext in config["federated_extensions"]}
    disabled = set(config.get("disabledExtensions") or [])
    for name in ("@jupyter/nbgrader", "@jupyter-widgets/jupyterlab-manager"):
        assert name in loaded and name not in disabled, f"{name} must be loaded and enabled"
    notif = lab.get_json("/lab/api/settings/@jupyterlab/apputils-extension:notification")
    defaults = {k: v.get("default") for k, v in notif["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False, \
        "news and update pop-ups must be off (overrides.json)"


def test_make_lab_serves_the_students_work_folder_only(tmp_path):
    with running_lab(tmp_path) as lab:
        _check_extensions_and_settings(lab)
        served = {item["name"] for item in lab.get_json("/api/contents")["content"]}
        assert set(lesson_ids()) <= served, "make lab serves the student's own copy of every lesson (work/)"
        for hidden in ("solutions", "tests", "autograde", "lessons"):
            assert hidden not in served and lab.get(f"/api/contents/{hidden}")[0] == 404, \
                f"make lab must not serve {hidden}/: students see only their work folder"
        assert (REPO / WORK / lesson_ids()[0] / f"{lesson_ids()[0]}.ipynb").exists()


def test_make_instructor_serves_the_repository_and_the_formgrader(tmp_path):
    with running_lab(tmp_path, target="instructor") as lab:
        _check_extensions_and_settings(lab)
        served = {item["name"] for item in lab.get_json("/api/contents")["content"]}
        assert {"solutions", "lessons", "autograde"} <= served, "the instructor's view is the whole repository"
        lessons = {item["name"] for item in lab.get_json("/api/contents/lessons")["content"]}
        assert set(lesson_ids()) <= lessons
        status, page = lab.get("/formgrader")
        assert status == 200 and "Manage Assignments" in page, "the Formgrader must open on the course"
        status, body = lab.get("/formgrader/api/assignments")
        assert status == 200


def _validate(path):
    """What a student sees from Validate (nbgrader validate, with the course's settings)."""
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(path)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    return proc.stdout + proc.stderr


def test_validate_tells_a_student_whether_the_visible_tests_pass(tmp_path):
    from dlcourse import notebooks

    from . import submissions as subs

    lesson = "01-perceptron"
    good, bad = tmp_path / "good" / f"{lesson}.ipynb", tmp_path / "bad" / f"{lesson}.ipynb"
    for path in (good, bad):
        path.parent.mkdir()
    notebooks.write(subs.student_notebook(lesson, written=True), good)
    wrong_step = {"step": "def step(z):\n    return (np.asarray(z) > 0).astype(int)\n"}
    notebooks.write(subs.student_notebook(lesson, wrong_step, written=True), bad)
    assert "Success! Your notebook passes all the tests." in _validate(good)
    report = _validate(bad)
    assert "failed" in report.lower() and "look at z = 0" in report, report[-2000:]
    assert "BEGIN HIDDEN" not in report


def test_workspace_copies_new_lessons_and_never_overwrites(tmp_path):
    from dlcourse.workspace import ensure_workspace
    lesson = lesson_ids()[0]
    assert ensure_workspace(tmp_path / "work") == lesson_ids()
    mine = tmp_path / "work" / lesson / f"{lesson}.ipynb"
    mine.write_text("my answers")
    assert ensure_workspace(tmp_path / "work") == []
    assert mine.read_text() == "my answers"


def test_grading_works_without_an_activated_environment(tmp_path, monkeypatch):
    """`.venv/bin/dlcourse grade` from a plain shell: nbgrader still finds this environment's `alembic`."""
    from dlcourse import grading
    from dlcourse.course import make_course
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    course = make_course(tmp_path / "course")
    assert grading.grade(lesson_ids()[0], course) == []  # loads the lesson into a new gradebook: runs alembic
    assert sys.executable.rsplit("/", 1)[0] in __import__("os").environ["PATH"].split(":")


def test_contributing_draws_the_grading_pipeline_as_configured(tmp_path):
    """CONTRIBUTING.md's drawing of the grading path names every step nbgrader is configured with,
    in the configured order: a step added, removed or moved in settings.py must be redrawn."""
    from traitlets.config import Config

    from dlcourse.settings import configure

    c = configure(Config(), tmp_path)
    text = (REPO / "CONTRIBUTING.md").read_text()
    drawing = text[text.index("## The grading path"):]
    drawing = drawing[drawing.index("```"):drawing.index("```", drawing.index("```") + 3)]
    steps = [c.Autograde.exporter_class] + list(c.Autograde.sanitize_preprocessors) + list(
        c.Autograde.autograde_preprocessors)
    short = {"ClearMetadataPreprocessor": "ClearMetadata"}
    positions = []
    for step in steps:
        parts = step.split(".")
        name = short.get(parts[-1], parts[-1])
        # dlcourse's own steps are drawn with their module (repair.preprocessor.RepairCells)
        drawn = ".".join(parts[1:]) if parts[0] == "dlcourse" else name
        start = positions[-1] + 1 if positions else 0
        found = drawing.find(drawn, start)
        assert found >= 0, f"{drawn} is configured but not drawn (in order) in CONTRIBUTING.md"
        positions.append(found)
