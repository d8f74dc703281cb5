"""Every figure a lesson shows is readable: a title and labelled axes, colour maps that
colour-blind students can read, rendered crisply and in legible type.

Each solution notebook runs in fast mode with a hook that describes every matplotlib figure
at the moment it is rendered to an image (plt.show, a figure left at the end of a cell, a
LivePlot redraw, savefig): that is every figure a student sees (tests/figures.py). It is the
same run tests/test_lessons.py checks for errors (lesson_checks.run_solution).
"""

import nbformat
import pytest

from .figures import HOOK, REPORT, recorded
from .lesson_checks import LESSONS, execute, run_solution

# Rainbow-like maps: not perceptually ordered, and unreadable with colour-vision deficiency.
FORBIDDEN_CMAPS = {"jet", "rainbow", "hsv", "gist_rainbow", "nipy_spectral"}
MIN_PIXELS_PER_INCH = 144  # crisp on high-DPI screens: the course renders at twice 100 dpi
MIN_FONT_POINTS = 7  # titles, axis labels and tick labels


def figure_problems(figure):
    """What a student would miss in one rendered figure, as sentences."""
    if "error" in figure:
        return [f"could not inspect a figure: {figure['error']}"]
    problems = []
    name = figure["suptitle"] or next((a["name"] for a in figure["axes"] if a["name"]), "untitled figure")
    for n, ax in enumerate(figure["axes"], 1):
        if not ax["content"]:
            continue  # an unused panel of a grid
        where = f"{name!r}, panel {n}"
        picture = not ax["axis_on"] or (ax["image_only"] and ax["no_ticks"])
        if picture:  # a drawing or an image: a title (or the figure's title) says what it is
            if not (ax["title"] or figure["suptitle"]):
                problems.append(f"{where}: an image or diagram without a title")
            continue
        if not ax["title"]:
            problems.append(f"{where}: no title")
        if not (ax["xlabel"] or figure["supxlabel"]):
            problems.append(f"{where}: no x-axis label")
        if not (ax["ylabel"] or figure["supylabel"]):
            problems.append(f"{where}: no y-axis label")
    bad = sorted({c.removesuffix("_r") for c in figure["cmaps"]} & FORBIDDEN_CMAPS)
    if bad:
        problems.append(f"{name!r}: colour map {', '.join(bad)} (use cividis, viridis or a diverging map such as PuOr)")
    # A lesson may ask for plain figures in fast mode only (plots.setup(retina=not fast_mode()),
    # quicker grading); this test runs in fast mode, so it trusts that choice.
    if figure["dpi"] < MIN_PIXELS_PER_INCH and not figure.get("retina_off"):
        problems.append(f"{name!r}: rendered at {figure['dpi']:g} pixels per inch (blurry on high-DPI screens)")
    if figure["min_font"] is not None and figure["min_font"] < MIN_FONT_POINTS:
        problems.append(f"{name!r}: text of {figure['min_font']:g} pt (at least {MIN_FONT_POINTS} pt)")
    return problems


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_figure_has_a_title_labelled_axes_and_a_readable_colour_map(lesson):
    run = run_solution(lesson)
    assert not run.errors, f"{lesson}: the notebook did not run: {run.errors}"
    figures = run.figures
    assert figures, f"{lesson}: no figure was rendered"
    problems = [f"cell run #{f['cell']}: {p}" for f in figures for p in figure_problems(f)]
    assert not problems, f"{lesson}: {len(problems)} accessibility problems:\n  " + "\n  ".join(problems)


def test_the_checks_catch_what_they_should():
    good_axes = {"title": True, "xlabel": True, "ylabel": True, "content": True, "axis_on": True,
                 "image_only": False, "no_ticks": False, "name": "loss"}
    figure = {"cell": 1, "suptitle": "", "supxlabel": "", "supylabel": "", "axes": [good_axes],
              "cmaps": ["cividis"], "dpi": 200.0, "min_font": 10.0}
    assert figure_problems(figure) == []
    assert figure_problems({**figure, "axes": [{**good_axes, "xlabel": False}]}) == ["'loss', panel 1: no x-axis label"]
    assert "colour map jet" in figure_problems({**figure, "cmaps": ["jet_r"]})[0]
    assert "pixels per inch" in figure_problems({**figure, "dpi": 72.0})[0]
    assert figure_problems({**figure, "dpi": 100.0, "retina_off": True}) == []  # plain figures asked for
    digit = {**good_axes, "title": False, "xlabel": False, "ylabel": False, "axis_on": False, "image_only": True}
    assert figure_problems({**figure, "axes": [digit] * 3, "suptitle": "digits"}) == []
    assert figure_problems({**figure, "axes": [digit]}) == ["'loss', panel 1: an image or diagram without a title"]


def test_the_hook_sees_figures_shown_every_way(tmp_path):
    """plt.show, a LivePlot and a bare figure: all recorded, and a careless figure is caught."""
    cells = [HOOK,
             "import matplotlib.pyplot as plt\nfrom utils import plots, widgets\nplots.setup()",
             "fig, ax = plt.subplots()\nax.imshow([[0, 1], [2, 3]], cmap='jet')\nax.plot([0, 1])\nplt.show()",
             "live = widgets.perceptron_explorer(lambda X, w, b: (X @ w + b >= 0).astype(int))",
             "fig, ax = plt.subplots()\nax.plot([1, 2])\nax.set_title('t')\nax.set_xlabel('x')\nax.set_ylabel('y')\nfig",
             REPORT]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    executed, errors, _ = execute(nb, cwd=tmp_path)
    assert not errors, errors
    figures = recorded(executed)
    runs = sorted({f["cell"] for f in figures})
    assert len(runs) == 3, f"expected figures from three cells, got {figures}"
    careless, explorer, tidy = ([p for f in figures if f["cell"] == run for p in figure_problems(f)] for run in runs)
    assert any("no title" in p for p in careless) and any("colour map jet" in p for p in careless)
    assert explorer == [] and tidy == []
