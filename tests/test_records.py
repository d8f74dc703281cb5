"""The records of a grading pass (dlcourse/records.py): one table of finding kinds, and reports on disk
that stay readable across versions."""

import json

import pytest

from dlcourse.records import (GRADING_REPORT, KINDS, NOT_ISOLATED, REPORT_FORMAT, Finding, GradeResult, Kind,
                              SandboxReport, Status, review_kinds)


def test_every_kind_has_an_effect_and_only_suspicious_code_is_a_mere_note():
    assert set(KINDS) == set(Kind)
    assert {kind for kind, effect in KINDS.items() if not effect.review} == {Kind.SUSPICIOUS_CODE}
    assert all(effect.on_score for effect in KINDS.values())


def test_a_finding_round_trips_through_the_json_the_sandbox_writes():
    finding = Finding(Kind.TIME_LIMIT, "the cell ran longer than 8 s", 4, "test_step")
    data = json.loads(json.dumps(finding.to_dict()))
    assert data == {"cell": 4, "grade_id": "test_step", "kind": "time limit", "detail": "the cell ran longer than 8 s"}
    assert Finding.from_dict(data) == finding and Finding.from_dict(data).kind is Kind.TIME_LIMIT


def test_a_report_written_before_the_format_key_still_loads(tmp_path):
    old = {"findings": [{"cell": 2, "grade_id": None, "kind": "output limit", "detail": "more than 10 characters"},
                        {"cell": 5, "grade_id": "f", "kind": "suspicious code", "detail": "reads files"}],
           "stopped": None, "isolated": False}
    folder = tmp_path / "autograded" / "ann" / "lesson"
    folder.mkdir(parents=True)
    (folder / GRADING_REPORT).write_text(json.dumps(old))
    report = SandboxReport.read(folder)
    assert [f.kind for f in report.findings] == [Kind.OUTPUT_LIMIT, Kind.SUSPICIOUS_CODE]
    assert report.isolated is False
    assert review_kinds(report.findings, report.isolated, Status.GRADED) == [NOT_ISOLATED, "output limit"]
    assert review_kinds(report.findings, report.isolated, Status.NOT_GRADED) == ["output limit"]


def test_a_new_report_keeps_the_old_fields_and_says_its_format(tmp_path):
    SandboxReport([Finding(Kind.KERNEL_DIED, "signal 9", 3)], isolated=True).write(tmp_path)
    data = json.loads((tmp_path / GRADING_REPORT).read_text())
    assert data["format"] == REPORT_FORMAT
    assert data["findings"] == [{"cell": 3, "grade_id": None, "kind": "kernel died", "detail": "signal 9"}]
    assert data["isolated"] is True and "stopped" in data


def test_unknown_kinds_flag_for_review_and_unreadable_or_newer_reports_are_findings(tmp_path):
    assert Finding.from_dict({"kind": "tampering", "cell": 3}).needs_review  # a kind this version does not know
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / GRADING_REPORT).write_text('{"findings": [')
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / GRADING_REPORT).write_text(json.dumps({"format": REPORT_FORMAT + 1, "findings": []}))
    report = SandboxReport.read(tmp_path)
    assert [f.kind for f in report.findings] == [Kind.REPORT_UNREADABLE] * 2


def test_a_result_takes_its_status_as_a_word_and_is_flagged_only_by_findings_for_review():
    result = GradeResult("ann", "graded", 7, 7, findings=[Finding(Kind.SUSPICIOUS_CODE, "reads files")])
    assert result.status is Status.GRADED and f"{result.status}" == "graded"
    assert not result.flagged
    result.findings.append(Finding(Kind.NOT_NUMPY_ONLY, "uses torch"))
    assert result.flagged
    with pytest.raises(ValueError):
        GradeResult("ann", "graded twice")
