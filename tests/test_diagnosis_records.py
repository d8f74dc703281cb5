"""Diagnoses in the records of a grading pass (dlcourse/records.py) and how the summary and the checker
treat them, without grading anything (tests/test_diagnosis_grading.py grades a class)."""

import json

from dlcourse import summary
from dlcourse.records import GRADING_REPORT, REPORT_FORMAT, Diagnosed, GradeResult, SandboxReport, mistakes
from dlcourse.sandbox import checked_tests


def test_a_report_keeps_its_diagnoses_and_older_reports_load_without_any(tmp_path):
    found = [Diagnosed("mse", "sum instead of mean", 6, "test_mse"), Diagnosed("mse_grad", "drops the 2", 8, None)]
    (tmp_path / "new").mkdir()
    SandboxReport([], isolated=True, diagnoses=found).write(tmp_path / "new")
    data = json.loads((tmp_path / "new" / GRADING_REPORT).read_text())
    assert data["format"] == REPORT_FORMAT == 2
    assert data["diagnoses"][0] == {"cell": 6, "grade_id": "test_mse", "function": "mse", "why": "sum instead of mean"}
    assert SandboxReport.read(tmp_path / "new").diagnoses == found
    for old in ({"format": 1, "findings": [], "stopped": None, "isolated": True},
                {"findings": [], "stopped": None, "isolated": True}):
        folder = tmp_path / f"old{old.get('format', 0)}"
        folder.mkdir()
        (folder / GRADING_REPORT).write_text(json.dumps(old))
        report = SandboxReport.read(folder)
        assert report.diagnoses == [] and report.findings == []


def test_reports_of_a_submission_are_merged_with_their_diagnoses(tmp_path):
    for name, why in (("a", "sum instead of mean"), ("b", "absolute instead of squared errors")):
        (tmp_path / name).mkdir()
        SandboxReport([], True, diagnoses=[Diagnosed("mse", why, 6, "test_mse")]).write(tmp_path / name)
    assert mistakes(SandboxReport.read(tmp_path).diagnoses) == ["mse: sum instead of mean",
                                                                "mse: absolute instead of squared errors"]


def test_distinct_mistakes_keep_their_order_and_the_summary_names_the_tests():
    same = [Diagnosed("mse", "sum instead of mean", 6, "test_mse"), Diagnosed("mse", "sum instead of mean", 9, "test_mse_edge"),
            Diagnosed("mse_grad", "drops the 2", 8, "test_mse_grad")]
    assert mistakes(same) == ["mse: sum instead of mean", "mse_grad: drops the 2"]
    results = [GradeResult("ann", "graded", 3, 7, diagnoses=same), GradeResult("bob", "graded", 7, 7)]
    assert summary.diagnosis_lines(results) == [
        "  ann: mse: sum instead of mean (test_mse, test_mse_edge); mse_grad: drops the 2 (test_mse_grad)"]
    assert summary.diagnosis_lines(results[1:]) == []


def test_only_lessons_that_import_the_engine_are_diagnosed_and_its_probes_load_first():
    lesson = "03-loss-and-gradient-descent"
    resources = {"nbgrader": {"assignment": lesson, "notebook": lesson}}
    assert checked_tests.diagnosis_lesson(resources, ["numpy", "utils", "utils.diagnosis"]) == lesson
    assert checked_tests.diagnosis_lesson(resources, ["numpy", "utils", "utils.plots"]) is None
    assert checked_tests.diagnosis_lesson({}, ["utils.diagnosis"]) is None, "no lesson named: nothing to compare with"
    assert checked_tests.diagnosis_preload(lesson) == ["utils.diagnosis",
                                                       "utils.diagnosis.probes.lesson_03_loss_and_gradient_descent"]


def test_a_shards_results_keep_their_diagnoses():
    """`dlcourse grade --shard` saves each result as JSON for `--summary` (dlcourse/sharding.py)."""
    from dlcourse import sharding
    result = GradeResult("ann", "graded", 3, 7, diagnoses=[Diagnosed("mse", "sum instead of mean", 6, "test_mse")])
    data = json.loads(json.dumps(sharding.result_to_dict(result)))
    assert data["diagnoses"] == [{"cell": 6, "grade_id": "test_mse", "function": "mse", "why": "sum instead of mean"}]
    assert sharding.result_from_dict(data) == result
    del data["diagnoses"]  # saved before results had diagnoses
    assert sharding.result_from_dict(data).diagnoses == []
