"""Plotting helpers shared by the lessons.

Every plot gets a title and labelled axes. Colours come from the Okabe-Ito
palette and continuous maps from cividis/viridis, so students with colour
vision deficiency can read them; classes differ in marker shape as well.
"""

import io

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.ticker import MaxNLocator

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "purple": "#CC79A7", "sky": "#56B4E9", "yellow": "#F0E442", "black": "#000000",
}
# Class k is always CLASS_COLORS[k]: class 0 blue, class 1 orange, in every lesson.
CLASS_COLORS = [OKABE_ITO[c] for c in ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow", "black")]
CLASS_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
# Pale tints of the palette's blue and orange (backgrounds, filled regions, highlighted boxes), and greys.
PALE = {"blue": "#CCE3F0", "orange": "#F8E6BF"}
GREY = {"dark": "0.3", "mid": "0.5", "light": "#DDDDDD", "pale": "#F3F3F3"}
# Filled decision regions: the pale class colours.
REGION_CMAP = ListedColormap([PALE["blue"], PALE["orange"]])
# The colour maps of the course, each for one kind of picture (tests/test_palette.py keeps to them):
PROBABILITY_CMAP = LinearSegmentedColormap.from_list(  # P(class 1): class 0's blue, white at 0.5, class 1's orange
    "blue_white_orange", [OKABE_ITO["blue"], "#FFFFFF", OKABE_ITO["orange"]])
SIGNED_CMAP = "PuOr_r"  # signed numbers centred on 0 (weights, filters): orange positive, purple negative
HEATMAP_CMAP = "cividis"  # magnitudes (costs over a landscape, counts, activations)
IMAGE_CMAP = "gray_r"  # digits: ink dark on white


def setup(retina=True):
    """Course-wide figure style; call once at the top of a lesson."""
    plt.rcParams.update({
        "figure.figsize": (6.0, 4.0),
        "figure.dpi": 100,
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": matplotlib.cycler(color=CLASS_COLORS),
        "image.cmap": HEATMAP_CMAP,
        "legend.frameon": False,
    })
    if retina:
        try:
            from matplotlib_inline.backend_inline import set_matplotlib_formats
            set_matplotlib_formats("retina")
        except Exception:  # not in IPython: nothing to configure
            pass


def figure_png(fig, dpi=None):
    """The figure rendered as PNG bytes (used by the widgets, and by tests).

    Light compression: the same pixels, a slightly larger file, and about a quarter less time
    per widget redraw than zlib's default (the picture only travels to the browser).
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi, bbox_inches="tight", pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def scatter_classes(ax, X, y, class_names=None, size=60, edge="white"):
    """Points of a 2-D data set, one colour and marker per class.

    X: (n, 2); y: (n,) ints in [0, k).
    """
    X, y = np.asarray(X), np.asarray(y).astype(int)
    for k in np.unique(y):
        name = class_names[k] if class_names is not None else f"class {k}"
        pts = X[y == k]
        ax.scatter(pts[:, 0], pts[:, 1], s=size, c=CLASS_COLORS[k % len(CLASS_COLORS)],
                   marker=CLASS_MARKERS[k % len(CLASS_MARKERS)], edgecolors=edge, linewidths=0.8,
                   label=name, zorder=3)
    return ax


def grid_over(X, padding=0.5, resolution=200, xlim=None, ylim=None):
    """A regular grid covering the data: returns (xx, yy, points) with points of shape (resolution**2, 2)."""
    X = np.asarray(X, dtype=float)
    x0, x1 = xlim or (X[:, 0].min() - padding, X[:, 0].max() + padding)
    y0, y1 = ylim or (X[:, 1].min() - padding, X[:, 1].max() + padding)
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def plot_decision_regions(ax, predict, X, y=None, *, kind="class", padding=0.5, resolution=200,
                          xlim=None, ylim=None, class_names=None):
    """Shade the plane by the model's output and draw the data on top.

    predict: maps an (m, 2) array to (m,) class labels (kind="class") or to
    probabilities of class 1 in [0, 1] (kind="prob").
    """
    xx, yy, pts = grid_over(X, padding, resolution, xlim, ylim)
    out = np.asarray(predict(pts), dtype=float).reshape(xx.shape)
    if kind == "class":
        ax.contourf(xx, yy, out, levels=[-0.5, 0.5, 1.5], cmap=REGION_CMAP, zorder=0)
    else:
        cs = ax.contourf(xx, yy, out, levels=np.linspace(0, 1, 11), cmap=PROBABILITY_CMAP, alpha=0.35, zorder=0)
        ax.contour(xx, yy, out, levels=[0.5], colors="k", linewidths=1.5, zorder=1)
        ax.figure.colorbar(cs, ax=ax, label="P(class 1)")
    if y is not None:
        scatter_classes(ax, X, y, class_names)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    # At most about six ticks a side, so labels such as "−0.50" never run into each other.
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6))
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def plot_linear_boundary(ax, w, b, *, color="k", label="$w \\cdot x + b = 0$", arrow=True):
    """Draw the line w1*x1 + w2*x2 + b = 0 across the current axes, with w as an arrow.

    Handles vertical lines and w = 0 (then there is no line: every point is on one side).
    """
    w = np.asarray(w, dtype=float).ravel()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    if np.allclose(w, 0):
        ax.text(0.5, 0.02, "w = 0: no boundary, one prediction everywhere", transform=ax.transAxes,
                ha="center", va="bottom", fontsize=9)
        return ax
    if abs(w[1]) > 1e-12:
        xs = np.array([x0, x1])
        ax.plot(xs, -(w[0] * xs + b) / w[1], color=color, lw=2, label=label, zorder=2)
    else:
        ax.axvline(-b / w[0], color=color, lw=2, label=label, zorder=2)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if arrow:
        # The arrow starts at the point of the line closest to the middle of the view.
        mid = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        foot = mid - (w @ mid + b) / (w @ w) * w
        step = 0.15 * min(x1 - x0, y1 - y0) * w / np.linalg.norm(w)
        ax.annotate("", xy=foot + step, xytext=foot, arrowprops=dict(arrowstyle="->", color=color, lw=1.5))
        ax.text(*(foot + 1.2 * step), "w", fontsize=10, color=color)
    return ax


def plot_curves(ax, curves, *, xlabel="epoch", ylabel="loss", title=None, logy="auto"):
    """Training curves: curves is {label: sequence of numbers}.

    Values that overflowed (inf or nan, as when training diverges) are not
    drawn; the curve ends with a cross and the legend says it diverged.
    logy="auto" switches to a log scale when the values span more than a
    factor of 1000, so an exploding curve does not flatten the others.
    """
    finite_values = [v for vals in curves.values() for v in np.asarray(vals, dtype=float).ravel() if np.isfinite(v)]
    if logy == "auto":
        positive = [v for v in finite_values if v > 0]
        logy = len(positive) == len(finite_values) > 0 and max(positive) > 1000 * min(positive)
    for i, (label, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=float)
        finite = np.isfinite(values)
        color = CLASS_COLORS[i % len(CLASS_COLORS)]
        steps = np.arange(len(values))
        if finite.all():
            ax.plot(steps, values, color=color, label=label)
        else:
            last = int(np.argmax(~finite))  # the first value that overflowed
            ax.plot(steps[:last], values[:last], color=color, label=f"{label} (diverged)")
            if last > 0:
                ax.plot(steps[last - 1], values[last - 1], "x", color=color, ms=10, mew=2)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or f"{ylabel} per {xlabel}")
    if curves:
        ax.legend()
    return ax


def show_digits(images, labels=None, predictions=None, ncols=10, title=None, size=1.0, class_names=None):
    """A grid of 28x28 images; a wrong prediction is titled in vermillion as 'pred (true)'.

    images: (n, 28, 28) or (n, 784). Returns the figure.
    """
    images = np.asarray(images)
    n = len(images)
    images = images.reshape(n, 28, 28) if images.ndim == 2 else images
    ncols = max(1, min(ncols, n))
    nrows = max(1, int(np.ceil(n / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.15), squeeze=False)
    name = (lambda k: class_names[k]) if class_names is not None else str
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i], cmap=IMAGE_CMAP, vmin=0, vmax=images.max() or 1)
        if predictions is not None:
            wrong = labels is not None and predictions[i] != labels[i]
            text = f"{name(predictions[i])} ({name(labels[i])})" if wrong else name(predictions[i])
            ax.set_title(text, fontsize=8, color=OKABE_ITO["vermillion"] if wrong else "black")
        elif labels is not None:
            ax.set_title(name(labels[i]), fontsize=8)
    fig.suptitle(title or "digits", fontsize=11)
    fig.tight_layout()
    return fig


def show_weight_image(ax, weights, title="weights", shape=(28, 28)):
    """One weight vector drawn as an image: positive in one colour, negative in the other, 0 white."""
    img = np.asarray(weights, dtype=float).reshape(shape)
    limit = np.abs(img).max() or 1.0
    im = ax.imshow(img, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="weight")
    return ax


def draw_neuron(ax, n_inputs=3, activation="step"):
    """A diagram of one neuron: inputs, weights, the sum with its bias, the activation, the output."""
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.5, n_inputs + 0.5)
    ys = np.linspace(n_inputs - 0.2, 0.2, n_inputs)
    centre = (n_inputs) / 2
    box = dict(boxstyle="circle,pad=0.4", fc="white", ec=OKABE_ITO["blue"], lw=2)
    for i, y_ in enumerate(ys, 1):
        ax.text(1, y_, f"$x_{i}$", ha="center", va="center", fontsize=13, bbox=box)
        ax.annotate("", xy=(4.4, centre), xytext=(1.5, y_), arrowprops=dict(arrowstyle="->", color="0.3", lw=1.3))
        ax.text(2.7, y_ + (centre - y_) * 0.45 + 0.12, f"$w_{i}$", fontsize=12, color=OKABE_ITO["vermillion"])
    ax.text(5, centre, "$\\Sigma$", ha="center", va="center", fontsize=18,
            bbox=dict(boxstyle="circle,pad=0.5", fc="#F8E6BF", ec=OKABE_ITO["orange"], lw=2))
    ax.text(5, centre - 0.95, "$z = w \\cdot x + b$", ha="center", fontsize=11)
    ax.annotate("", xy=(5, centre + 0.45), xytext=(5, centre + 1.2), arrowprops=dict(arrowstyle="->", color="0.3"))
    ax.text(5, centre + 1.3, "bias $b$", ha="center", fontsize=11, color=OKABE_ITO["vermillion"])
    ax.annotate("", xy=(7.0, centre), xytext=(5.6, centre), arrowprops=dict(arrowstyle="->", color="0.3", lw=1.3))
    ax.text(7.6, centre, activation, ha="center", va="center", fontsize=11,
            bbox=dict(boxstyle="round,pad=0.4", fc="white", ec=OKABE_ITO["green"], lw=2))
    ax.annotate("", xy=(9.4, centre), xytext=(8.3, centre), arrowprops=dict(arrowstyle="->", color="0.3", lw=1.3))
    ax.text(9.7, centre, "$\\hat y$", ha="center", va="center", fontsize=13)
    ax.set_title("one neuron: weigh, add, decide")
    return ax


def integer_ticks(ax, axis="x"):
    """Only whole-number ticks on an axis (epochs, counts)."""
    from matplotlib.ticker import MaxNLocator
    getattr(ax, f"{axis}axis").set_major_locator(MaxNLocator(integer=True))
    return ax
