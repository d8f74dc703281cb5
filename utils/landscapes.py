"""Loss landscapes for lesson 03: surfaces, descent paths that survive divergence, and two widgets.

A *path* is an array of shape (steps + 1, 2): the two parameters before the
first update and after every update, as the student's `gradient_descent`
returns it. Nothing here runs gradient descent itself: the widgets call the
student's functions whenever a control moves, so what students see is what
their code does.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import ipywidgets as widgets
import numpy as np

from . import plots
from .widgets import LivePlot

LIMITS = (-3.0, 3.0)  # every surface is drawn on the square [-3, 3] x [-3, 3]


@dataclass(frozen=True)
class Surface:
    """A cost over two parameters, with its gradient and the points it is minimal at.

    cost(w1, w2) works elementwise on arrays of any (equal) shape;
    grad(w) takes w of shape (2,) and returns the gradient, shape (2,).
    """

    name: str
    title: str
    cost: Callable
    grad: Callable
    minima: tuple  # ((w1, w2), ...): the global minimum first
    start: tuple   # a start point that shows the surface's character


def _bowl_cost(w1, w2):
    return 0.5 * (w1 ** 2 + w2 ** 2)


def _bowl_grad(w):
    w = np.asarray(w, dtype=float)
    return w.copy()


# The ravine is a long, narrow valley: curvature 0.2 along it, 4 across it (20 times more),
# turned by 30 degrees so that neither parameter alone points along the valley.
_ANGLE = np.pi / 6
_ALONG, _ACROSS = 0.2, 4.0
_COS, _SIN = np.cos(_ANGLE), np.sin(_ANGLE)


def _ravine_cost(w1, w2):
    u = _COS * w1 + _SIN * w2      # coordinate along the valley floor
    v = -_SIN * w1 + _COS * w2     # coordinate across it
    return 0.5 * (_ALONG * u ** 2 + _ACROSS * v ** 2)


def _ravine_grad(w):
    w1, w2 = np.asarray(w, dtype=float)
    u = _COS * w1 + _SIN * w2
    v = -_SIN * w1 + _COS * w2
    du, dv = _ALONG * u, _ACROSS * v
    return np.array([_COS * du - _SIN * dv, _SIN * du + _COS * dv])


# The bumpy surface: a wide bowl with ripples on it, so it has several valleys (local minima).
def _bumpy_cost(w1, w2):
    return 0.15 * (w1 ** 2 + w2 ** 2) - np.cos(2.0 * w1) * np.cos(1.5 * w2) + 1.0


def _bumpy_grad(w):
    w1, w2 = np.asarray(w, dtype=float)
    return np.array([0.3 * w1 + 2.0 * np.sin(2.0 * w1) * np.cos(1.5 * w2),
                     0.3 * w2 + 1.5 * np.cos(2.0 * w1) * np.sin(1.5 * w2)])


SURFACES = {
    "bowl": Surface("bowl", "a round bowl", _bowl_cost, _bowl_grad, ((0.0, 0.0),), (-2.5, 2.0)),
    "ravine": Surface("ravine", "a narrow ravine", _ravine_cost, _ravine_grad, ((0.0, 0.0),), (-2.5, 0.5)),
    "bumpy": Surface("bumpy", "a bumpy surface", _bumpy_cost, _bumpy_grad, ((0.0, 0.0),), (-2.2, 2.4)),
}


@lru_cache(maxsize=None)
def surface_grid(name, resolution=120):
    """(xx, yy, zz) of SURFACES[name] over LIMITS, each (resolution, resolution); cached."""
    s = np.linspace(*LIMITS, resolution)
    xx, yy = np.meshgrid(s, s)
    return xx, yy, SURFACES[name].cost(xx, yy)


def clip_path(path, xlim=LIMITS, ylim=LIMITS):
    """Cut a path where it first leaves the box or stops being finite.

    path: (k, 2). Returns (inside, exit_point, exit_step): inside is path[:m],
    the points before the first one outside the box (or inf/nan); exit_step is
    m, the index of that first point (None if the whole path stays inside);
    exit_point is where the segment from path[m-1] to path[m] crosses the edge
    of the box, (2,), or None when there is no such segment (the point is
    not finite, or the path starts outside).
    """
    path = np.asarray(path, dtype=float).reshape(-1, 2)
    lo = np.array([xlim[0], ylim[0]])
    hi = np.array([xlim[1], ylim[1]])
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(path).all(axis=1) & np.all((path >= lo) & (path <= hi), axis=1)
    if ok.all():
        return path, None, None
    m = int(np.argmin(ok))
    inside = path[:m]
    if m == 0 or not np.isfinite(path[m]).all():
        return inside, None, m
    start, end = path[m - 1], path[m]
    # Scale before subtracting so that points like 1e300 do not overflow.
    scale = max(1.0, float(np.abs(end).max()))
    direction = end / scale - start / scale
    with np.errstate(divide="ignore", invalid="ignore"):
        # How far along the direction each edge is; the nearest crossed edge is the exit.
        t_edges = np.where(direction > 0, (hi - start) / scale / direction,
                           np.where(direction < 0, (lo - start) / scale / direction, np.inf))
    t = float(np.min(t_edges))
    return inside, start + t * scale * direction, m


def draw_surface(ax, name, title=None):
    """Filled contours of a surface (light) with contour lines spaced for its shape."""
    xx, yy, zz = surface_grid(name)
    floor = zz.min()
    excess = zz - floor
    top = np.percentile(excess, 97)
    # Log spacing puts as many lines near the minimum as far from it (for the bowl and ravine);
    # even spacing shows the ripples of the bumpy surface.
    if name == "bumpy":
        levels = floor + np.linspace(0.02 * top, top, 16)
    else:
        levels = floor + np.geomspace(top * 3e-4, top, 14)
    # Pale fill (dark blue low, yellow high: cividis reads the same with colour-blind eyes) and thin lines.
    ax.contourf(xx, yy, zz, levels=np.r_[floor - 1, levels, zz.max() + 1], cmap="cividis", alpha=0.3)
    ax.contour(xx, yy, zz, levels=levels, colors="0.3", linewidths=0.6, alpha=0.6)
    for k, point in enumerate(SURFACES[name].minima):
        ax.plot(*point, marker="*", ms=15, color=plots.OKABE_ITO["orange"], mec="black", mew=0.8,
                ls="none", zorder=5, label="lowest point" if k == 0 else None)
    ax.set_xlim(*LIMITS)
    ax.set_ylim(*LIMITS)
    ax.set_aspect("equal")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(title or SURFACES[name].title)
    return ax


def draw_path(ax, path, color=None, label="descent path", max_markers=80):
    """A descent path on a surface drawn by draw_surface, clipped to the plot.

    The start is a black dot, the end a cross. If the path leaves the plot
    (or overflows), it is drawn up to the edge, the exit is marked with a
    triangle and a note says after which step it left. Returns exit_step
    (None if the path stayed inside).
    """
    color = color or plots.OKABE_ITO["vermillion"]
    inside, exit_point, exit_step = clip_path(path)
    shown = inside if exit_point is None else np.vstack([inside, exit_point])
    if len(shown):
        ax.plot(shown[:, 0], shown[:, 1], "-", color=color, lw=1.8, zorder=3, label=label)
        if len(inside) <= max_markers:
            ax.plot(inside[:, 0], inside[:, 1], "o", color=color, ms=3.5, mec="white", mew=0.5, zorder=4)
        ax.plot(*inside[0], "o", color="black", ms=8, zorder=6, label="start")
    if exit_step is None:
        ax.plot(*inside[-1], "X", color=color, ms=11, mec="black", mew=0.8, zorder=6, label="end")
        return None
    why = "left the plot" if exit_point is not None else "overflowed"
    if exit_point is not None:
        ax.plot(*exit_point, marker="^", ms=12, color=color, mec="black", mew=0.8, zorder=6, clip_on=False)
    ax.text(0.5, 0.03, f"diverging: {why} at step {exit_step}", transform=ax.transAxes, ha="center",
            va="bottom", fontsize=10, color="black", zorder=7,
            bbox=dict(boxstyle="round,pad=0.3", fc="white", ec=color))
    return exit_step


def path_costs(name, path):
    """The cost at every point of a path, (k,); inf or nan where the path overflowed."""
    path = np.asarray(path, dtype=float).reshape(-1, 2)
    with np.errstate(over="ignore", invalid="ignore"):
        return SURFACES[name].cost(path[:, 0], path[:, 1])


def verdict(name, path):
    """A few words on how a run went: diverged, converged, nearly there, zig-zagging or crawling."""
    path = np.asarray(path, dtype=float).reshape(-1, 2)
    _, _, exit_step = clip_path(path)
    if exit_step is not None:
        return f"diverged (left the plot at step {exit_step})"
    surface = SURFACES[name]
    costs = path_costs(name, path)
    if len(costs) > 1 and costs[-1] > costs[0]:
        return "diverging: the cost grows"
    with np.errstate(over="ignore", invalid="ignore"):
        slope_start = float(np.linalg.norm(surface.grad(path[0])))
        slope_end = float(np.linalg.norm(surface.grad(path[-1])))
    if slope_end <= 1e-3 * max(slope_start, 1e-3):
        lowest = np.asarray(surface.minima[0])
        if np.linalg.norm(path[-1] - lowest) > 0.1:
            return "converged, but in a valley that is not the lowest"
        return "converged"
    steps = np.diff(path, axis=0)
    zigzag = len(steps) >= 2 and steps[-1] @ steps[-2] < 0
    if slope_end <= 0.05 * slope_start:
        return "nearly there" + (", zig-zagging" if zigzag else "")
    return "zig-zagging, not there yet" if zigzag else "crawling, not there yet"


def run_descent(gradient_descent, name, start, lr, steps):
    """The student's gradient_descent on SURFACES[name], checked: returns a (steps + 1, 2) path."""
    w0 = np.array(start, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run overflows; that is drawn, not warned
        path = gradient_descent(SURFACES[name].grad, w0, lr, steps)
    if path is None:
        raise ValueError("gradient_descent returned None: did you forget `return`?")
    path = np.asarray(path, dtype=float)
    if path.shape != (steps + 1, 2):
        raise ValueError(f"gradient_descent returned shape {path.shape}; for {steps} steps in 2 dimensions "
                         f"it should be {(steps + 1, 2)} (the start and one row per step)")
    return path


def landscape_explorer(gradient_descent, surface="bowl", lr=0.1, steps=30, start=None):
    """Gradient descent on a loss landscape, redrawn live as the controls move.

    gradient_descent(grad_fn, w0, lr, steps) -> (steps + 1, 2): the student's
    function. Controls: the surface (bowl, ravine, bumpy), the learning rate
    (log scale), the number of steps and the start point. Left: the path on
    the contours (clipped where it leaves the plot). Right: the cost per step.
    Returns the LivePlot.
    """
    start = start or SURFACES[surface].start
    wide = widgets.Layout(width="300px")
    controls = {
        "surface": widgets.Dropdown(options=list(SURFACES), value=surface, description="surface", layout=wide),
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-3, max=1, step=0.02, description="learning rate",
                                     readout_format=".3f", style={"description_width": "initial"}, layout=wide),
        "steps": widgets.IntSlider(value=steps, min=1, max=200, description="steps", layout=wide),
        "w1": widgets.FloatSlider(value=start[0], min=LIMITS[0], max=LIMITS[1], step=0.1,
                                  description="start w₁", layout=wide),
        "w2": widgets.FloatSlider(value=start[1], min=LIMITS[0], max=LIMITS[1], step=0.1,
                                  description="start w₂", layout=wide),
    }

    def draw(fig, surface, lr, steps, w1, w2):
        path = run_descent(gradient_descent, surface, (w1, w2), lr, steps)
        ax_path, ax_cost = fig.subplots(1, 2, gridspec_kw=dict(width_ratios=[1, 1.1]))
        draw_surface(ax_path, surface, title=f"{SURFACES[surface].title}: lr = {lr:.3g}, {steps} steps")
        draw_path(ax_path, path)
        ax_path.legend(loc="upper right", fontsize=8, framealpha=0.9)
        costs = path_costs(surface, path)
        # Beyond 1e100 the run has diverged for any practical purpose; drawing such values makes the
        # log axis itself overflow, so they are shown the way plot_curves shows inf: as divergence.
        costs = np.where(costs > 1e100, np.inf, costs)
        plots.plot_curves(ax_cost, {f"lr = {lr:.3g}": costs}, xlabel="step", ylabel="cost",
                          title=verdict(surface, path))
        plots.integer_ticks(ax_cost, "x")
        # Fixed margins instead of tight_layout: measuring every label on each redraw costs
        # a noticeable part of a second, and slider moves must feel immediate.
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.92, wspace=0.22)

    return LivePlot(controls, draw, figsize=(11.0, 4.8),
                    caption="Black dot: the start. Each small dot is one step of your gradient_descent; "
                            "the cross is where it ends, a triangle where it leaves the plot. "
                            "The learning-rate slider moves in factors of ten (log scale).")


def parabola_panels(gradient_descent, rates, axes, c=1.0, w0=-1.5, steps=8, limit=3.0):
    """Gradient descent on the parabola J(w) = c w^2 / 2, one panel per learning rate.

    gradient_descent: the student's function, run from w0 (a single parameter)
    for `steps` steps. Each panel shows the parabola and the iterates as
    numbered dots on it, joined in order, so overshooting is easy to follow.
    Points beyond |w| = limit are cut off: a triangle marks where the path
    leaves. axes: len(rates) axes. Returns the paths, each (steps + 1,).
    """
    ws = np.linspace(-limit, limit, 200)
    color = plots.OKABE_ITO["vermillion"]
    paths = []
    for ax, lr in zip(axes, rates):
        with np.errstate(over="ignore", invalid="ignore"):
            path = gradient_descent(lambda w: c * w, np.array([w0], dtype=float), lr, steps)
        path = np.asarray(path, dtype=float)
        if path.shape != (steps + 1, 1):
            raise ValueError(f"gradient_descent returned shape {path.shape}; for {steps} steps of one parameter "
                             f"it should be {(steps + 1, 1)}")
        w = path[:, 0]
        paths.append(w)
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(w) & (np.abs(w) <= limit)
        m = len(w) if ok.all() else int(np.argmin(ok))
        ax.plot(ws, 0.5 * c * ws ** 2, color="0.55", lw=2, zorder=1)
        shown = w[:m]
        ax.plot(shown, 0.5 * c * shown ** 2, "-o", color=color, ms=6, mec="white", lw=1.5, zorder=3)
        ax.plot(shown[:1], 0.5 * c * shown[:1] ** 2, "o", color="black", ms=8, zorder=4)
        for t, wt in enumerate(shown[:5]):   # the first few steps; later ones crowd together
            ax.annotate(str(t), (wt, 0.5 * c * wt ** 2), textcoords="offset points", xytext=(0, 7),
                        ha="center", fontsize=8, color="0.2")
        factor = 1 - lr * c
        if m < len(w):
            edge = np.sign(w[m]) * limit if np.isfinite(w[m]) else np.sign(shown[-1]) * limit
            ax.plot([shown[-1], edge], [0.5 * c * shown[-1] ** 2, 0.5 * c * limit ** 2], "--", color=color, lw=1.5)
            ax.plot([edge], [0.5 * c * limit ** 2], marker="^", ms=11, color=color, mec="black", clip_on=False, zorder=5)
            note = f"diverges: leaves at step {m}"
        elif factor <= -1 + 1e-12:
            note = "never settles"
        elif factor < 0:
            note = "oscillates, converging"
        elif factor < 0.5:
            note = "converges fast"
        else:
            note = "crawls"
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-0.1 * c * limit ** 2 / 2, 0.5 * c * limit ** 2 * 1.12)
        ax.set_title(f"lr = {lr:g}: {note}")
        ax.set_xlabel("parameter w")
        ax.set_ylabel("cost J(w)")
    return paths


def logistic_mnist_explorer(fit, X, labels, X_test=None, labels_test=None, digit=3, lr=0.1, epochs=60):
    """Logistic regression "one digit against the rest" on MNIST, with a learning-rate slider.

    fit(X, y, lr=..., epochs=...) -> (w, b, costs): the student's
    logistic_regression_fit. X: (n, 784) features in [0, 1]; labels: (n,)
    digits 0-9 (the same for X_test, labels_test, used for the test accuracy).
    Left: the cost per epoch. Right: the learned weights as an image.
    Returns the LivePlot.
    """
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    wide = widgets.Layout(width="300px")
    controls = {
        "digit": widgets.Dropdown(options=list(range(10)), value=digit, description="digit", layout=wide),
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-3, max=2, step=0.05, description="learning rate",
                                     readout_format=".3f", style={"description_width": "initial"}, layout=wide),
        "epochs": widgets.IntSlider(value=epochs, min=5, max=300, step=5, description="epochs", layout=wide),
    }

    def draw(fig, digit, lr, epochs):
        y = (labels == digit).astype(int)
        with np.errstate(over="ignore", invalid="ignore"):
            w, b, costs = fit(X, y, lr=lr, epochs=epochs)
        costs = np.asarray(costs, dtype=float)
        if costs.shape != (epochs,):
            raise ValueError(f"logistic_regression_fit returned {costs.size} costs for {epochs} epochs; "
                             "expected one per epoch")
        w = np.asarray(w, dtype=float).ravel()
        ax_cost, ax_w = fig.subplots(1, 2, gridspec_kw=dict(width_ratios=[1.4, 1]))
        plots.plot_curves(ax_cost, {f"lr = {lr:.3g}": costs}, xlabel="epoch",
                          ylabel="cost (binary cross-entropy)", title=f"is it a {digit}? cost per epoch")
        ax_cost.axhline(np.log(2), color="0.5", lw=1, ls="--")
        ax_cost.text(0.99, np.log(2), "start: log 2", transform=ax_cost.get_yaxis_transform(),
                     ha="right", va="bottom", fontsize=8, color="0.3")
        ax_cost.set_ylim(bottom=0)
        plots.integer_ticks(ax_cost, "x")
        # Predicted class 1 where the probability is at least 0.5, that is where X @ w + b >= 0.
        train_acc = np.mean((X @ w + b >= 0) == y)
        baseline = 1 - y.mean()  # always answering "no"
        lines = [f"training accuracy {train_acc:.1%}"]
        if X_test is not None:
            y_test = (np.asarray(labels_test) == digit).astype(int)
            lines.append(f"test accuracy {np.mean((np.asarray(X_test, float) @ w + b >= 0) == y_test):.1%}")
        lines.append(f"always 'no': {baseline:.1%}")
        ax_cost.text(0.98, 0.95, "\n".join(lines), transform=ax_cost.transAxes, ha="right", va="top",
                     fontsize=9, bbox=dict(boxstyle="round,pad=0.3", fc="white", ec="0.7"))
        plots.show_weight_image(ax_w, w, title=f"weights: orange says '{digit}'")
        fig.subplots_adjust(left=0.08, right=0.95, bottom=0.13, top=0.92, wspace=0.15)  # cheaper than tight_layout

    return LivePlot(controls, draw, figsize=(10.5, 4.2),
                    caption="Each move retrains from zero weights with your logistic_regression_fit. "
                            "The dashed line is the cost of the all-zero start, log 2.")
