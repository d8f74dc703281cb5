"""Pictures of computation graphs (lesson 04) and of layered networks (lesson 05).

`draw_graph` draws the graph behind any scalar autograd value, for example
the `Value` class students write in lesson 04: anything with `.data`,
`._prev` (the values it was computed from) and `._op` (a short string such
as "+"), and optionally `.grad` and `.label`. `Node` is a drawing-only
stand-in for graphs worked out by hand before that class exists.

Values are boxes ("label | data | grad"), operations are circles, and the
graph flows from the inputs on the left to the output on the right. Colours
come from the course's colour-blind-safe palette in `utils.plots`.
"""

from dataclasses import dataclass, field

import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .plots import GREY, OKABE_ITO, PALE

# Layout units (data coordinates of the axes): one column per value or operation.
_COLUMN = 1.55
_ROW = 1.15
_BOX_W, _BOX_H = 1.15, 0.78
_OP_R = 0.26


@dataclass(eq=False)
class Node:
    """A value in a hand-drawn computation graph: Node(4.0, (a, b), "*", label="e").

    Nothing is computed: `data` and `grad` are whatever you put there. Use it to
    draw a graph before you have an autograd engine.
    """

    data: float
    _prev: tuple = ()
    _op: str = ""
    label: str = ""
    grad: float | None = None

    def __post_init__(self):
        self._prev = tuple(self._prev)


@dataclass
class Graph:
    """The graph behind one output, ready to draw.

    values: every value node once, the output first, then breadth-first towards the inputs.
        This is deliberately *not* a topological order: finding one is part of lesson 04's
        exercise (Value.topological_order), so the drawing code must not hand it out;
    ops: {id(value): its operation string} for values made by an operation;
    inputs: {id(value): the values it was computed from, distinct, in order};
    repeats: how often an input enters the same operation, where more than once (x * x).
    Keys are ids, so value classes that redefine == or hashing work too.
    """

    values: list
    ops: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    repeats: dict = field(default_factory=dict)  # {(id(result), id(input)): n} when an input is used n > 1 times

    @property
    def edges(self):
        """(input value, result value) pairs, one per distinct input of each operation."""
        return [(child, v) for v in self.values for child in self.inputs.get(id(v), ())]


def _children(value):
    """The distinct inputs of a value, in a stable order (micrograd keeps them in a set)."""
    raw = getattr(value, "_prev", ()) or ()
    prev = list(raw)
    if isinstance(raw, (set, frozenset)):
        prev.sort(key=lambda v: (str(getattr(v, "label", "")), float(v.data)))
    unique = []
    for child in prev:
        if not any(child is u for u in unique):
            unique.append(child)
    return unique


def trace(root):
    """The Graph that produced `root`, found by following `_prev` back to the inputs.

    Works without recursion, so very deep graphs are fine. `values` comes output first,
    breadth-first (not a topological order). Raises TypeError for
    an object that has no `.data`.
    """
    if not hasattr(root, "data"):
        raise TypeError(f"cannot draw {type(root).__name__}: expected a value with .data and ._prev")
    order, seen, head = [root], {id(root)}, 0
    while head < len(order):  # breadth-first from the output, with a list as the queue
        for child in _children(order[head]):
            if id(child) not in seen:
                seen.add(id(child))
                order.append(child)
        head += 1
    graph = Graph(values=order)
    for v in order:
        kids = _children(v)
        if kids:
            graph.inputs[id(v)] = kids
            graph.ops[id(v)] = str(getattr(v, "_op", "") or "?")
            for child in kids:
                n = sum(1 for c in (getattr(v, "_prev", ()) or ()) if c is child)
                if n > 1:
                    graph.repeats[(id(v), id(child))] = n
    return graph


def layout(graph):
    """{key: (x, y)}: key id(value) for a value box, ("op", id(value)) for the circle that made it.

    Columns count steps back from the output, so each input sits just left of the
    operation that uses it; rows place every node near the nodes it feeds.
    """
    consumers = {id(v): [] for v in graph.values}
    for child, parent in graph.edges:
        consumers[id(child)].append(parent)
    # depth: columns from a value to the output (an operation circle takes a column of its own).
    # The longest path to the output, found by relaxing every edge until nothing changes (a few
    # sweeps: values come output first), so the drawing needs no topological order of its own.
    depth = {id(v): 0 for v in graph.values}
    changed = True
    while changed:
        changed = False
        for v in graph.values:
            for child in graph.inputs.get(id(v), ()):
                if depth[id(child)] < depth[id(v)] + 2:
                    depth[id(child)] = depth[id(v)] + 2
                    changed = True
    max_depth = max(depth.values())
    by_column = {}
    for v in graph.values:
        col = max_depth - depth[id(v)]
        by_column.setdefault(col, []).append(id(v))
        if id(v) in graph.ops:
            by_column.setdefault(col - 1, []).append(("op", id(v)))

    pos = {}

    def slot(user, key):
        """(index, count): where value `key` sits among the distinct inputs of `user` (a before b in a*b)."""
        kids = graph.inputs[id(user)]
        return next(i for i, c in enumerate(kids) if id(c) == key), len(kids)

    def wanted_row(key, col):
        """Where a node would like to sit: near the nodes it feeds, the distant ones pulling harder
        (so a long edge stays nearly level and clear of the nodes in between)."""
        if isinstance(key, tuple):  # an operation circle sits level with its result
            return pos[key[1]][1]
        rows, weights = [], []
        for u in consumers[key]:
            i, k = slot(u, key)
            ox, oy = pos[("op", id(u))]
            # The inputs of one operation fan out above and below it, so no edge hides behind another.
            rows.append(oy + ((k - 1) / 2 - i) * _ROW)
            weights.append(ox / _COLUMN - col)
        return float(np.average(rows, weights=weights)) if rows else 0.0

    def user_top(key):
        if isinstance(key, tuple):
            return 0.0
        return max((pos[("op", id(u))][1] for u in consumers[key]), default=0.0)

    def input_rank(key):
        return 0 if isinstance(key, tuple) else min((slot(u, key)[0] for u in consumers[key]), default=0)

    # Right to left: each node as close as it can get to the mean row of the nodes it feeds.
    for col in sorted(by_column, reverse=True):
        keys = by_column[col]
        wanted = [wanted_row(k, col) for k in keys]
        # Ties: inputs of the higher operation first, then in their written order (a before b in a*b).
        order = sorted(range(len(keys)), key=lambda i: (-round(wanted[i], 6), -user_top(keys[i]),
                                                        input_rank(keys[i])))
        rows, last = [], None
        for i in order:
            y = wanted[i] if last is None else min(wanted[i], last - _ROW)
            rows.append(y)
            last = y
        # Centre the column on the rows it wanted, instead of pushing everything down.
        shift = float(np.mean([wanted[i] for i in order]) - np.mean(rows))
        for i, y in zip(order, rows):
            pos[keys[i]] = (col * _COLUMN, y + shift)
    return pos


def _fmt(x):
    """Three significant digits: enough to follow the arithmetic, short enough to fit a box."""
    return f"{x:.3g}"


def draw_graph(root, ax=None, *, show_grad=True, title="computation graph", highlight=None):
    """Draw the computation graph behind `root` and return the axes.

    root: the output value (a lesson-04 Value, a micrograd Value or a graphs.Node).
    ax: axes to draw on; None makes a figure sized to the graph.
    show_grad: print each value's .grad under its data (skipped where grad is None).
    highlight: values whose boxes are drawn in orange (say, the inputs of interest).
    """
    graph = trace(root)
    pos = layout(graph)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    if ax is None:
        import matplotlib.pyplot as plt
        width = min(11.0, 1.6 + 1.05 * (max(xs) - min(xs)) + _BOX_W)  # about a notebook's width
        height = min(10.0, 1.4 + 0.85 * (max(ys) - min(ys)) + _BOX_H)
        _, ax = plt.subplots(figsize=(width, height))
    highlight = highlight or []
    blue, orange, vermillion = OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["vermillion"]
    texts = []  # (x, y, text, role): written last, in a size that fits the boxes as drawn
    extra_y = []

    def blocker(start, end):
        """The row of a node a straight edge from start to end would cross, or None."""
        for key, (nx, ny) in pos.items():
            half_w, half_h = (_OP_R, _OP_R) if isinstance(key, tuple) else (_BOX_W / 2, _BOX_H / 2)
            if not start[0] + 0.05 < nx < end[0] - 0.05:
                continue
            for t in np.linspace(0, 1, 41):
                px, py = start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1])
                if abs(px - nx) < half_w + 0.05 and abs(py - ny) < half_h + 0.05:
                    return ny
        return None

    def arrow(start, end):
        # An edge that would run behind another node bows away from it (arc3: rad > 0 bends down).
        in_way = blocker(start, end)
        bend = 0.0 if in_way is None else (0.35 if in_way >= (start[1] + end[1]) / 2 else -0.35)
        if bend:  # the middle of the curve, so the axes can make room for it (equal aspect: data ~ display)
            (x1, y1), (x2, y2) = start, end
            extra_y.append((y1 + y2) / 2 - 0.5 * bend * (x2 - x1))
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=11, lw=1.2,
                                     color="0.35", shrinkA=0, shrinkB=0, zorder=1,
                                     connectionstyle=f"arc3,rad={bend}"))

    for v in graph.values:
        x, y = pos[id(v)]
        grad = getattr(v, "grad", None)
        with_grad = show_grad and grad is not None
        marked = any(v is h for h in highlight)
        ax.add_patch(FancyBboxPatch((x - _BOX_W / 2, y - _BOX_H / 2), _BOX_W, _BOX_H,
                                    boxstyle="round,pad=0.02,rounding_size=0.08", lw=1.6, zorder=2,
                                    fc=PALE["orange"] if marked else "white", ec=orange if marked else blue))
        label = str(getattr(v, "label", "") or "")
        top = f"{label} = {_fmt(float(v.data))}" if label else _fmt(float(v.data))
        texts.append((x, y + (0.14 if with_grad else 0), top, "data"))
        if with_grad:
            texts.append((x, y - 0.19, f"grad {_fmt(float(grad))}", "grad"))
        if id(v) in graph.ops:
            ox, oy = pos[("op", id(v))]
            op = graph.ops[id(v)]
            r = _OP_R if len(op) <= 2 else 1.3 * _OP_R  # room for "tanh", "**2"
            ax.add_patch(Circle((ox, oy), r, fc=PALE["blue"], ec=blue, lw=1.4, zorder=2))
            texts.append((ox, oy, op, "op"))
            arrow((ox + r, oy), (x - _BOX_W / 2, y))
            for child in graph.inputs[id(v)]:
                cx, cy = pos[id(child)]
                # Arrows end on the circle's rim, pointing at its centre.
                dx, dy = ox - (cx + _BOX_W / 2), oy - cy
                dist = np.hypot(dx, dy) or 1.0
                arrow((cx + _BOX_W / 2, cy), (ox - r * dx / dist, oy - r * dy / dist))
                n = graph.repeats.get((id(v), id(child)))
                if n:  # the same input enters this operation n times (x * x)
                    texts.append((cx + _BOX_W / 2 + 0.45 * dx, cy + 0.45 * dy + 0.16, f"×{n}", "repeat"))
    ax.set_xlim(min(xs) - _BOX_W / 2 - 0.15, max(xs) + _BOX_W / 2 + 0.15)
    ax.set_ylim(min(ys + extra_y) - _BOX_H / 2 - 0.15, max(ys + extra_y) + _BOX_H / 2 + 0.15)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title)

    # Points per data unit on the page (equal aspect: the tighter of the two directions), so the
    # longest text still fits inside its box (a character is about 0.6 of the font size wide).
    fig_w, fig_h = ax.figure.get_size_inches()
    box = ax.get_position()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    per_unit = 72 * min(box.width * fig_w / (x1 - x0), box.height * fig_h / (y1 - y0))
    longest = max(len(t) for _, _, t, role in texts if role in ("data", "grad"))
    size = float(np.clip(0.9 * _BOX_W * per_unit / (0.6 * longest), 6, 10))
    style = {"data": dict(fontsize=size), "grad": dict(fontsize=0.9 * size, color=vermillion),
             "op": dict(fontsize=size), "repeat": dict(fontsize=0.9 * size, color=vermillion)}
    for x, y, text, role in texts:
        fs = style[role]["fontsize"] * (0.75 if role == "op" and len(text) > 2 else 1.0)
        ax.text(x, y, text, ha="center", va="center", zorder=3, **{**style[role], "fontsize": fs})
    return ax


def draw_network(ax, layer_sizes, *, activation="ReLU", max_units=7, title=None):
    """A layered network with the shape of every weight matrix and bias written under it.

    layer_sizes: [d_in, hidden..., d_out], e.g. [2, 8, 8, 1]. Layers with more
    than max_units units show the first few and a "⋮". Returns the axes.
    """
    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError("layer_sizes needs an input and an output size, all at least 1")
    ax.set_axis_off()
    spacing = 3.0
    shown_rows = []
    for i, size in enumerate(sizes):
        shown = size if size <= max_units else max_units - 1
        ys = np.linspace((shown - 1) / 2, -(shown - 1) / 2, shown) * 0.9
        shown_rows.append(ys)
    # Connections first, so the units sit on top of them.
    for i in range(len(sizes) - 1):
        for y0 in shown_rows[i]:
            for y1 in shown_rows[i + 1]:
                ax.plot([i * spacing, (i + 1) * spacing], [y0, y1], color="0.75", lw=0.6, zorder=1)
    colours = [OKABE_ITO["sky"]] + [OKABE_ITO["orange"]] * (len(sizes) - 2) + [OKABE_ITO["green"]]
    lowest = min(ys.min() for ys in shown_rows)
    for i, (size, ys) in enumerate(zip(sizes, shown_rows)):
        x = i * spacing
        for y in ys:
            ax.add_patch(Circle((x, y), 0.28, fc=colours[i], ec="0.2", lw=1.0, zorder=2))
        if size > max_units:
            ax.text(x, ys.min() - 0.75, "⋮", ha="center", va="center", fontsize=14)
        name = "input" if i == 0 else "output" if i == len(sizes) - 1 else f"hidden {i}"
        ax.text(x, ys.max() + 0.8, f"{name}\n{size} unit{'s' if size != 1 else ''}", ha="center",
                va="bottom", fontsize=9)
        if i < len(sizes) - 1:
            mid = x + spacing / 2
            act = f"then {activation}" if i < len(sizes) - 2 else "no activation"
            ax.text(mid, lowest - 1.3, f"$W_{i + 1}$: ({sizes[i]}, {sizes[i + 1]})\n"
                    f"$b_{i + 1}$: ({sizes[i + 1]},)\n{act}", ha="center", va="top", fontsize=9,
                    bbox=dict(boxstyle="round,pad=0.3", fc="white", ec=OKABE_ITO["blue"], lw=1))
    top = max(ys.max() for ys in shown_rows)
    ax.set_xlim(-1.2, (len(sizes) - 1) * spacing + 1.2)
    ax.set_ylim(lowest - 3.1, top + 1.9)
    ax.set_aspect("equal")
    ax.set_title(title or f"a {'-'.join(map(str, sizes))} network and the shapes of its parameters")
    return ax


def draw_forward_backward(ax, stages, forward, backward, params=None, *, title=None):
    """The forward/backward pattern as a pipeline of layers.

    stages: the layers, left to right, e.g. ["linear 1", "ReLU", "linear 2", "loss"].
    forward: len(stages) + 1 labels of what flows forward: the input, then each stage's output.
    backward: len(stages) + 1 labels of the gradients flowing back, one under each forward label.
    params: for each stage, the label of its parameter gradients ("dW₁, db₁") or None.
    Forward arrows run along the top, backward arrows along the bottom, and every
    box keeps a cache from its forward call for its backward call. Returns the axes.
    """
    n = len(stages)
    if len(forward) != n + 1 or len(backward) != n + 1:
        raise ValueError("forward and backward need one label more than there are stages")
    params = params or [None] * n
    blue, vermillion, green = OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["green"]
    ax.set_axis_off()
    step, w, h = 2.6, 1.5, 1.5
    centres = [1.6 + i * step for i in range(n)]
    for i, (x, name) in enumerate(zip(centres, stages)):
        ax.add_patch(FancyBboxPatch((x - w / 2, -h / 2), w, h, boxstyle="round,pad=0.03,rounding_size=0.12",
                                    fc=GREY["pale"], ec="0.3", lw=1.4, zorder=2))
        ax.text(x, 0.28, name, ha="center", va="center", fontsize=10, weight="bold", zorder=3)
        ax.text(x, -0.3, "cache", ha="center", va="center", fontsize=8, color=green, zorder=3,
                bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=green, lw=1, ls="--"))
        if params[i]:
            ax.text(x, -h / 2 - 0.95, params[i], ha="center", va="top", fontsize=9, color=vermillion)
            ax.annotate("", xy=(x, -h / 2 - 0.9), xytext=(x, -h / 2),
                        arrowprops=dict(arrowstyle="->", color=vermillion, lw=1.2))
    edges = [centres[0] - step] + centres + [centres[-1] + step]
    for j in range(n + 1):
        left = edges[j] + (w / 2 if j > 0 else 0.4)
        right = edges[j + 1] - (w / 2 if j < n else 0.4)
        ax.annotate("", xy=(right, 0.45), xytext=(left, 0.45), arrowprops=dict(arrowstyle="-|>", color=blue, lw=1.6))
        ax.text((left + right) / 2, 0.62, forward[j], ha="center", va="bottom", fontsize=10, color=blue)
        ax.annotate("", xy=(left, -0.45), xytext=(right, -0.45),
                    arrowprops=dict(arrowstyle="-|>", color=vermillion, lw=1.6))
        ax.text((left + right) / 2, -0.62, backward[j], ha="center", va="top", fontsize=10, color=vermillion)
    ax.text(edges[0] + 0.1, 1.35, "forward: out, cache = layer_forward(input)", fontsize=9, color=blue)
    ax.text(edges[0] + 0.1, -2.35, "backward: d input (and d params) = layer_backward(d out, cache)",
            fontsize=9, color=vermillion)
    ax.set_xlim(edges[0] - 0.1, edges[-1] + 0.1)
    ax.set_ylim(-2.6, 1.7)
    ax.set_aspect("equal")
    ax.set_title(title or "every layer: a forward call that keeps a cache, a backward call that uses it")
    return ax
