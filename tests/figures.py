"""Recording every matplotlib figure a notebook renders (tests/test_plot_accessibility.py reads it).

HOOK, run as a notebook's first cell, describes each figure at the moment it is rendered to
an image (plt.show, a figure left at the end of a cell, a LivePlot redraw, savefig); REPORT,
run as the last cell, prints the descriptions as one line: DLCOURSE-FIGURES <json>.
"""

import json

HOOK = r'''
import json as _dlc_json
from matplotlib.backend_bases import FigureCanvasBase as _DlcCanvas

_dlc_figures = []
_dlc_retina = [None]  # what the lesson asked plots.setup for (lesson 09 turns retina off while graded)

import utils.plots as _dlc_plots

_dlc_setup = _dlc_plots.setup


def _dlc_recording_setup(*args, **kwargs):
    _dlc_retina[0] = bool(kwargs.get("retina", args[0] if args else True))
    return _dlc_setup(*args, **kwargs)


_dlc_plots.setup = _dlc_recording_setup


def _dlc_text(t):
    return t.get_text().strip() if t is not None and t.get_visible() else ""


def _dlc_describe(fig, dpi):
    def twins(ax):  # axes drawn in the same place (twinx / twiny)
        return [a for a in fig.axes if a is not ax and a.get_position().bounds == ax.get_position().bounds]

    def shared(ax, which):
        group = getattr(ax, f"get_shared_{which}_axes")().get_siblings(ax)
        return list(group) + twins(ax)

    axes, cmaps, sizes = [], set(), []
    for ax in fig.axes:
        for artist in list(ax.images) + list(ax.collections):
            if hasattr(artist, "get_cmap") and getattr(artist, "get_array", lambda: None)() is not None:
                cmaps.add(artist.get_cmap().name)
        if hasattr(ax, "_colorbar"):
            continue  # a colorbar belongs to the axes it explains
        titles = [ax.get_title(loc) for loc in ("left", "center", "right")]
        title = any(t.strip() for t in titles) or any(
            any(a.get_title(loc).strip() for loc in ("left", "center", "right")) for a in twins(ax))
        xlabel = any(a.get_xlabel().strip() for a in shared(ax, "x"))
        ylabel = any(a.get_ylabel().strip() for a in shared(ax, "y"))
        content = bool(ax.lines or ax.collections or ax.patches or ax.images or ax.texts or ax.artists
                       or ax.tables)
        image_only = bool(ax.images) and not ax.lines and not ax.collections
        no_ticks = len(ax.get_xticks()) == 0 and len(ax.get_yticks()) == 0
        axes.append({"title": bool(title), "xlabel": xlabel, "ylabel": ylabel, "content": content,
                     "axis_on": bool(ax.axison), "image_only": image_only, "no_ticks": no_ticks,
                     "name": next((t for t in titles if t.strip()), "")[:60]})
        if ax.axison:
            texts = [ax.title, ax.xaxis.label, ax.yaxis.label] + ax.get_xticklabels() + ax.get_yticklabels()
            sizes += [t.get_fontsize() for t in texts if _dlc_text(t)]
    if dpi in (None, "figure"):
        dpi = fig.dpi
    return {"cell": get_ipython().execution_count, "suptitle": _dlc_text(getattr(fig, "_suptitle", None)),
            "supxlabel": _dlc_text(getattr(fig, "_supxlabel", None)),
            "supylabel": _dlc_text(getattr(fig, "_supylabel", None)),
            "axes": axes, "cmaps": sorted(cmaps), "dpi": float(dpi), "min_font": min(sizes, default=None),
            "retina_off": _dlc_retina[0] is False}


_dlc_print_figure = _DlcCanvas.print_figure


def _dlc_recording_print_figure(self, *args, **kwargs):
    try:
        _dlc_figures.append(_dlc_describe(self.figure, kwargs.get("dpi")))
    except Exception as err:  # never break the lesson; report instead
        _dlc_figures.append({"cell": get_ipython().execution_count, "error": repr(err)})
    return _dlc_print_figure(self, *args, **kwargs)


_DlcCanvas.print_figure = _dlc_recording_print_figure
'''

REPORT = "print('DLCOURSE-FIGURES ' + _dlc_json.dumps(_dlc_figures))"


def with_hook(nb):
    """A copy of `nb` with HOOK first and REPORT last."""
    import nbformat
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.cells.insert(0, nbformat.v4.new_code_cell(HOOK))
    nb.cells.append(nbformat.v4.new_code_cell(REPORT))
    return nb


def recorded(executed):
    """The figure descriptions REPORT printed in an executed notebook's last cell ([] if none)."""
    text = "".join(out.get("text", "") for out in executed.cells[-1].outputs if out.output_type == "stream")
    line = next((line for line in text.splitlines() if line.startswith("DLCOURSE-FIGURES ")), None)
    return json.loads(line.split(" ", 1)[1]) if line else []  # the run stopped before REPORT
