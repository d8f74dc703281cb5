"""benchmarks/train_cnn.py: it takes lesson 10's model and loops from the notebook, and its dry run works."""

import importlib.util
import json
import subprocess
import sys

import pytest
import torch

from dlcourse import notebooks
from dlcourse.paths import SOLUTIONS_DIR, lesson_notebook
from . import nbcells

LESSON = "10-cnn-mnist"


@pytest.fixture(scope="module")
def bench(repo):
    spec = importlib.util.spec_from_file_location("train_cnn", repo / "benchmarks" / "train_cnn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_answers_come_from_the_solution_notebook(bench):
    answers = bench.load_answers()
    assert set(answers) == {"get_device", "MLP", "SmallCNN", "train_one_epoch", "evaluate"}
    # One source of truth: the classes are the notebook's own answer cells, markers removed.
    cells = nbcells.cells_by_grade_id(notebooks.read(lesson_notebook(LESSON, SOLUTIONS_DIR)))
    assert "class SmallCNN" in cells["SmallCNN"].source
    assert "def train_one_epoch" in cells["lesson09_pieces"].source
    model = answers["SmallCNN"]().eval()
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert answers["MLP"](hidden=16)(torch.zeros(3, 784)).shape == (3, 10)
    assert torch.device(answers["get_device"]()).type in ("cpu", "cuda", "mps")


def test_a_notebook_without_answers_is_reported(bench, tmp_path):
    nb = tmp_path / "empty.ipynb"
    nb.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    with pytest.raises(LookupError, match="no answer cell"):
        bench.load_answers(nb)


def test_dry_run_trains_and_reports(repo, tmp_path):
    out = tmp_path / "result.json"
    proc = subprocess.run([sys.executable, str(repo / "benchmarks" / "train_cnn.py"), "--dry-run",
                           "--device", "cpu", "--threads", "1", "--json", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "images/s" in proc.stdout and "final test accuracy" in proc.stdout
    result = json.loads(out.read_text())
    assert result["dry_run"] and result["epochs"] == 1 and result["model"] == "SmallCNN"
    assert result["n_train"] == 256 and result["device"] == "cpu"
    assert 0.0 <= result["final_test_acc"] <= 1.0 and result["median_images_per_second"] > 0
    assert len(result["per_epoch"]) == 1


def test_missing_data_set_is_a_clean_error(repo, tmp_path):
    proc = subprocess.run([sys.executable, str(repo / "benchmarks" / "train_cnn.py"), "--dry-run",
                           "--dataset", "fashion-mnist", "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=300, cwd=repo)
    assert proc.returncode != 0
    assert "does not hold Fashion-MNIST" in proc.stderr and "Traceback" not in proc.stderr
