"""The Slurm and Kubernetes files of docs/grading-at-scale.md: their shell is valid, their shard
arithmetic gives every shard of 0..N-1 exactly once, and the Kubernetes Job is an Indexed Job whose
size is the number of shards it passes to `dlcourse grade --shard`.

Neither Slurm nor a cluster runs here: the scripts run with `dlcourse` and `sbatch` replaced by
stubs that print their arguments, and with the variables Slurm and Kubernetes would set.
"""

import os
import shlex
import subprocess
from pathlib import Path

import pytest

from dlcourse.cli import parser
from dlcourse.sharding import Shard

REPO = Path(__file__).resolve().parents[1]
SLURM = REPO / "docs" / "slurm"
SHARD_SCRIPT = SLURM / "grade-shard.sbatch"
LESSON_SCRIPT = SLURM / "grade-lesson.sh"
MANIFEST = REPO / "docs" / "kubernetes" / "grade-lesson.yaml"
LESSON = "07-softmax-mnist"


def _stub(folder, name, body='printf "%s\\n" "$@"'):
    path = Path(folder, name)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def _grade_args(printed):
    """The parsed `dlcourse` arguments a stub printed, one per line."""
    return parser().parse_args(printed.splitlines())


@pytest.mark.parametrize("script", [SHARD_SCRIPT, LESSON_SCRIPT])
def test_the_slurm_scripts_are_valid_bash(script):
    subprocess.run(["bash", "-n", str(script)], check=True)
    assert os.access(script, os.X_OK)


def _run_task(tmp_path, task_id, **variables):
    env = {"PATH": os.environ["PATH"], "LESSON": LESSON, "COURSE": "/shared/course",
           "DLCOURSE_DB_URL": "postgresql+psycopg2://grader@db/gradebook",
           "DLCOURSE": str(_stub(tmp_path, "dlcourse")), "SLURM_ARRAY_TASK_ID": str(task_id),
           "SLURM_CPUS_PER_TASK": "4", **{k: str(v) for k, v in variables.items()}}
    return subprocess.run(["bash", str(SHARD_SCRIPT)], env=env, capture_output=True, text=True)


def _array(first, last):
    return dict(SLURM_ARRAY_TASK_MIN=first, SLURM_ARRAY_TASK_MAX=last, SLURM_ARRAY_TASK_COUNT=last - first + 1)


def test_an_array_0_to_n_minus_1_runs_every_shard_once(tmp_path):
    shards = []
    for task in range(5):
        run = _run_task(tmp_path, task, **_array(0, 4))
        assert run.returncode == 0, run.stderr
        args = _grade_args(run.stdout)
        assert (args.command, args.lesson, args.course, args.workers) == ("grade", LESSON, "/shared/course", 4)
        shards.append(args.shard)
    assert shards == [Shard(i, 5) for i in range(5)]


def test_one_shard_again_with_shards_set(tmp_path):
    run = _run_task(tmp_path, 3, SHARDS=16, **_array(3, 3))
    assert run.returncode == 0, run.stderr
    assert _grade_args(run.stdout).shard == Shard(3, 16)


@pytest.mark.parametrize("task, variables, says", [
    (1, _array(1, 4), "the array must be 0-3"),  # 1-based: shard 0 would never run
    (4, {**_array(0, 4), "SHARDS": 4}, "task 4 is no shard of 4"),
    (0, {"SLURM_ARRAY_TASK_MIN": 0, "SLURM_ARRAY_TASK_MAX": 6, "SLURM_ARRAY_TASK_COUNT": 3}, "the array must be"),  # 0,3,6
])
def test_an_array_that_would_miss_students_is_refused(tmp_path, task, variables, says):
    run = _run_task(tmp_path, task, **variables)
    assert run.returncode == 2 and says in run.stderr
    assert not run.stdout  # dlcourse never ran


def test_a_task_without_its_settings_stops(tmp_path):
    run = _run_task(tmp_path, 0, LESSON="", **_array(0, 1))
    assert run.returncode != 0 and "LESSON" in run.stderr and not run.stdout


def test_grade_lesson_submits_prepare_then_the_array_then_the_summary(tmp_path):
    log = tmp_path / "sbatch.log"
    sbatch = _stub(tmp_path, "sbatch", f'printf "%s\\n" "$*" >> {log}\necho $(( $(wc -l < {log}) + 100 ))')
    env = {"PATH": f"{sbatch.parent}:{os.environ['PATH']}", "COURSE": "/shared/my course",
           "DLCOURSE_DB_URL": "postgresql+psycopg2://grader@db/gradebook", "DLCOURSE": "dlcourse"}
    run = subprocess.run(["bash", str(LESSON_SCRIPT), LESSON, "8"], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    prepare, array, summary = log.read_text().splitlines()
    assert "--dependency" not in prepare
    wrapped = shlex.split(prepare.split("--wrap ", 1)[1])
    assert wrapped == ["dlcourse", "grade", LESSON, "--course", "/shared/my course", "--prepare"]
    assert "--dependency=afterok:101" in array and "--array=0-7" in array and array.endswith(str(SHARD_SCRIPT))
    assert "--dependency=afterok:102" in summary
    first, second = summary.split("--wrap ", 1)[1].split(" && ")
    assert shlex.split(first) == ["dlcourse", "grade", LESSON, "--course", "/shared/my course", "--summary"]
    assert shlex.split(second) == ["dlcourse", "export", "--course", "/shared/my course"]


# --- Kubernetes ------------------------------------------------------------------------------

def _manifest():
    """{(kind, step): object} of the manifest (PyYAML; structural checks only, no cluster here)."""
    yaml = pytest.importorskip("yaml")
    objects = [d for d in yaml.safe_load_all(MANIFEST.read_text()) if d]
    found = {(d["kind"], d["metadata"]["labels"]["dlcourse/step"]): d for d in objects}
    assert len(found) == len(objects), "one object of each kind per step"
    return found


def _container(job):
    (container,) = job["spec"]["template"]["spec"]["containers"]
    return container


def _shell(container):
    command = container["command"]
    assert command[:2] == ["/bin/sh", "-c"] and len(command) == 3
    return command[2]


def _run_container(tmp_path, container, config, **variables):
    """Run a container's shell command with the ConfigMap's variables and a stub dlcourse: the parsed
    arguments of each dlcourse it ran."""
    calls = tmp_path / "calls"
    calls.unlink(missing_ok=True)
    _stub(tmp_path, "dlcourse", f'printf "%s\\n" "$@" >> {calls}; echo --- >> {calls}')
    env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", **config, "DLCOURSE_DB_URL": "postgresql://x",
           **{k: str(v) for k, v in variables.items()}}
    subprocess.run(["sh", "-c", _shell(container)], env=env, check=True)
    return [_grade_args(call) for call in calls.read_text().split("---\n") if call.strip()]


def test_the_kubernetes_steps(tmp_path):
    objects = _manifest()
    assert sorted(objects) == [("ConfigMap", "prepare"), ("Job", "grade"), ("Job", "prepare"), ("Job", "summary")]
    config_map = objects["ConfigMap", "prepare"]  # applied with the first step, read by every step
    config = config_map["data"]
    shards = int(config["SHARDS"])
    jobs = {step: objects["Job", step] for step in ("prepare", "grade", "summary")}

    grade = jobs["grade"]["spec"]
    assert grade["completionMode"] == "Indexed"
    assert grade["completions"] == shards  # one pod per shard: JOB_COMPLETION_INDEX = 0 .. SHARDS-1
    assert 1 <= grade["parallelism"] <= shards  # fewer at once than shards only queues them
    for step in ("prepare", "summary"):
        spec = jobs[step]["spec"]
        assert spec.get("completions", 1) == 1 and spec.get("parallelism", 1) == 1
        assert "completionMode" not in spec
    for job in jobs.values():
        pod = job["spec"]["template"]["spec"]
        assert pod["restartPolicy"] in ("Never", "OnFailure")
        container = _container(job)
        assert {"configMapRef": {"name": config_map["metadata"]["name"]}} in container["envFrom"]
        assert any(e["name"] == "DLCOURSE_DB_URL" and "secretKeyRef" in e["valueFrom"] for e in container["env"])
        (mount,) = container["volumeMounts"]
        (volume,) = pod["volumes"]
        assert mount["mountPath"] == "/course" and volume["name"] == mount["name"]
        assert volume["persistentVolumeClaim"]["claimName"] == "dlcourse-course"
        subprocess.run(["sh", "-n", "-c", _shell(container)], check=True)
        assert "--unsafe" not in _shell(container)

    (prepare,) = _run_container(tmp_path, _container(jobs["prepare"]), config)
    assert (prepare.command, prepare.lesson, prepare.course, prepare.prepare) == ("grade", config["LESSON"], "/course", True)
    summary, export = _run_container(tmp_path, _container(jobs["summary"]), config)
    assert (summary.command, summary.lesson, summary.summary) == ("grade", config["LESSON"], True)
    assert (export.command, export.course) == ("export", "/course")
    seen = []
    for index in range(grade["completions"]):  # the Job controller sets JOB_COMPLETION_INDEX = 0 .. completions-1
        (args,) = _run_container(tmp_path, _container(jobs["grade"]), config, JOB_COMPLETION_INDEX=index)
        assert (args.command, args.lesson, args.course) == ("grade", config["LESSON"], "/course")
        assert args.workers == int(config["WORKERS"])
        seen.append(args.shard)
    assert seen == [Shard(i, shards) for i in range(shards)]
