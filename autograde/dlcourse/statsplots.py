"""The plots of `dlcourse stats` (stats.py), made to be read by everyone.

Each has a title and labelled axes, uses the Okabe–Ito palette (distinguishable with
every common colour-vision deficiency), writes its numbers on the bars so that no
reading depends on colour (the outcome bars also differ in hatching), renders at
200 pixels per inch with type of at least 9 points, and comes with alt text that says
what it shows in words and numbers, for a screen reader.
"""

import io

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# Okabe & Ito (2008), "Color Universal Design": safe for protanopia, deuteranopia and tritanopia.
OKABE_ITO = {"orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7", "black": "#000000"}
DPI = 200
FONT = 10
# What the outcome bars show, with a colour and a hatch each (both, so neither is needed alone).
OUTCOMES = [("graded", "bluish green", ""), ("not graded", "vermillion", "xx"), ("no submission", "sky blue", ".."),
            ("late", "orange", "//"), ("flagged", "reddish purple", "\\\\"), ("not isolated", "yellow", "++")]


def _png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def _style(ax, title, xlabel, ylabel):
    ax.set_title(title, fontsize=FONT + 2, fontweight="bold", loc="left")
    ax.set_xlabel(xlabel, fontsize=FONT)
    ax.set_ylabel(ylabel, fontsize=FONT)
    ax.tick_params(labelsize=FONT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def score_figure(stats):
    """A histogram of the graded scores with the median marked; returns (title, png, alt, file name)."""
    from .stats import _fmt, _median

    scores = sorted(stats.scores)
    top = float(stats.max_score or max(scores, default=1) or 1)
    width = max(1.0, round(top / 10))  # about ten bins, whole points wide
    edges = [i * width for i in range(int(top // width) + 1)]
    if edges[-1] < top:
        edges.append(top)
    counts = [0] * (len(edges) - 1 if len(edges) > 1 else 1)
    for s in scores:
        i = next((k for k in range(len(counts)) if s < edges[k + 1]), len(counts) - 1)
        counts[i] += 1
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    title = f"Score distribution ({_plural(len(scores), 'graded submission')})"
    if len(edges) > 1:
        lefts, widths = edges[:-1], [b - a for a, b in zip(edges, edges[1:])]
        bars = ax.bar(lefts, counts, width=widths, align="edge", color=OKABE_ITO["blue"], edgecolor="black")
        ax.bar_label(bars, labels=[str(c) if c else "" for c in counts], fontsize=FONT)
    if scores:
        median = _median(scores)
        ax.axvline(median, color="black", linestyle="--", linewidth=1.5)
        ax.text(median, max(counts) * 1.12 + 0.1, f" median {_fmt(median)}", fontsize=FONT, va="bottom")
        ax.set_ylim(0, max(counts) * 1.35 + 0.5)
    else:
        ax.text(0.5, 0.5, "no graded submission yet", transform=ax.transAxes, ha="center", fontsize=FONT)
    ax.set_xlim(0, top)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _style(ax, title, f"score (out of {_fmt(top)})", "students")
    ranges = [f"{_fmt(a)} to {_fmt(b)}: {c}" for a, b, c in zip(edges, edges[1:], counts) if c]
    alt = (f"Histogram of the scores of {_plural(len(scores), 'graded submission')} on {stats.lesson}, "
           f"out of {_fmt(top)} points. "
           + (f"Median {_fmt(_median(scores))}, lowest {_fmt(scores[0])}, highest {_fmt(scores[-1])}. "
              f"Students per score range: {'; '.join(ranges)}." if scores else "No submission is graded yet."))
    return title, _png(fig), alt, "scores.png"


def tests_figure(stats):
    """Each autograded test's failure rate as a horizontal bar; returns (title, png, alt, file name)."""
    tests = stats.tests
    fig = Figure(figsize=(7, 1.2 + 0.45 * max(1, len(tests))))
    ax = fig.subplots()
    names = [t.grade_id for t in tests][::-1]  # the notebook's first test on top
    rates = [100 * t.rate for t in tests][::-1]
    bars = ax.barh(names, rates, color=OKABE_ITO["vermillion"], edgecolor="black")
    labels = [f"{r:.0f}% ({t.failed} of {t.graded})" for r, t in zip(rates, tests[::-1])]
    ax.bar_label(bars, labels=labels, padding=3, fontsize=FONT)
    ax.set_xlim(0, 130)  # room for the labels
    ax.set_xticks([0, 25, 50, 75, 100])
    graded = tests[0].graded if tests else 0
    title = f"Failure rate of each test ({_plural(graded, 'graded submission')})"
    _style(ax, title, "failed (% of graded submissions)", "test cell")
    worst = sorted(tests, key=lambda t: (-t.rate, t.grade_id))
    alt = (f"Horizontal bar chart: the share of {_plural(graded, 'graded submission')} that failed each "
           f"autograded test of {stats.lesson}. "
           + "; ".join(f"{t.grade_id}: {100 * t.rate:.0f}% ({t.failed} of {t.graded})" for t in worst) + ".")
    return title, _png(fig), alt, "tests.png"


def outcomes_figure(stats):
    """How many students are in each outcome that needs the instructor; returns (title, png, alt, file name)."""
    counts = [(name, stats.count(name), colour, hatch) for name, colour, hatch in OUTCOMES]
    fig = Figure(figsize=(7, 3.6))
    ax = fig.subplots()
    names = [c[0] for c in counts][::-1]
    values = [c[1] for c in counts][::-1]
    bars = ax.barh(names, values, color=[OKABE_ITO[c[2]] for c in counts][::-1], edgecolor="black",
                   hatch=None)
    for bar, (_, _, _, hatch) in zip(bars, counts[::-1]):
        bar.set_hatch(hatch)
    ax.bar_label(bars, labels=[str(v) for v in values], padding=3, fontsize=FONT)
    ax.set_xlim(0, max(values + [1]) * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    title = f"Outcomes of {_plural(len(stats.students), 'student')}"
    _style(ax, title, "students", "outcome")
    alt = (f"Horizontal bar chart of how many of the {_plural(len(stats.students), 'student')} on {stats.lesson} "
           "have each outcome: " + "; ".join(f"{name}: {n}" for name, n, _, _ in counts) + ".")
    return title, _png(fig), alt, "outcomes.png"


def figures(stats):
    """Every plot of the dashboard: [(title, png bytes, alt text, file name)]."""
    return [score_figure(stats), tests_figure(stats), outcomes_figure(stats)]
