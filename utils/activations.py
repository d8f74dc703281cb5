"""Widgets for lesson 02: activation functions, their slopes, and gradients through depth.

Both widgets draw what the student's own functions compute. Pass them as a
dict {display name: (f, f_grad)}, for example
``{"sigmoid": (sigmoid, sigmoid_grad), "leaky ReLU": (leaky_relu, leaky_relu_grad)}``.
A function with an ``alpha`` parameter (leaky ReLU) is called with the
value of the widget's alpha slider; the others are called as ``f(z)``.
"""

import inspect

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from . import plots
from .widgets import LivePlot

# Slopes that differ from the centred-difference estimate by more than this are flagged.
SLOPE_TOLERANCE = 1e-3


def takes_alpha(f):
    """True if f has a parameter called alpha (so it is a leaky ReLU or similar)."""
    try:
        return "alpha" in inspect.signature(f).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


def evaluate(f, z, alpha=0.01, name=None):
    """f(z) (or f(z, alpha=alpha)) as a float array of z's shape; a clear error otherwise.

    z: array of any shape. Raises ValueError if f returns another shape, so a
    widget can say "sigmoid returned shape (1,) for 401 inputs" instead of
    failing somewhere inside matplotlib.
    """
    z = np.asarray(z, dtype=float)
    out = f(z.copy(), alpha=alpha) if takes_alpha(f) else f(z.copy())
    if out is None:
        raise ValueError(f"{name or getattr(f, '__name__', 'the function')} returned None: "
                         "did you forget `return`?")
    out = np.asarray(out, dtype=float)
    if out.shape != z.shape:
        raise ValueError(f"{name or getattr(f, '__name__', 'the function')} returned shape {out.shape} "
                         f"for an input of shape {z.shape}; it must keep the shape of z")
    return out


def numerical_slope(f, z, alpha=0.01, h=1e-5):
    """Centred-difference estimate of f'(z): (f(z + h) - f(z - h)) / 2h, elementwise."""
    z = np.asarray(z, dtype=float)
    return (evaluate(f, z + h, alpha) - evaluate(f, z - h, alpha)) / (2 * h)


def slopes_through_depth(f, f_grad, depth, w=1.0, b=0.0, x0=0.5, alpha=0.01):
    """Follow a chain of `depth` one-neuron layers, a_l = f(w * a_(l-1) + b), starting at a_0 = x0.

    Returns (a, gradient): a has shape (depth + 1,) (a[0] = x0); gradient[l - 1]
    for l = 1..depth is d a_depth / d a_(l-1) = prod over k = l..depth of w * f'(z_k),
    the factor by which the output responds to a small change entering layer l.
    """
    a = np.empty(depth + 1)
    z = np.empty(depth)
    a[0] = x0
    for layer in range(depth):  # a loop over layers, not over examples: each needs the previous one
        z[layer] = w * a[layer] + b
        a[layer + 1] = evaluate(f, z[layer:layer + 1], alpha)[0]
    factors = w * evaluate(f_grad, z, alpha)
    # The gradient reaching layer l multiplies the factors of every layer from l to the top.
    gradient = np.cumprod(factors[::-1])[::-1]
    return a, gradient


def _dropdown(options, value, description):
    return widgets.Dropdown(options=list(options), value=value, description=description,
                            layout=widgets.Layout(width="220px"))


def _float_slider(description, value, lo, hi, step, fmt=".2f"):
    return widgets.FloatSlider(value=value, min=lo, max=hi, step=step, description=description,
                               readout_format=fmt, continuous_update=True,
                               layout=widgets.Layout(width="280px"))


def activation_explorer(functions, start=None, z0=1.0, z_range=6.0, alpha=0.1):
    """Pick an activation and see it with its tangent at z0, next to its slope.

    functions: {name: (f, f_grad)}, the student's functions. Left: f(z) and
    the tangent line at z0, whose slope is f_grad(z0). Right: f_grad(z) and,
    dotted, the slope measured from f by centred differences; where the two
    disagree the figure says so. Returns the LivePlot.
    """
    functions = dict(functions)
    names = list(functions)
    controls = {
        "name": _dropdown(names, start or names[0], "activation"),
        "z0": _float_slider("tangent at z", z0, -8.0, 8.0, 0.1, ".1f"),
        "z_range": _float_slider("z from ± ", z_range, 1.0, 10.0, 0.5, ".1f"),
        "alpha": _float_slider("leaky α", alpha, 0.0, 0.5, 0.01),
    }

    def draw(fig, name, z0, z_range, alpha):
        f, f_grad = functions[name]
        z = np.linspace(-z_range, z_range, 401)
        a, slope = evaluate(f, z, alpha, name), evaluate(f_grad, z, alpha, f"the slope of {name}")
        a0 = evaluate(f, np.array([z0]), alpha, name)[0]
        s0 = evaluate(f_grad, np.array([z0]), alpha, f"the slope of {name}")[0]
        measured = numerical_slope(f, z, alpha)

        ax_f, ax_g = fig.subplots(1, 2)
        blue, orange, vermillion = (plots.OKABE_ITO[c] for c in ("blue", "orange", "vermillion"))
        ax_f.plot(z, a, color=blue, lw=2.5, label=f"{name}(z)")
        # The tangent touches the curve at z0 and has the slope your gradient function reports.
        half = 0.3 * z_range
        zt = np.array([z0 - half, z0 + half])
        ax_f.plot(zt, a0 + s0 * (zt - z0), "--", color=orange, lw=2, label=f"tangent, slope {s0:.3g}")
        ax_f.plot([z0], [a0], "o", color=orange, ms=8, zorder=4)
        ax_f.set_xlim(-z_range, z_range)
        lo, hi = np.nanmin(a), np.nanmax(a)
        pad = 0.15 * (hi - lo or 1.0)
        ax_f.set_ylim(lo - pad, hi + pad)
        ax_f.axhline(0, color="0.6", lw=0.8)
        ax_f.axvline(0, color="0.6", lw=0.8)
        ax_f.set_title(f"{name}(z) and its tangent at z = {z0:.1f}")
        ax_f.set_xlabel("z (weighted sum)")
        ax_f.set_ylabel("activation")
        ax_f.legend(loc="upper left", fontsize=9)

        ax_g.plot(z, slope, color=blue, lw=2.5, label="your slope function")
        ax_g.plot(z, measured, ":", color=vermillion, lw=2, label="measured: centred differences")
        ax_g.plot([z0], [s0], "o", color=orange, ms=8, zorder=4)
        ax_g.set_xlim(-z_range, z_range)
        top = max(1.0, float(np.nanmax(slope)), float(np.nanmax(measured)))
        bottom = min(0.0, float(np.nanmin(slope)), float(np.nanmin(measured)))
        # Head room above the curves for the legend, which sits top left where every slope is low.
        ax_g.set_ylim(bottom - 0.1 * (top - bottom), top + 0.4 * (top - bottom))
        ax_g.axhline(0, color="0.6", lw=0.8)
        ax_g.axvline(0, color="0.6", lw=0.8)
        ax_g.set_title(f"slope of {name}: {s0:.3g} at z = {z0:.1f}")
        ax_g.set_xlabel("z (weighted sum)")
        ax_g.set_ylabel("slope d activation / dz")
        ax_g.legend(loc="upper left", fontsize=9)
        # Away from kinks (z = 0 for ReLU) the two slopes must agree.
        away_from_kink = np.abs(z) > 0.05
        gap = np.nanmax(np.abs(slope - measured)[away_from_kink])
        if not np.isfinite(gap) or gap > SLOPE_TOLERANCE:
            ax_g.text(0.5, 0.04, "your slope and the measured slope disagree:\ncheck the slope function",
                      transform=ax_g.transAxes, ha="center", va="bottom", fontsize=9, color=vermillion,
                      bbox=dict(fc="white", ec=vermillion))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.92, wspace=0.22)  # cheaper than tight_layout

    return LivePlot(controls, draw, figsize=(11.0, 4.2),
                    caption="Left: the activation and its tangent at the orange point. Right: your slope "
                            "function (solid) and the slope measured from the activation (dotted); "
                            "they should lie on top of each other. α only affects leaky ReLU.")


def depth_explorer(functions, depth=20, w=1.0, b=0.0, x0=0.5, alpha=0.01):
    """A chain of one-neuron layers: how the gradient shrinks or grows with depth.

    functions: {name: (f, f_grad)}. For each activation, the chain
    a_l = f(w * a_(l-1) + b) starts at a_0 = x0. Left: the activations along
    the chain. Right (log scale): the gradient reaching each layer, the
    product of w * f'(z_k) over that layer and every layer above it. A
    gradient of exactly zero (a dead ReLU) is drawn with crosses below the
    smallest nonzero value. Returns the LivePlot.
    """
    functions = dict(functions)
    controls = {
        "depth": widgets.IntSlider(value=depth, min=1, max=60, description="layers",
                                   continuous_update=True, layout=widgets.Layout(width="280px")),
        "w": _float_slider("weight w", w, 0.25, 4.0, 0.05),
        "b": _float_slider("bias b", b, -2.0, 2.0, 0.05),
    }
    styles = ["-", "--", "-.", ":"]  # lines that coincide (ReLU and leaky ReLU often do) stay visible

    def draw(fig, depth, w, b):
        ax_a, ax_g = fig.subplots(1, 2)
        layers = np.arange(1, depth + 1)
        chains = {}
        for name, (f, f_grad) in functions.items():
            with np.errstate(over="ignore", invalid="ignore"):  # w > 1 can explode: that is the point
                chains[name] = slopes_through_depth(f, f_grad, depth, w, b, x0, alpha)
        sizes = np.concatenate([np.abs(g) for _, g in chains.values()])
        positive = sizes[(sizes > 0) & np.isfinite(sizes)]
        # Zeros (a dead ReLU) cannot sit on a log axis: draw them a little below everything else.
        floor = positive.min() / 100 if positive.size else 1e-6
        for i, (name, (a, gradient)) in enumerate(chains.items()):
            color = plots.CLASS_COLORS[i % len(plots.CLASS_COLORS)]
            marker = plots.CLASS_MARKERS[i % len(plots.CLASS_MARKERS)]
            style = styles[i % len(styles)]
            ax_a.plot(np.arange(depth + 1), a, marker=marker, ms=4, ls=style, color=color, label=name)
            size = np.abs(gradient)
            dead = size == 0
            shown = np.where(dead, floor, np.nan_to_num(size, nan=1e300, posinf=1e300))
            label = name + (" (reaches 0: drawn as ×)" if dead.any() else "")
            ax_g.semilogy(layers, shown, marker=marker, ms=4, ls=style, color=color, label=label)
            if dead.any():
                ax_g.plot(layers[dead], shown[dead], "x", color=color, ms=9, mew=2)
        ax_a.set_title(f"activation along a chain of {depth} neurons")
        ax_a.set_xlabel("layer l (0 = input)")
        ax_a.set_ylabel("activation $a_l$")
        plots.integer_ticks(ax_a, "x")
        ax_g.axhline(1.0, color="0.4", lw=1, ls="--")
        ax_g.set_title(f"gradient reaching each layer (w = {w:.2f}, b = {b:.2f})")
        ax_g.set_xlabel("layer l (1 = first)")
        ax_g.set_ylabel("gradient size (log scale)")
        plots.integer_ticks(ax_g, "x")
        # A handful of decades is enough, and each label of a log axis is costly to lay out.
        ax_g.yaxis.set_major_locator(LogLocator(numticks=6))
        ax_g.yaxis.set_minor_locator(NullLocator())
        # One legend for both panels, below them, so it never hides a curve.
        fig.legend(*ax_g.get_legend_handles_labels(), loc="lower center", ncol=len(functions), fontsize=9)
        # Fixed margins: tight_layout would measure every label again on each slider move.
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.2, top=0.92, wspace=0.25)

    return LivePlot(controls, draw, figsize=(11.0, 4.2),
                    caption="Each layer multiplies the gradient on its way back by w·f′(z). "
                            "Below the dashed line the early layers learn more slowly than the late ones; "
                            "far above it the gradient explodes.")
