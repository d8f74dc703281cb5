"""utils.regularization_viz: curves, regions and the lesson-08 widget, driven without a browser."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils import regularization_viz, toy


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def early_stopping_run(val_losses, patience):
    """(kept, stopped): the epoch early stopping keeps (the best validation loss so far) and the
    epoch whose result ends training (`patience` epochs in a row without a new best; the last
    epoch if that never happens)."""
    best = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best]:
            best = epoch
        elif epoch - best >= patience:
            return best, epoch
    return best, len(val_losses) - 1


def reference_early_stopping(val_losses, patience):
    """A correct early_stopping_epoch, as students write it."""
    return early_stopping_run(val_losses, patience)[0]


def fake_train(hidden, lam, p):
    """Curves shaped like real ones: validation falls, then rises faster for bigger, less regularised nets."""
    epochs = np.arange(120)
    overfit = hidden / 128 / (1 + 50 * lam) * (1 - p)
    train = 0.7 * np.exp(-epochs / 20) + 0.1
    val = train + overfit * np.clip(epochs - 20, 0, None) / 100 + 0.01 * np.sin(epochs)
    snapshots, best = {}, np.inf
    for e, v in enumerate(val):
        if v < best:
            best = v
            snapshots[e] = (e, hidden)   # stands for the parameters of that epoch
    return {"train_loss": train, "val_loss": val, "snapshots": snapshots, "params": (len(epochs), hidden)}


def fake_proba(params, points):
    epoch, hidden = params
    return 1 / (1 + np.exp(-(points[:, 0] * points[:, 1]) * (1 + epoch / 30) * hidden / 16))


@pytest.fixture
def data():
    X, y = toy.xor_cloud(n=60, noise=0.2, seed=0)
    return X[:45], y[:45], X[45:], y[45:]


def stop_marked(explorer):
    """The epoch the explorer's curves mark as where early stopping stops, or None if it never stops."""
    labels = [t.get_text() for t in explorer.figure.axes[0].get_legend().get_texts()]
    stops = [int(t.split("epoch ")[1].rstrip(")")) for t in labels if t.startswith("early stopping stops")]
    return stops[0] if stops else None


def test_explorer_marks_the_stop_patience_epochs_after_the_students_kept_epoch(data):
    """Where training stops follows from the student's kept epoch (utils has no early stopping of its own)
    and agrees with the rule itself."""
    explorer = regularization_viz.regularization_explorer(fake_train, reference_early_stopping, fake_proba, *data,
                                                          size=128, patience=10)
    for patience in (5, 10, 40, 200):
        explorer.controls["patience"].value = patience
        assert explorer.last_error is None, explorer.last_error
        val = fake_train(128, 0.0, 0.0)["val_loss"]
        expected = early_stopping_run(val, patience)[1]
        assert stop_marked(explorer) == (expected if expected < len(val) - 1 else None), patience
    assert early_stopping_run([3, 2, 2.5, 2.6, 1.0], 2) == (1, 3)


def test_history_plot_marks_the_stop_and_the_kept_epoch():
    fig, ax = plt.subplots()
    history = fake_train(128, 0.0, 0.0)
    regularization_viz.plot_history(ax, history, kept=10, stopped=40)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("epoch 40" in t for t in labels) and any("epoch 10" in t for t in labels)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_explorer_redraws_for_every_control_and_caches_runs(data):
    calls = []

    def train(hidden, lam, p):
        calls.append((hidden, lam, p))
        return fake_train(hidden, lam, p)

    explorer = regularization_viz.regularization_explorer(train, reference_early_stopping, fake_proba, *data,
                                                          size=128, patience=10)
    assert explorer.last_error is None, explorer.last_error
    seen = {explorer.last_png}
    for name, value in (("hidden", 8), ("lam", 1e-2), ("p", 0.5), ("patience", 40)):
        explorer.controls[name].value = value
        assert explorer.last_error is None, explorer.last_error
        assert explorer.last_png not in seen, f"moving {name} must change the picture"
        seen.add(explorer.last_png)
    trained = len(calls)
    assert trained == 4, "patience needs no new training run"
    explorer.controls["hidden"].value = 128
    explorer.controls["hidden"].value = 8
    assert len(calls) == trained + 1, "a setting seen before is drawn from the cache"
    assert (8, 1e-2, 0.5) in explorer.cache


def test_explorer_explains_a_wrong_early_stopping_answer(data):
    def last_epoch(val_losses, patience):
        return len(val_losses) - 1

    explorer = regularization_viz.regularization_explorer(fake_train, last_epoch, fake_proba, *data, size=128)
    assert explorer.last_png is None and "best" in str(explorer.last_error)


def test_explorer_reports_unfinished_code(data):
    def not_done(val_losses, patience):
        raise NotImplementedError()

    explorer = regularization_viz.regularization_explorer(fake_train, not_done, fake_proba, *data)
    assert isinstance(explorer.last_error, NotImplementedError) and explorer.last_png is None
