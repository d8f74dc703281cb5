"""Interactive figures: sliders and menus that redraw a matplotlib figure.

Each widget is a `LivePlot`: a set of ipywidgets controls, a draw function
and an Output area. A change of any control redraws the figure and shows it
as a PNG, which works the same in JupyterLab, Notebook 7 and VS Code and
needs no JavaScript beyond ipywidgets. Tests drive the controls directly
and compare the rendered images.
"""

import html

import ipywidgets as widgets
import numpy as np
from IPython.display import Image, clear_output, display
from matplotlib.figure import Figure

from . import plots, toy


LIVEPLOT_CLASS = "dlcourse-liveplot"  # CSS class of a LivePlot's widget in the page
FIGURE_CLASS = "dlcourse-liveplot-figure"  # CSS class of the Output area that shows its figure


def _unfinished(err):
    """'perceptron_predict is not implemented yet', naming the function that raised `err`."""
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    name = tb.tb_frame.f_code.co_name if tb is not None else "<module>"
    if name.startswith("<"):
        return "a function this figure uses is not implemented yet"
    return f"{name} is not implemented yet"


class LivePlot:
    """A matplotlib figure redrawn whenever one of its controls changes.

    controls: {name: ipywidget with a .value}; draw(fig, **values) draws on
    the (cleared) figure. If draw raises, the error is shown in place of the
    figure (for example "implement perceptron_predict first") instead of
    breaking the widget.
    """

    def __init__(self, controls, draw, figsize=(6.0, 4.5), dpi=100, caption=None):
        self.controls = dict(controls)
        self.draw = draw
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.output = widgets.Output()
        self.caption = widgets.HTML(caption or "")
        self.last_png = None
        self.last_error = None
        self.message = None  # the message shown in place of the figure when drawing failed (HTML)
        self.renders = 0
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        rows = [widgets.HBox(list(self.controls.values())[i:i + 3]) for i in range(0, len(self.controls), 3)]
        self.widget = widgets.VBox([*rows, self.caption, self.output])
        # Stable hooks for the browser tests (tests/browser/): the whole widget and its figure.
        self.widget.add_class(LIVEPLOT_CLASS)
        self.output.add_class(FIGURE_CLASS)
        self.redraw()

    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, _change):
        self.redraw()

    def redraw(self):
        """Draw with the current control values and show the result."""
        self.figure.clear()
        try:
            self.draw(self.figure, **self.values())
            self.last_error = self.message = None
            # Twice the pixels, shown at the nominal size: crisp on high-DPI screens.
            self.last_png = plots.figure_png(self.figure, dpi=2 * self.figure.dpi)
            shown = Image(data=self.last_png, width=int(self.figure.get_figwidth() * self.figure.dpi))
        except NotImplementedError as err:
            self.last_error, self.last_png = err, None
            self.message = (f"<b>Not yet:</b> {html.escape(str(err) or _unfinished(err))}. "
                            "Implement it above, run its cell, then move a slider.")
            shown = widgets.HTML(self.message)
        except Exception as err:  # a student's function may fail in any way
            self.last_error, self.last_png = err, None
            self.message = f"<b>{type(err).__name__}:</b> {html.escape(str(err))}"
            shown = widgets.HTML(self.message)
        self.renders += 1
        with self.output:
            clear_output(wait=True)
            display(shown)

    def figure_for(self, **values):
        """The same figure from a plain call, for when no widget front end is at hand: drawn on a
        new pyplot figure with the controls' current values, changed by `values`
        (`explorer.figure_for(noise=0.3)`). The controls themselves do not move."""
        import matplotlib.pyplot as plt

        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise TypeError(f"no control named {', '.join(unknown)} (the controls: {', '.join(self.controls)})")
        fig = plt.figure(figsize=tuple(self.figure.get_size_inches()), dpi=self.figure.dpi)
        self.draw(fig, **{**self.values(), **values})
        return fig

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _slider(description, value, lo, hi, step=0.1):
    return widgets.FloatSlider(value=value, min=lo, max=hi, step=step, description=description,
                               continuous_update=True, readout_format=".1f",
                               layout=widgets.Layout(width="260px"))


def perceptron_explorer(predict, gate="AND", w=(1.0, 1.0), b=-0.5):
    """Sliders for w1, w2 and b that move a perceptron's decision line over AND / OR / NAND / XOR.

    predict(X, w, b) -> (n,) labels: your own perceptron_predict, which computes the
    shaded regions and the count of correct inputs (until it works, the figure says so).
    Returns the LivePlot.
    """
    controls = {
        "gate": widgets.Dropdown(options=list(toy.GATES), value=gate, description="data",
                                 layout=widgets.Layout(width="180px")),
        "w1": _slider("w₁", w[0], -3, 3),
        "w2": _slider("w₂", w[1], -3, 3),
        "b": _slider("b", b, -3, 3),
    }

    def draw(fig, gate, w1, w2, b):
        X, y = toy.logic_gate(gate)
        weights = np.array([w1, w2])
        ax = fig.add_subplot()
        lims = (-0.6, 1.6)
        plots.plot_decision_regions(ax, lambda P: predict(P, weights, b), X, y, xlim=lims, ylim=lims,
                                    resolution=120, class_names=["target 0", "target 1"])
        plots.plot_linear_boundary(ax, weights, b)
        correct = int(np.sum(np.asarray(predict(X, weights, b)).ravel() == y))
        ax.set_title(f"{gate}: {correct} of 4 inputs classified correctly")
        ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
        fig.tight_layout()

    return LivePlot(controls, draw, figsize=(5.5, 5.0),
                    caption="Shaded: where the perceptron outputs 1 (orange) or 0 (blue). "
                            "The arrow is w: it points to the side that outputs 1.")
