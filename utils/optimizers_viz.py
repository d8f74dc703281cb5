"""Pictures and widgets for lesson 06: optimisation paths drawn on a loss landscape.

Nothing here trains by itself. The lesson passes in small functions that use
the student's own code (`iterate_minibatches`, `momentum_update`,
`adam_update`), and the widgets call them whenever a slider moves, so what
students see is what their code does.

A *path* is an array of shape (steps + 1, 2): the two parameters before the
first update and after every update.
"""

import ipywidgets as widgets
import matplotlib
import numpy as np

from . import plots
from .widgets import LivePlot

# One colour and line style per optimiser, the same in every figure of the lesson.
STYLES = {
    "SGD": dict(color=plots.OKABE_ITO["blue"], ls="-"),
    "momentum": dict(color=plots.OKABE_ITO["vermillion"], ls="-"),
    "Adam": dict(color=plots.OKABE_ITO["green"], ls="-"),
}


def loss_grid(loss_fn, xlim, ylim, resolution=80):
    """loss_fn(theta) for theta = (x, y) on a regular grid.

    Returns (xx, yy, zz), each of shape (resolution, resolution).
    """
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    xx, yy = np.meshgrid(xs, ys)
    zz = np.array([loss_fn(np.array([x, y])) for x, y in zip(xx.ravel(), yy.ravel())]).reshape(xx.shape)
    return xx, yy, zz


def draw_landscape(ax, grid, *, minimum=None, n_levels=14, labels=("$w$", "$b$"), title="loss landscape"):
    """Contour lines of a loss surface from loss_grid(), spaced evenly on a log scale.

    Log spacing puts as many lines near the minimum as far from it, so the
    shape of the valley stays readable. minimum: (2,) point marked with a star.
    """
    xx, yy, zz = grid
    floor = zz.min()
    excess = zz - floor + 1e-12  # loss above the lowest point of the grid
    top = np.percentile(excess, 95)
    levels = floor + np.geomspace(max(top * 1e-4, 1e-9), top, n_levels)
    # The dark two thirds of cividis: the light yellow end would vanish on white.
    colors = matplotlib.colormaps["cividis"](np.linspace(0.0, 0.7, n_levels))
    ax.contour(xx, yy, zz, levels=levels, colors=colors, linewidths=0.9, alpha=0.8)
    if minimum is not None:
        ax.plot(*minimum, marker="*", ms=16, color=plots.OKABE_ITO["orange"], mec="black", mew=0.8,
                ls="none", label="minimum", zorder=5)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_title(title)
    return ax


def draw_path(ax, path, label, color, *, ls="-", lw=1.4, markers=True, alpha=1.0):
    """One optimisation path, (k, 2), as a line with its start and end marked.

    Points that overflowed (inf or nan after divergence) are left out.
    """
    path = np.asarray(path, dtype=float)
    finite = np.isfinite(path).all(axis=1)
    if not finite.all():
        path = path[:int(np.argmin(finite))]  # stop at the first point that overflowed
        label = f"{label} (diverged)"
    if len(path) == 0:
        return ax
    ax.plot(path[:, 0], path[:, 1], color=color, ls=ls, lw=lw, alpha=alpha, label=label, zorder=3)
    if markers and len(path) <= 60:
        ax.plot(path[:, 0], path[:, 1], "o", color=color, ms=3, alpha=alpha, zorder=3)
    ax.plot(*path[0], "o", color="black", ms=6, zorder=4)
    ax.plot(*path[-1], "X", color=color, ms=9, mec="black", mew=0.6, zorder=4)
    return ax


def path_losses(loss_fn, path):
    """The loss at every point of a path: (k,) array, inf where the path overflowed."""
    path = np.asarray(path, dtype=float)
    with np.errstate(all="ignore"):
        out = np.array([loss_fn(theta) if np.isfinite(theta).all() else np.inf for theta in path])
    out[~np.isfinite(out)] = np.inf
    return out


def _plot_loss_curve(ax, x, losses, label, color, lw=1.2, alpha=1.0):
    """A loss curve that stops at the first overflow and says so in its label."""
    finite = np.isfinite(losses)
    if not finite.all():
        last = int(np.argmin(finite))
        x, losses, label = x[:last], losses[:last], f"{label} (diverged)"
    ax.plot(x, losses, color=color, lw=lw, alpha=alpha, label=label)


def batch_size_explorer(run, loss_fn, n_examples, *, xlim, ylim, minimum=None, loss_min=0.0,
                        batch_sizes=None, lr=0.1, epochs=3, labels=("$w$", "$b$")):
    """Sliders for batch size and learning rate; draws the path and the loss curve of mini-batch SGD.

    run(batch_size, lr, epochs) -> path (steps + 1, 2), the parameters after every
    update of mini-batch SGD on the whole data set (n_examples examples).
    loss_fn(theta) -> the loss on the whole data set. loss_min: the lowest loss
    possible, so the curves show the loss *above* it on a log scale.
    Full-batch gradient descent with the same learning rate is drawn in grey
    for comparison. Returns the LivePlot.
    """
    if batch_sizes is None:
        batch_sizes = [b for b in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512) if b < n_examples] + [n_examples]
    grid = loss_grid(loss_fn, xlim, ylim)
    controls = {
        "batch_size": widgets.SelectionSlider(options=list(batch_sizes), value=min(batch_sizes, key=lambda b: abs(b - 16)),
                                              description="batch size", continuous_update=False,
                                              layout=widgets.Layout(width="320px")),
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-3, max=0.3, step=0.1, description="learning rate",
                                     readout_format=".3f", continuous_update=False,
                                     style={"description_width": "initial"}, layout=widgets.Layout(width="320px")),
        "epochs": widgets.IntSlider(value=epochs, min=1, max=10, description="epochs", continuous_update=False,
                                    layout=widgets.Layout(width="260px")),
    }

    full_runs = {}  # full-batch descent depends only on lr and epochs: compute it once per pair

    def draw(fig, batch_size, lr, epochs):
        with np.errstate(all="ignore"):
            path = np.asarray(run(batch_size, lr, epochs), dtype=float)
            if (lr, epochs) not in full_runs:
                full_runs[(lr, epochs)] = np.asarray(run(n_examples, lr, epochs), dtype=float)
            full = full_runs[(lr, epochs)]
        ax_path, ax_loss = fig.subplots(1, 2)
        draw_landscape(ax_path, grid, minimum=minimum, labels=labels,
                       title=f"batch {batch_size}: {len(path) - 1} updates")
        draw_path(ax_path, full, "full batch", "0.45", markers=True)
        draw_path(ax_path, path, f"batch size {batch_size}", plots.OKABE_ITO["blue"], lw=1.0)
        ax_path.legend(loc="upper right", fontsize=8, framealpha=0.9)

        for p, label, color, lw in ((full, "full batch", "0.45", 2.0),
                                    (path, f"batch size {batch_size}", plots.OKABE_ITO["blue"], 1.0)):
            # At most about 2000 points on the curve: enough to show the noise, and a long
            # stochastic run (10,000 updates) does not slow the redraw down.
            steps = np.unique(np.linspace(0, len(p) - 1, min(len(p), 2001)).astype(int))
            # x axis in epochs: one epoch is one pass over the data, however many updates it took
            per_epoch = (len(p) - 1) / epochs
            excess = path_losses(loss_fn, p[steps]) - loss_min + 1e-12
            # The mean over the last epoch is the height of the noisy floor, once it is reached.
            last = excess[steps >= len(p) - 1 - per_epoch]
            if np.isfinite(last).all():
                label = f"{label} (last epoch: {np.mean(last):.1e})"
            _plot_loss_curve(ax_loss, steps / per_epoch, excess, label, color, lw=lw)
        ax_loss.set_yscale("log")
        ax_loss.set_xlabel("epochs (passes over the data)")
        ax_loss.set_ylabel("loss above the minimum")
        ax_loss.set_title(f"whole-data loss after every update (lr {lr:.3g})")
        ax_loss.legend(fontsize=8)
        # Fixed spacing rather than tight_layout, which would double the time of a redraw.
        fig.subplots_adjust(left=0.07, right=0.99, bottom=0.13, top=0.9, wspace=0.25)

    return LivePlot(controls, draw, figsize=(11.0, 4.4),
                    caption="Left: the path of the parameters (black dot: start, cross: end). "
                            "Right: the loss on the <i>whole</i> data set after every update, "
                            "with the number of passes over the data on the x axis.")


def optimizer_race(run, loss_fn, *, xlim, ylim, minimum=None, loss_min=0.0, labels=("$x$", "$y$"),
                   lr=0.4, adam_lr=0.3, beta=0.9, noise=0.0, steps=100):
    """Sliders for the learning rates, the momentum factor, gradient noise and the number of steps.

    run(lr, adam_lr, beta, noise, steps) -> {name: path}, with names among
    "SGD", "momentum", "Adam"; each path has shape (steps + 1, 2). Draws the
    paths on the landscape of loss_fn and the loss per step. Returns the LivePlot.
    """
    grid = loss_grid(loss_fn, xlim, ylim)
    layout = widgets.Layout(width="320px")
    style = {"description_width": "initial"}
    controls = {
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-2, max=0, step=0.05, description="lr (SGD, momentum)",
                                     readout_format=".3f", continuous_update=False, style=style, layout=layout),
        "adam_lr": widgets.FloatLogSlider(value=adam_lr, base=10, min=-2, max=0, step=0.05, description="lr (Adam)",
                                          readout_format=".3f", continuous_update=False, style=style, layout=layout),
        "beta": widgets.FloatSlider(value=beta, min=0.0, max=0.99, step=0.01, description="β (momentum)",
                                    continuous_update=False, style=style, layout=layout),
        "noise": widgets.FloatSlider(value=noise, min=0.0, max=2.0, step=0.1, description="gradient noise",
                                     continuous_update=False, style=style, layout=layout),
        "steps": widgets.IntSlider(value=steps, min=10, max=300, step=10, description="steps",
                                   continuous_update=False, style=style, layout=layout),
    }

    def draw(fig, lr, adam_lr, beta, noise, steps):
        with np.errstate(all="ignore"):
            paths = run(lr, adam_lr, beta, noise, steps)
        ax_path, ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
        draw_landscape(ax_path, grid, minimum=minimum, labels=labels, title=f"{steps} steps in a ravine")
        for name, path in paths.items():
            style_ = STYLES.get(name, dict(color="black", ls="-"))
            draw_path(ax_path, path, name, style_["color"], ls=style_["ls"], markers=False)
            _plot_loss_curve(ax_loss, np.arange(len(path)), path_losses(loss_fn, path) - loss_min + 1e-12,
                             name, style_["color"], lw=1.6)
        ax_path.legend(loc="lower right", fontsize=8, framealpha=0.9)
        ax_loss.set_yscale("log")
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("loss above the minimum")
        ax_loss.set_title("loss per step")
        ax_loss.legend(fontsize=8)
        fig.subplots_adjust(left=0.07, right=0.99, bottom=0.13, top=0.9, wspace=0.25)

    return LivePlot(controls, draw, figsize=(11.0, 4.2),
                    caption="Each optimiser starts at the black dot; the cross is where it is after the last step.")
