"""Pictures and the widget of lesson 08: training curves, early stopping, and the weights it keeps.

The lesson passes in its own training function, built on the student's
dropout and L2 code, and the student's early_stopping_epoch, which decides
which epoch is kept; where training stops follows from it (nothing here
finds either by itself). Training runs are cached by their
settings, so moving a slider back to a setting seen before redraws at once
and only new settings train (about a second each on the lesson's toy data).
"""

from collections import OrderedDict

import ipywidgets as widgets
import numpy as np

from . import plots
from .widgets import LivePlot

TRAIN_COLOR = plots.OKABE_ITO["blue"]
VAL_COLOR = plots.OKABE_ITO["vermillion"]


def plot_history(ax, history, *, kept=None, stopped=None, title="training and validation loss"):
    """Train and validation loss per epoch; optionally where early stopping stopped and what it kept.

    history: {"train_loss": (E,), "val_loss": (E,)}; kept, stopped: epoch indices.
    """
    train, val = np.asarray(history["train_loss"]), np.asarray(history["val_loss"])
    epochs = np.arange(len(train))
    ax.plot(epochs, train, color=TRAIN_COLOR, lw=1.5, label="training loss")
    ax.plot(epochs, val, color=VAL_COLOR, lw=1.5, label="validation loss")
    if stopped is not None and stopped < len(val) - 1:
        ax.axvline(stopped, color="0.3", ls="--", lw=1.2, label=f"early stopping stops (epoch {stopped})")
        ax.axvspan(stopped, len(val) - 1, color="0.85", alpha=0.5, zorder=0)
    if kept is not None:
        ax.plot(kept, val[kept], marker="*", ms=16, color=plots.OKABE_ITO["orange"], mec="black", ls="none",
                label=f"weights kept (epoch {kept})", zorder=5)
    finite = np.concatenate([train[np.isfinite(train)], val[np.isfinite(val)]])
    if len(finite):
        ax.set_ylim(0, min(finite.max(), 3 * np.median(val[np.isfinite(val)])) * 1.05 + 1e-9)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (without the penalty)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_regions(ax, predict_proba, X_train, y_train, X_val=None, y_val=None, *, title="", lims=None,
                 resolution=70):
    """Decision regions of a 2-D classifier; training points filled, validation points hollow.

    predict_proba: (m, 2) points -> (m,) probabilities of class 1. The shading goes from blue
    (class 0 likely) to orange (class 1 likely), the class colours; the black line is where the classifier is 50/50.
    No colour bar, so that three panels fit side by side and redraw quickly.
    """
    X_all = X_train if X_val is None else np.vstack([X_train, X_val])
    xx, yy, points = plots.grid_over(X_all, resolution=resolution, xlim=lims, ylim=lims)
    probs = np.asarray(predict_proba(points), dtype=float).reshape(xx.shape)
    ax.contourf(xx, yy, probs, levels=np.linspace(0, 1, 11), cmap=plots.PROBABILITY_CMAP, alpha=0.35, zorder=0)
    ax.contour(xx, yy, probs, levels=[0.5], colors="k", linewidths=1.5, zorder=1)
    plots.scatter_classes(ax, X_train, y_train, ["train: class 0", "train: class 1"], size=28)
    if X_val is not None:
        for k in (0, 1):
            pts = X_val[y_val == k]
            ax.scatter(pts[:, 0], pts[:, 1], s=34, facecolors="none", edgecolors=plots.CLASS_COLORS[k],
                       marker=plots.CLASS_MARKERS[k], linewidths=1.4, label=f"validation: class {k}", zorder=3)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_aspect("equal")
    ax.set_xlabel("x₁")   # plain text: mathtext would cost time on every redraw
    ax.set_ylabel("x₂")
    ax.set_title(title)
    return ax


def regularization_explorer(train, early_stopping_epoch, predict_proba, X_train, y_train, X_val, y_val, *,
                            sizes=(2, 4, 8, 16, 32, 64, 128), lams=(0.0, 1e-4, 1e-3, 1e-2, 3e-2, 1e-1),
                            drops=(0.0, 0.1, 0.2, 0.3, 0.5), size=128, lam=0.0, drop=0.0, patience=50,
                            cache_size=64):
    """Sliders for model size, L2 strength, dropout rate and patience.

    train(hidden, lam, p) -> {"train_loss": (E,), "val_loss": (E,), "snapshots": {epoch: params},
    "params": final params}, where snapshots hold the parameters at every epoch whose
    validation loss beat all earlier ones (the only epochs early stopping can keep).
    early_stopping_epoch(val_losses, patience) -> the epoch to keep (the student's function).
    predict_proba(params, points) -> (m,) probabilities of class 1.
    Left: the curves, which epoch is kept and where training stops: `patience` epochs
    after the kept one, or at the last epoch if that comes first (early stopping waits
    `patience` epochs without a better validation loss before it gives up); middle and
    right: the decision regions of the final and of the kept weights. Returns the LivePlot; its `.cache`
    holds the training runs by (hidden, lam, p).
    """
    cache = OrderedDict()

    def run(hidden, lam, p):
        key = (hidden, lam, p)
        if key not in cache:
            with np.errstate(all="ignore"):
                cache[key] = train(hidden, lam, p)
            while len(cache) > cache_size:
                cache.popitem(last=False)  # forget the oldest run
        cache.move_to_end(key)
        return cache[key]

    lims = (float(min(X_train.min(), X_val.min())) - 0.4, float(max(X_train.max(), X_val.max())) + 0.4)
    layout = widgets.Layout(width="300px")
    style = {"description_width": "initial"}

    def selector(options, value, description, fmt):
        return widgets.SelectionSlider(options=[(fmt(o), o) for o in options], value=value, description=description,
                                       continuous_update=False, style=style, layout=layout)

    controls = {
        "hidden": selector(sizes, size, "hidden units per layer", str),
        "lam": selector(lams, lam, "L2 strength λ", lambda v: f"{v:g}"),
        "p": selector(drops, drop, "dropout rate p", lambda v: f"{v:g}"),
        "patience": widgets.IntSlider(value=patience, min=5, max=200, step=5, description="patience (epochs)",
                                      continuous_update=False, style=style, layout=layout),
    }

    def draw(fig, hidden, lam, p, patience):
        history = run(hidden, lam, p)
        val = np.asarray(history["val_loss"])
        kept = int(early_stopping_epoch(list(val), patience))
        stopped = min(kept + patience, len(val) - 1)
        snapshots = history["snapshots"]
        if kept not in snapshots:
            raise ValueError(f"early_stopping_epoch returned epoch {kept}, which never had the best "
                             "validation loss so far: early stopping keeps the best epoch it has seen")
        ax_curves, ax_final, ax_kept = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.3, 1, 1]})
        plot_history(ax_curves, history, kept=kept, stopped=stopped,
                     title=f"{hidden} units, λ = {lam:g}, p = {p:g}")
        final = history["params"]
        plot_regions(ax_final, lambda P: predict_proba(final, P), X_train, y_train, X_val, y_val, lims=lims,
                     title=f"after all {len(val)} epochs: val {val[-1]:.3f}")
        plot_regions(ax_kept, lambda P: predict_proba(snapshots[kept], P), X_train, y_train, X_val, y_val,
                     lims=lims, title=f"kept (epoch {kept}): val {val[kept]:.3f}")
        ax_final.legend(fontsize=7, loc="lower left", framealpha=0.9)
        # Fixed spacing instead of tight_layout, which would measure every label first and
        # double the time of a redraw; the PNG is cropped to its content anyway.
        fig.subplots_adjust(left=0.05, right=0.99, bottom=0.12, top=0.9, wspace=0.22)

    explorer = LivePlot(controls, draw, figsize=(15.0, 4.5),
                        caption="Left: losses per epoch; the shaded part is what early stopping never trains. "
                                "Middle: what the network predicts after every epoch has been trained. "
                                "Right: what the weights kept by early stopping predict. Shading: blue where "
                                "class 0 is likely, orange where class 1 is; filled markers are training points, "
                                "hollow ones validation points.")
    explorer.cache = cache
    return explorer
