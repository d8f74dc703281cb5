"""Grading a class in shards (dlcourse/sharding.py): `dlcourse grade LESSON --prepare`, then
`--shard I/N` on many machines at once against one PostgreSQL gradebook, then `--summary`.

The first tests need no grading. The last starts a real PostgreSQL server (the fixture of
tests/test_postgres_gradebook.py), runs three shard processes at the same time on a small class
of lesson 01, and compares everything with the same class graded by one process.
"""

import collections
import json
import math
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, replace
from datetime import datetime

import pytest

from dlcourse import grading, sharding
from dlcourse.course import make_course
from dlcourse.late import Lateness
from dlcourse.records import CellScore, Diagnosed, Finding, GradeResult, Kind, Status
from dlcourse.sharding import Shard, ShardError
from dlcourse.versions import GradeRecord

from . import submissions as subs
from .mistakes import catalogues
from .test_postgres_gradebook import postgres_url  # noqa: F401  (the module-scoped server)

LESSON = "01-perceptron"
SHARDS = 3


def _cli(capsys, *argv):
    """(exit code, stdout, stderr) of `dlcourse ARGV`, run in this process."""
    from dlcourse.cli import main
    capsys.readouterr()
    code = main(list(argv))
    return (code, *capsys.readouterr())


# --- which shard grades whom -------------------------------------------------------------------

def test_every_student_is_in_exactly_one_shard_and_stays_there():
    students = [f"s{n:04d}" for n in range(400)] + ["Zoë", "o'brien", "a b"]
    for count in range(1, 8):
        parts = [Shard(i, count).part(students) for i in range(count)]
        assert sorted(s for part in parts for s in part) == sorted(students)
        assert sum(map(len, parts)) == len(students)
        # Students added later (in any shard) move nobody who was there before.
        more = Shard(0, count).part(students + [f"late{n}" for n in range(50)])
        assert [s for s in more if not s.startswith("late")] == parts[0]


def test_shard_sizes_are_those_of_a_fair_draw():
    students = [f"student{n}" for n in range(1600)]
    sizes = collections.Counter(sharding.shard_of(s, 16) for s in students)
    assert set(sizes) == set(range(16))
    # 100 expected in each; a binomial's standard deviation is about 9.7: none beyond 4 of them.
    assert all(abs(size - 100) < 40 for size in sizes.values()), sizes
    # docs/grading-at-scale.md: "with 1,000 students in 16 shards, about 62 each, give or take 8".
    assert (int(1000 / 16), round(math.sqrt(1000 * (1 / 16) * (15 / 16)))) == (62, 8)


def test_the_shard_of_a_student_is_the_same_in_every_process():
    """Not Python's hash() (salted per process): another interpreter with another hash seed agrees."""
    students = ["alice", "bob", "carol", "dave", "erin"]
    code = f"from dlcourse.sharding import shard_of; print([shard_of(s, 7) for s in {students!r}])"
    other = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": "12345"},
                           capture_output=True, text=True, check=True).stdout.strip()
    assert other == str([sharding.shard_of(s, 7) for s in students])


@pytest.mark.parametrize("text, expected", [("0/4", Shard(0, 4)), ("3/4", Shard(3, 4)), (" 2 / 16 ", Shard(2, 16))])
def test_shard_spec(text, expected):
    assert Shard.parse(text) == expected
    assert str(expected) == text.replace(" ", "")


@pytest.mark.parametrize("text, says", [("4/4", "numbered from 0"), ("1/0", "at least 1"), ("x", "I/N"),
                                        ("-1/4", "I/N"), ("1", "I/N")])
def test_wrong_shard_specs_say_why(text, says, capsys):
    with pytest.raises(SystemExit) as stop:
        _cli(capsys, "grade", LESSON, "--shard", text)
    assert stop.value.code == 2
    assert says in capsys.readouterr().err


# --- the shards' results ---------------------------------------------------------------------

def _full_result():
    """A GradeResult with every field set to something other than its default."""
    return GradeResult(
        student="ann", status=Status.GRADED, score=5.5, max_score=7.0, needs_manual_grade=True,
        message="why", seconds=3.25, findings=[Finding(Kind.TIME_LIMIT, "cell 4 ran 30 s", 4, "test_fit"),
                                               Finding("a kind from a newer sandbox", "x")],
        repairs=["put test_step back"], repair_flags=["answer not placed"], isolated=False,
        lateness=Lateness(datetime(2026, 10, 9, 23, 59), True, datetime(2026, 10, 10, 1, 0), 3660.0, 0.7),
        cells={"test_step": CellScore(2.0, 2.0), "xor_answer": CellScore(None, 3.0)},
        record=GradeRecord("abc123", "f" * 64, "2026-10-10T01:02:03+00:00", {"nb/test_step": "points=2 code 1"}),
        diagnoses=[Diagnosed("step", "z > 0: zero maps to 0", 4, "test_step")])


def test_a_result_survives_the_shard_file():
    result = _full_result()
    defaults = GradeResult("x", Status.NOT_GRADED)
    unset = [f.name for f in fields(GradeResult) if getattr(result, f.name) == getattr(defaults, f.name)]
    assert not unset, f"give these GradeResult fields a value in _full_result (and check sharding.py keeps them): {unset}"
    again = sharding.result_from_dict(json.loads(json.dumps(sharding.result_to_dict(result))))
    assert again == result
    assert again.status is Status.GRADED and isinstance(again.findings[0].kind, Kind)


def _prepared_by_hand(course, run="run1"):
    sharding._write_whole(sharding.folder(course, LESSON) / sharding.PREPARED,
                          {"lesson": LESSON, "tests_version": "v", "run": run, "prepared_at": "then"})


def _results(students):
    return [GradeResult(s, Status.GRADED, 1.0, 2.0) for s in students]


def test_the_summary_needs_every_shard_once(tmp_path):
    students = [f"s{n}" for n in range(20)]
    with pytest.raises(ShardError, match="--prepare"):
        sharding.gather(tmp_path, LESSON)
    _prepared_by_hand(tmp_path)
    with pytest.raises(ShardError, match="no shard"):
        sharding.gather(tmp_path, LESSON)
    for i in (0, 2):
        sharding.save(tmp_path, LESSON, Shard(i, 3), _results(Shard(i, 3).part(students)))
    with pytest.raises(ShardError, match=r"1 of 3 shards .* not finished: 1/3"):
        sharding.gather(tmp_path, LESSON)
    sharding.save(tmp_path, LESSON, Shard(1, 3), _results(Shard(1, 3).part(students)))
    assert [r.student for r in sharding.gather(tmp_path, LESSON)] == sorted(students)
    # A shard run again replaces its file; a shard of another split is refused.
    sharding.save(tmp_path, LESSON, Shard(1, 3), _results(Shard(1, 3).part(students)))
    assert len(sharding.gather(tmp_path, LESSON)) == len(students)
    sharding.save(tmp_path, LESSON, Shard(0, 2), _results(Shard(0, 2).part(students)))
    with pytest.raises(ShardError, match="disagree"):
        sharding.gather(tmp_path, LESSON)


def test_a_submission_that_came_while_the_shards_ran_is_named(tmp_path):
    _prepared_by_hand(tmp_path)
    before = [f"s{n}" for n in range(10)]
    for i in range(2):
        part = Shard(i, 2).part(before)
        sharding.save(tmp_path, LESSON, Shard(i, 2), _results(part[1:]), seen=part)  # part[0]: skipped (--only-new)
    assert sharding.unseen(tmp_path, LESSON, before) == []
    assert sharding.unseen(tmp_path, LESSON, before + ["late"]) == ["late"]


def test_a_student_in_the_wrong_shard_or_twice_is_refused(tmp_path):
    _prepared_by_hand(tmp_path)
    sharding.save(tmp_path, LESSON, Shard(0, 2), _results(["s1", "s2", "s3"]))  # not all of them shard 0's
    sharding.save(tmp_path, LESSON, Shard(1, 2), _results([]))
    with pytest.raises(ShardError, match="does not hold it"):
        sharding.gather(tmp_path, LESSON)


def test_results_of_an_earlier_preparation_are_not_counted(tmp_path):
    _prepared_by_hand(tmp_path, run="old")
    sharding.save(tmp_path, LESSON, Shard(0, 1), _results(["s1"]))
    _prepared_by_hand(tmp_path, run="new")
    with pytest.raises(ShardError, match="no shard"):
        sharding.gather(tmp_path, LESSON)


def test_a_shard_of_an_unprepared_lesson_grades_nothing(tmp_path, capsys):
    course = subs.new_course(tmp_path)
    subs.submit(course, "alice", LESSON, subs.student_notebook(LESSON))
    code, _, err = _cli(capsys, "grade", LESSON, "--course", str(course), "--shard", "0/2")
    assert code == 1
    assert f"run `dlcourse grade {LESSON} --prepare` once" in err
    assert not (course / "autograded").exists()


# --- three shards at once against PostgreSQL ------------------------------------------------

def _mistake(function):
    return next(m for m in catalogues()[LESSON].MISTAKES if m.function == function)


CLASS = {  # student -> submission; alice is in shard 2 of 3, dave in shard 1, erin in shard 0
    "alice": lambda: subs.student_notebook(LESSON),
    "dave": lambda: subs.student_notebook(LESSON, {"weighted_sum": _mistake("weighted_sum").source}),
    "erin": subs.not_json,
}
ROSTER = [*CLASS, "frank"]  # frank submitted nothing


def _the_class(course):
    for student, notebook in CLASS.items():
        subs.submit(course, student, LESSON, notebook())
    subs.write_roster(course, ROSTER)
    return course


def _new_database(url, name):
    import sqlalchemy
    server = url.rsplit("/", 1)[0] + "/postgres"
    with sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
    return url.rsplit("/", 1)[0] + "/" + name


def _grades(url):
    """[(student, cell, auto_score, manual_score)] of every grade row of the lesson in a gradebook."""
    import sqlalchemy
    query = sqlalchemy.text(
        "SELECT sa.student_id, bc.name, g.auto_score, g.manual_score FROM grade g "
        "JOIN submitted_notebook sn ON g.notebook_id = sn.id JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
        "JOIN assignment a ON sa.assignment_id = a.id JOIN base_cell bc ON g.cell_id = bc.id WHERE a.name = :lesson")
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(tuple(row) for row in conn.execute(query, {"lesson": LESSON}))
    finally:
        engine.dispose()


def _comparable(result, course):
    """A result without what differs from run to run (time taken, when) or by folder."""
    record = result.record and replace(result.record, graded_at="")
    return replace(result, seconds=0.0, record=record, message=result.message.replace(str(course), "<course>"))


def test_shards_at_once_grade_the_class_as_one_process_does(postgres_url, tmp_path, monkeypatch, capsys):  # noqa: F811
    parts = {i: Shard(i, SHARDS).part(sorted(CLASS)) for i in range(SHARDS)}
    assert all(parts.values()), f"every shard must have work, or the class is not really split: {parts}"
    sharded_url, single_url = postgres_url, _new_database(postgres_url, "single")
    many = _the_class(make_course(tmp_path / "many"))
    one = _the_class(make_course(tmp_path / "one"))
    env = {**os.environ, "DLCOURSE_DB_URL": sharded_url}
    command = [sys.executable, "-m", "dlcourse", "grade", LESSON, "--course", str(many)]

    monkeypatch.setenv("DLCOURSE_DB_URL", sharded_url)
    code, out, err = _cli(capsys, "grade", LESSON, "--course", str(many), "--prepare")
    assert code == 0, out + err
    shards = [subprocess.Popen(command + ["--shard", f"{i}/{SHARDS}", "--workers", "1"], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for i in range(SHARDS)]
    # Meanwhile the same class, graded by one process into a gradebook of its own.
    monkeypatch.setenv("DLCOURSE_DB_URL", single_url)
    single = grading.grade(LESSON, one, workers=2)
    from dlcourse.cli import instructor
    capsys.readouterr()
    instructor._print_summary(one, LESSON, single)  # what `dlcourse grade` prints after grading
    single_summary = capsys.readouterr().out
    logs = [shard.communicate(timeout=600)[0] for shard in shards]
    for shard, log in zip(shards, logs):
        assert shard.returncode == 0, log

    # Every student graded exactly once, by its own shard.
    graded_by = collections.defaultdict(list)
    for i, log in enumerate(logs):
        for student in re.findall(r"^\[\s*\d+/\d+\] (\S+): ", log, flags=re.M):
            graded_by[student].append(i)
    assert graded_by == {s: [sharding.shard_of(s, SHARDS)] for s in CLASS}, logs

    # The summary of all shards is the one process's summary.
    monkeypatch.setenv("DLCOURSE_DB_URL", sharded_url)
    code, summary, _ = _cli(capsys, "grade", LESSON, "--course", str(many), "--summary")
    assert code == 0
    assert summary.replace(str(many), "<course>") == single_summary.replace(str(one), "<course>")
    assert "2 graded, 1 could not be graded: erin" in summary
    gathered = sharding.gather(many, LESSON)
    assert [_comparable(r, many) for r in gathered] == [_comparable(r, one) for r in single]
    scores = {r.student: r.score for r in gathered}
    assert scores["alice"] == sum(subs.autograded_points(LESSON).values()) > scores["dave"]

    # No grade lost: each graded cell of each graded submission once in the gradebook, as one process left them.
    rows = _grades(sharded_url)
    assert rows == _grades(single_url)
    cells = collections.Counter((student, cell) for student, cell, *_ in rows)
    assert set(cells.values()) == {1}
    per_student = {s: {c for (t, c) in cells if t == s} for s in ("alice", "dave")}
    assert per_student["alice"] and per_student["alice"] == per_student["dave"]

    # The export of the sharded gradebook is the one process's.
    def export(course, url):
        out = course.parent / f"{course.name}.csv"
        run = subprocess.run([sys.executable, "-m", "dlcourse", "export", "--course", str(course), "--to", str(out)],
                             env={**os.environ, "DLCOURSE_DB_URL": url}, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        return grading.read_export(out)

    with ThreadPoolExecutor(2) as pool:
        exported = list(pool.map(export, [many, one], [sharded_url, single_url]))
    assert exported[0] == exported[1]
    assert {row["student_id"]: row["status"] for row in exported[0]} == {
        "alice": "graded", "dave": "graded", "erin": "not graded", "frank": "no submission"}
