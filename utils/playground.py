"""A neural-network playground in the spirit of TensorFlow Playground, for lesson 05.

Pick a 2-D data set, its noise and the train/test split; pick the network
(hidden layers, units, activation) and the training (learning rate, batch
size); then train step by step or press Play and watch the decision
boundary and the train and test losses change.

The network is always the student's own code: the `mlp_forward`,
`mlp_backward`, `init_params`, `sgd_step` and `fit` passed to `Playground`, with
the conventions of the syllabus; `fit` (their training loop) does every step of
training. Their mlp_forward puts relu_forward between the layers; for another
activation the playground runs the same functions with the pair given in
`activations` ({name: (forward, backward)}, in the interface of relu_forward and
relu_backward) wherever they call relu_forward and relu_backward. L2 weight
decay adds `weight_decay(W, lam)`, a function the lesson passes in, to every dW
before the student's sgd_step. Nothing here computes a network, a gradient or a
training step by itself, so utils holds no answer to an exercise.

Input features in the spirit of TensorFlow Playground (x1, x2, x1², x2², x1·x2,
sin x1, sin x2) are made from the two coordinates by `input_features`; the
network sees only the features that are ticked.

The widget is a `utils.widgets.LivePlot`: every change redraws a PNG, and a
failing student function shows its error in place of the figure. Tests drive
it without a browser: set `controls[...].value`, call `train(steps)` or
`train_button.click()`, advance `play.value`, and compare `last_png`.
"""

import types

import ipywidgets as widgets
import numpy as np

from . import plots, toy
from .widgets import LivePlot

ACTIVATIONS = ("ReLU", "tanh", "sigmoid", "linear")
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (("1", 1), ("4", 4), ("10", 10), ("30", 30), ("all", 0))  # 0: the whole training set
L2_STRENGTHS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1)
# The input features a network may see, made from the coordinates (x1, x2) of each point.
FEATURES = {
    "x1": ("x₁", lambda X: X[:, 0]),
    "x2": ("x₂", lambda X: X[:, 1]),
    "x1^2": ("x₁²", lambda X: X[:, 0] ** 2),
    "x2^2": ("x₂²", lambda X: X[:, 1] ** 2),
    "x1*x2": ("x₁x₂", lambda X: X[:, 0] * X[:, 1]),
    "sin x1": ("sin x₁", lambda X: np.sin(X[:, 0])),
    "sin x2": ("sin x₂", lambda X: np.sin(X[:, 1])),
}
# Blue for class 0, orange for class 1, as in every other course figure (Okabe-Ito, colour-blind safe).
PROBABILITY_CMAP = plots.PROBABILITY_CMAP

# Controls whose change starts a new network; learning rate and batch size only change training.
_STRUCTURAL = ("dataset", "noise", "train_percent", "hidden_layers", "units", "activation", "seed",
               *(f"feature {name}" for name in FEATURES))


def input_features(X, names):
    """The columns the network sees: one per feature name (keys of FEATURES), in the order given.

    X: (n, 2) points. Returns an (n, len(names)) float array.
    """
    X = np.asarray(X, dtype=float)
    unknown = [name for name in names if name not in FEATURES]
    if unknown:
        raise ValueError(f"unknown input feature {unknown[0]!r}: choose from {list(FEATURES)}")
    if not names:
        raise ValueError("tick at least one input feature")
    return np.column_stack([FEATURES[name][1](X) for name in names])


# ---------------------------------------------------------------------------
# The loss, and the student's network with another activation
# ---------------------------------------------------------------------------

def logistic_loss(out, y):
    """Mean binary cross-entropy of the logits `out` and its gradient.

    out: (n, 1) logits (the network's output, no activation); y: (n,) labels 0/1.
    Returns (loss, dout) with dout of shape (n, 1): the gradient of the mean
    loss, (p - y) / n where p is the probability of class 1. Stable for logits
    of any size.
    """
    z = np.asarray(out, dtype=float).reshape(len(y), -1)[:, 0]
    y = np.asarray(y, dtype=float)
    loss = np.mean(np.logaddexp(0.0, z) - y * z)  # log(1 + e^z) - y z, without overflow
    p = np.exp(-np.logaddexp(0.0, -z))  # 1 / (1 + e^-z), without overflow
    return float(loss), ((p - y) / len(y)).reshape(-1, 1)


def _global_names(code):
    """Every global name a function's code (or code nested in it: comprehensions, lambdas) reads."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _swapped(function, replacements, what):
    """A copy of the student's `function` that finds the objects in `replacements` under their names.

    The copy has its own copy of the function's globals, so the student's notebook is untouched.
    """
    code = getattr(function, "__code__", None)
    if not isinstance(function, types.FunctionType) or code is None:
        raise TypeError(f"the {what} activation needs {getattr(function, '__name__', function)!r} to be a "
                        "plain Python function")
    missing = [name for name in replacements if name not in _global_names(code)]
    if missing:
        def explain(*args, **kwargs):
            function(*args, **kwargs)  # unfinished code says so first
            raise ValueError(f"the {what} activation runs your {function.__name__} with {missing[0]} swapped "
                             f"for {what}'s pair, but your {function.__name__} never calls {missing[0]}")
        return explain
    namespace = {**function.__globals__, **replacements}
    copy = types.FunctionType(code, namespace, function.__name__, function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


# ---------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------

class Playground:
    """Train a small network on 2-D data and watch it learn.

    mlp_forward(X, params) -> (out, caches), mlp_backward(dout, caches) ->
    [(dW, db)], init_params(layer_sizes, seed) and sgd_step(params, grads, lr):
    the student's functions (ReLU between layers, none after the last).
    activations: {name: (forward, backward)} for the activations other than
    ReLU, in the interface of relu_forward(Z) -> (A, cache) and
    relu_backward(dA, cache) -> dZ; the network then runs mlp_forward and
    mlp_backward with that pair in place of relu_forward and relu_backward,
    and starts from init_params' weights divided by sqrt(2) (the fan-in scale
    1 / d_in instead of ReLU's 2 / d_in). If a function raises (unfinished
    code, say), the figure says so instead.

    Attributes after each draw: `step` (updates so far), `history`
    ({"train": [...], "test": [...]}, the mean losses after 0, 1, 2, ... steps),
    `params`, `last_png`, `last_error`.
    """

    def __init__(self, mlp_forward, mlp_backward, init_params, sgd_step, fit, *, activations=None,
                 weight_decay=None, dataset="circles", noise=0.1, train_percent=50, hidden_layers=2, units=8,
                 activation="ReLU", lr=0.3, batch_size=10, l2=0.0, features=("x1", "x2"), seed=0,
                 n_points=300, steps_per_click=50, steps_per_frame=10, resolution=70):
        self.student = dict(forward=mlp_forward, backward=mlp_backward, init=init_params, sgd=sgd_step, fit=fit)
        self.activations = dict(activations or {})
        self.weight_decay = weight_decay
        unknown = [name for name in features if name not in FEATURES]
        if unknown:
            raise ValueError(f"unknown input feature {unknown[0]!r}: choose from {list(FEATURES)}")
        self.n_points = int(n_points)
        self.steps_per_click = int(steps_per_click)
        self.steps_per_frame = int(steps_per_frame)
        self.resolution = int(resolution)
        lay = widgets.Layout(width="250px")
        style = {"description_width": "95px"}
        self.controls = {
            "dataset": widgets.Dropdown(options=list(toy.DATASETS), value=dataset, description="data set",
                                        layout=lay, style=style),
            "noise": widgets.FloatSlider(value=noise, min=0.0, max=0.5, step=0.05, description="noise",
                                         readout_format=".2f", continuous_update=False, layout=lay, style=style),
            "train_percent": widgets.IntSlider(value=train_percent, min=10, max=90, step=10,
                                               description="train data %", continuous_update=False,
                                               layout=lay, style=style),
            "hidden_layers": widgets.IntSlider(value=hidden_layers, min=0, max=4, description="hidden layers",
                                               continuous_update=False, layout=lay, style=style),
            "units": widgets.IntSlider(value=units, min=1, max=16, description="units / layer",
                                       continuous_update=False, layout=lay, style=style),
            "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=activation,
                                           description="activation", layout=lay, style=style),
            "lr": widgets.SelectionSlider(options=list(LEARNING_RATES), value=lr, description="learning rate",
                                          continuous_update=False, layout=lay, style=style),
            "batch_size": widgets.Dropdown(options=list(BATCH_SIZES), value=batch_size, description="batch size",
                                           layout=lay, style=style),
            "l2": widgets.SelectionSlider(options=list(L2_STRENGTHS), value=l2, description="L2 (λ)",
                                          continuous_update=False, layout=lay, style=style),
            "seed": widgets.IntSlider(value=seed, min=0, max=9, description="seed", continuous_update=False,
                                      layout=lay, style=style),
        }
        for name, (label, _) in FEATURES.items():
            self.controls[f"feature {name}"] = widgets.Checkbox(value=name in features, description=label,
                                                               indent=False, layout=widgets.Layout(width="80px"))
        self.train_button = widgets.Button(description=f"train {self.steps_per_click} steps", icon="forward",
                                           layout=widgets.Layout(width="150px"))
        self.reset_button = widgets.Button(description="reset", icon="refresh",
                                           tooltip="back to step 0, with the same initial weights",
                                           layout=widgets.Layout(width="100px"))
        # Play: every tick trains steps_per_frame more steps and redraws.
        self.play = widgets.Play(value=0, min=0, max=100_000, step=1, interval=500, description="play",
                                 show_repeat=False)
        self.train_button.on_click(lambda _b: self.train(self.steps_per_click))
        self.reset_button.on_click(lambda _b: self.reset())
        self.play.observe(self._on_tick, names="value")

        self._config = None  # the structural settings the current network was built for
        self._pending = 0  # steps to train before the next picture
        self.step = 0
        self.history = {"train": [], "test": []}
        self.params = None
        self.diverged = False
        self.live = LivePlot(self.controls, self._draw, figsize=(10.5, 4.4), caption=(
            "Left: the network's probability of class 1 (orange) over the plane; the black line is where it is "
            "0.5. Filled markers are training points, hollow ones test points. Right: the mean loss on both sets. "
            "Changing the data, the input features or the network starts again. "
            "The network is <i>your</i> code: your layers, initialisation, update and training loop. "
            "The ticked input features are what the network sees; L2 (λ) adds weight decay, λW, to every dW "
            "(the losses drawn are without the penalty). Learning rate, batch size and L2 apply from the next step."))
        # The feature checkboxes in a row of their own, under the other controls.
        main = [c for name, c in self.controls.items() if not name.startswith("feature ")]
        boxes = [c for name, c in self.controls.items() if name.startswith("feature ")]
        rows = [widgets.HBox(main[i:i + 3]) for i in range(0, len(main), 3)]
        self.live.widget.children = (*rows, widgets.HBox([widgets.Label("input features:"), *boxes]),
                                     self.live.caption, self.live.output)
        self.widget = widgets.VBox([widgets.HBox([self.play, self.train_button, self.reset_button]),
                                    self.live.widget])

    # -- what a student or a test calls --------------------------------------

    @property
    def last_png(self):
        return self.live.last_png

    @property
    def last_error(self):
        return self.live.last_error

    def train(self, steps):
        """Train `steps` more steps, then redraw. Returns self."""
        self._pending += int(steps)
        self.live.redraw()
        return self

    def reset(self):
        """Back to step 0 with the same data and the same initial weights, then redraw."""
        self._config = None
        self._pending = 0
        self.live.redraw()
        return self

    def _on_tick(self, change):
        if change["new"] != change["old"]:
            self.train(self.steps_per_frame)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # -- the network -----------------------------------------------------------

    def _functions(self, activation):
        """(init, forward, backward, fit) for this activation, all made of the student's functions."""
        s = self.student
        if activation == "ReLU":
            return s["init"], s["forward"], s["backward"], s["fit"]
        if activation not in self.activations:
            raise ValueError(f"no {activation} pair was given: pass activations={{{activation!r}: "
                             "(forward, backward)}} to the playground")
        pair = dict(zip(("relu_forward", "relu_backward"), self.activations[activation]))
        forward = _swapped(s["forward"], {"relu_forward": pair["relu_forward"]}, activation)
        backward = _swapped(s["backward"], {"relu_backward": pair["relu_backward"]}, activation)
        fit = _swapped(s["fit"], {"mlp_forward": forward, "mlp_backward": backward}, activation)

        def init(sizes, seed):  # the scale 1 / fan_in suits tanh, sigmoid and no activation
            return [(np.asarray(W) / np.sqrt(2.0), b) for W, b in s["init"](sizes, seed)]

        return init, forward, backward, fit

    def _fit_with_decay(self, fit, lam):
        """The student's fit, its sgd_step given dW + weight_decay(W, lam) in place of dW."""
        if not lam:
            return fit
        if self.weight_decay is None:
            raise ValueError("L2 needs a weight_decay(W, lam) function: pass weight_decay=... to the playground")
        sgd, decay = self.student["sgd"], self.weight_decay

        def sgd_step_with_decay(params, grads, lr):
            return sgd(params, [(dW + decay(W, lam), db) for (W, _), (dW, db) in zip(params, grads)], lr)

        return _swapped(fit, {"sgd_step": sgd_step_with_decay}, f"L2 = {lam:g}")

    def _build(self, values):
        """New data, split and network for the structural settings in `values`."""
        seed = values["seed"]
        X, y = toy.make_dataset(values["dataset"], n=self.n_points, noise=values["noise"], seed=seed)
        order = np.random.default_rng(seed).permutation(len(X))
        n_train = int(np.clip(round(len(X) * values["train_percent"] / 100), 1, len(X) - 1))
        self.X_train, self.y_train = X[order[:n_train]], y[order[:n_train]]
        self.X_test, self.y_test = X[order[n_train:]], y[order[n_train:]]
        self.features = [name for name in FEATURES if values[f"feature {name}"]]
        self.F_train = input_features(self.X_train, self.features)
        self.F_test = input_features(self.X_test, self.features)
        self.layer_sizes = [len(self.features)] + [values["units"]] * values["hidden_layers"] + [1]
        self.fns = self._functions(values["activation"])
        self.step, self.history, self.diverged = 0, {"train": [], "test": []}, False
        self.params = None
        self._batches = np.random.default_rng(seed + 1000)  # mini-batch order: reproducible per seed
        self.params = self.fns[0](list(self.layer_sizes), seed)
        self.history = {"train": [self._loss(self.F_train, self.y_train)], "test": [self._loss(self.F_test, self.y_test)]}

    def _loss(self, F, y):
        out, _ = self.fns[1](F, self.params)
        return logistic_loss(out, y)[0]

    def _fit(self, steps, lr, batch_size, lam):
        """The student's fit for `steps` more steps from the current weights, on the ticked features."""
        fit = self._fit_with_decay(self.fns[3], lam)
        n = len(self.X_train)
        size = n if batch_size in (0, None) or batch_size >= n else batch_size
        seed = int(self._batches.integers(2 ** 31))  # a new draw of batches for every call, reproducible
        return fit(self.params, self.F_train, self.y_train, steps, lr, batch_size=size,
                   X_test=self.F_test, y_test=self.y_test, seed=seed)

    def _train(self, steps, lr, batch_size, lam=0.0):
        if self.diverged:
            return
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported, not warned about
            params, train, test = self._fit(steps, lr, batch_size, lam)
        train, test = np.asarray(train, dtype=float)[1:], np.asarray(test, dtype=float)[1:]
        if len(train) != steps or len(test) != steps:
            raise ValueError(f"fit returned {len(train) + 1} training and {len(test) + 1} test costs for "
                             f"{steps} steps; expected {steps + 1} of each")
        bad = np.flatnonzero(~np.isfinite(train))
        if len(bad):  # diverged: keep the costs up to the first that is not finite, and stop
            train, test = train[:bad[0] + 1], test[:bad[0] + 1]
            self.diverged = True
            self.play.playing = False
        self.params = params
        self.step += len(train)
        self.history["train"] += train.tolist()
        self.history["test"] += test.tolist()

    # -- the picture -------------------------------------------------------------

    def _draw(self, fig, **values):
        config = tuple(values[k] for k in _STRUCTURAL)
        if config != self._config:
            self._config = None  # stays None if building fails, so the next redraw tries again
            self._build(values)
            self._config = config
        steps, self._pending = self._pending, 0
        if steps:
            self._train(steps, values["lr"], values["batch_size"], values["l2"])
        # Fixed margins instead of tight_layout: one layout pass less per frame (the PNG is cropped anyway).
        ax_map, ax_loss = fig.subplots(1, 2, gridspec_kw=dict(width_ratios=[1.15, 1], left=0.07, right=0.98,
                                                              bottom=0.2, top=0.92, wspace=0.22))
        self._draw_map(ax_map, values)
        self._draw_losses(ax_loss, values)

    def _draw_map(self, ax, values):
        X_all = np.vstack([self.X_train, self.X_test])
        xx, yy, pts = plots.grid_over(X_all, padding=0.4, resolution=self.resolution)
        out, _ = self.fns[1](input_features(pts, self.features), self.params)
        z = np.asarray(out, dtype=float).reshape(len(pts), -1)[:, 0]
        prob = np.exp(-np.logaddexp(0.0, -np.nan_to_num(z))).reshape(xx.shape)  # P(class 1), without overflow
        ax.contourf(xx, yy, prob, levels=np.linspace(0, 1, 11), cmap=PROBABILITY_CMAP, alpha=0.55,
                    vmin=0, vmax=1, zorder=0)
        if prob.min() < 0.5 < prob.max():
            ax.contour(xx, yy, prob, levels=[0.5], colors="k", linewidths=1.5, zorder=1)
        for k in (0, 1):
            colour, marker = plots.CLASS_COLORS[k], plots.CLASS_MARKERS[k]
            tr = self.X_train[self.y_train == k]
            te = self.X_test[self.y_test == k]
            ax.scatter(tr[:, 0], tr[:, 1], s=26, c=colour, marker=marker, edgecolors="white", linewidths=0.6,
                       label=f"train, class {k}", zorder=3)
            ax.scatter(te[:, 0], te[:, 1], s=26, facecolors="none", edgecolors=colour, marker=marker,
                       linewidths=1.2, label=f"test, class {k}", zorder=3)
        ax.set_xlim(xx.min(), xx.max())
        ax.set_ylim(yy.min(), yy.max())
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_aspect("equal", adjustable="box")
        ax.grid(False)
        z_test = np.nan_to_num(np.asarray(self.fns[1](self.F_test, self.params)[0], float).ravel())
        acc = np.mean((np.exp(-np.logaddexp(0.0, -z_test)) >= 0.5) == self.y_test)
        arch = "-".join(map(str, self.layer_sizes))
        act = values["activation"] if values["hidden_layers"] else "no hidden layer"
        inputs = ", ".join(FEATURES[name][0] for name in self.features)
        decay = f", L2 {values['l2']:g}" if values["l2"] else ""
        ax.set_title(f"{values['dataset']}: network {arch} ({act}{decay}), test accuracy {acc:.0%}\n"
                     f"inputs: {inputs}", fontsize=10)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8, ncol=4, handletextpad=0.2,
                  columnspacing=0.8)

    def _draw_losses(self, ax, values):
        curves = {"train loss": self.history["train"], "test loss": self.history["test"]}
        plots.plot_curves(ax, curves, xlabel="training step", ylabel="mean cross-entropy loss", logy=False)
        train, test = self.history["train"][-1], self.history["test"][-1]
        if self.diverged:
            title = f"step {self.step}: diverged, lower the learning rate and reset"
        else:
            title = f"step {self.step}: train {train:.3f}, test {test:.3f}"
        ax.set_title(title, fontsize=10)
        finite = [v for v in self.history["train"] + self.history["test"] if np.isfinite(v)]
        ax.set_ylim(0, max(0.8, min(3.0, 1.1 * max(finite, default=1.0))))
        if self.step == 0:
            ax.set_xlim(0, 1)
        plots.integer_ticks(ax, "x")


def playground(mlp_forward, mlp_backward, init_params, sgd_step, fit, **settings):
    """A Playground driven by your functions; display it by leaving it last in a cell.

    Every control is also a keyword, so a plain call draws the same figure without a widget
    front end, e.g. playground(..., dataset="circles", features=("x1^2", "x2^2"), l2=0.01).train(300).
    """
    return Playground(mlp_forward, mlp_backward, init_params, sgd_step, fit, **settings)
