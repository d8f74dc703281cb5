"""How fast the lessons' widgets redraw when a student moves a control.

Runs each lesson's solution notebook (in fast mode, to reach the widgets quickly; drawing
is the same in both modes), then finds every `utils.widgets.LivePlot` it made and moves
each control through a few values, timing `LivePlot.redraw` (drawing plus PNG encoding,
what the kernel does before the browser gets the new picture). The target: well under a
second per move on the CPU, for lesson 03's loss landscape too.

    .venv/bin/python benchmarks/widget_redraw.py                 # every lesson
    .venv/bin/python benchmarks/widget_redraw.py 03-loss-and-gradient-descent --moves 8

Prints a table and writes benchmarks/results/widget_redraw.json.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

TARGET_SECONDS = 0.5  # "well under a second"

# Runs inside the lesson's kernel after the notebook: time every control of every LivePlot.
MEASURE = r'''
import gc as _gc, json as _json, statistics as _st, time as _time
import numpy as _np
from utils.widgets import LivePlot as _LivePlot


def _values(control, moves):
    options = getattr(control, "options", None)
    if options is not None and not hasattr(control, "min"):
        labels = [o[1] if isinstance(o, tuple) else o for o in options]
        return [v for v in labels if v != control.value][:moves]
    if hasattr(control, "min") and hasattr(control, "max"):
        values = _np.linspace(control.min, control.max, moves + 2)[1:-1]
        if hasattr(control, "base"):  # FloatLogSlider: min and max are exponents
            values = control.base ** values
        return [type(control.value)(v) for v in values]
    return []


def _measure(moves):
    report = []
    for n, live in enumerate(o for o in _gc.get_objects() if isinstance(o, _LivePlot)):
        title = next((ax.get_title() for ax in live.figure.axes if ax.get_title()), "")
        for name, control in live.controls.items():
            start_value, times, cpu = control.value, [], []
            for value in _values(control, moves):
                t0, c0 = _time.perf_counter(), _time.process_time()
                control.value = value  # observe() calls redraw
                times.append(_time.perf_counter() - t0)
                cpu.append(_time.process_time() - c0)
            control.value = start_value
            if times:
                report.append({"widget": n + 1, "title": title[:50], "control": name, "moves": len(times),
                               "median_s": _st.median(times), "max_s": max(times), "cpu_median_s": _st.median(cpu),
                               "error": repr(live.last_error) if live.last_error else None})
    return report


print("WIDGET-REDRAW " + _json.dumps(_measure(MOVES)))
'''


def measure(lesson, moves):
    import nbformat
    from nbclient import NotebookClient

    from dlcourse import headless, notebooks
    from dlcourse.paths import SOLUTIONS_DIR, lesson_notebook

    nb = notebooks.read(lesson_notebook(lesson, SOLUTIONS_DIR))
    nb.cells.append(nbformat.v4.new_code_cell(MEASURE.replace("MOVES", str(moves))))
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(SOLUTIONS_DIR / lesson)}})
    headless.detach_output_widgets(client).execute()  # avoids nbclient's random stall (dlcourse/headless.py)
    last = nb.cells[-1]
    errors = [o for o in last.outputs if o.output_type == "error"]
    if errors:
        raise RuntimeError(f"{lesson}: measuring failed: {errors[0].ename}: {errors[0].evalue}")
    text = "".join(o.get("text", "") for o in last.outputs if o.output_type == "stream")
    return json.loads(text.split("WIDGET-REDRAW ", 1)[1].splitlines()[0])


def main(argv=None):
    from dlcourse.paths import lesson_ids

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="lesson ids (default: every lesson)")
    parser.add_argument("--moves", type=int, default=5, help="values per control (default 5)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DLCOURSE_FAST", "1")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

    results = {}
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times grow with load; CPU times less so)")
    print(f"{'lesson':32} {'widget':44} {'control':16} {'median':>8} {'max':>8} {'CPU':>8}")
    for lesson in args.lessons or lesson_ids():
        start = time.perf_counter()
        rows = measure(lesson, args.moves)
        results[lesson] = rows
        if not rows:
            print(f"{lesson:32} (no LivePlot widgets; notebook ran in {time.perf_counter() - start:.0f} s)")
        for row in rows:
            flag = "" if row["cpu_median_s"] < TARGET_SECONDS else "  <- slower than the target"
            widget = f"{row['widget']}: {row['title']}"[:44]
            print(f"{lesson:32} {widget:44} {row['control']:16} {row['median_s']:8.3f} {row['max_s']:8.3f} "
                  f"{row['cpu_median_s']:8.3f}{flag}")
    out = REPO / "benchmarks" / "results" / "widget_redraw.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"target_seconds": TARGET_SECONDS, "cpu_count": os.cpu_count(),
                               "load_average": os.getloadavg()[0],
                               "lessons": results}, indent=1))
    print(f"seconds per redraw (drawing + PNG): wall-clock median and max, and the kernel's CPU time; "
          f"target: under {TARGET_SECONDS} s. Written to {out}")
    slow = [r for rows in results.values() for r in rows if r["cpu_median_s"] >= TARGET_SECONDS]
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
