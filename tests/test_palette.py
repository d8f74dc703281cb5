"""One colour scheme for the whole course (issue #17).

utils/plots.py defines it once: the Okabe-Ito palette (the grader's dashboard,
autograde/dlcourse/statsplots.py, uses the same eight colours), class k always in
CLASS_COLORS[k] (class 0 blue, class 1 orange in lessons 01-05 and everywhere else), pale tints
and greys for backgrounds, and one colour map per kind of picture:

- PROBABILITY_CMAP (blue, white, orange) for a probability of class 1 over the plane;
- REGION_CMAP (the pale class colours) for filled decision regions;
- SIGNED_CMAP, PuOr_r, for signed numbers centred on 0 (weights, filters);
- HEATMAP_CMAP, cividis, for magnitudes (landscapes, confusion matrices, activations);
- IMAGE_CMAP, gray_r, for digits.

Every other helper in utils/ and every code cell of a lesson takes its colours from there: no
colour literal of its own except neutral ones (black, white, greys, "none"), and no other colour map.
"""

import json
import re
from pathlib import Path

import pytest

from dlcourse import statsplots
from dlcourse.paths import SOLUTIONS_DIR, lesson_ids, lesson_notebook
from utils import plots

ROOT = Path(__file__).resolve().parent.parent
HEX = re.compile(r"#[0-9A-Fa-f]{6}\b|#[0-9A-Fa-f]{3}\b(?![0-9A-Fa-f])")
COLOUR_ARG = re.compile(r"""(?<![\w.])(?:color|colors|c|edgecolors?|facecolors?|fc|ec|mfc|mec|markerfacecolor|markeredgecolor)"""
                        r"""\s*=\s*["']([^"']*)["']""")
CMAP_NAME = re.compile(r"""cmap\s*=\s*["']([^"']+)["']|colormaps\[\s*["']([^"']+)["']\s*\]|get_cmap\(\s*["']([^"']+)["']""")
FORMAT_COLOUR = re.compile(r"""\.(?:plot|semilogy|loglog|semilogx)\([^)\n]*?,\s*["']([bgrcmyk])[-.:o^sDv*x+]*["']""")
NEUTRAL = re.compile(r"^(k|w|black|white|none|0?\.\d+|1\.0|0|1)$")
ALLOWED_CMAPS = {plots.SIGNED_CMAP, plots.HEATMAP_CMAP, plots.IMAGE_CMAP}


def problems(source):
    """Colour literals and colour maps outside the course's scheme, as short strings."""
    found = [f"hex colour {m.group(0)}" for m in HEX.finditer(source)]
    found += [f"colour {m.group(1)!r}" for m in COLOUR_ARG.finditer(source) if not NEUTRAL.match(m.group(1))]
    found += [f"format colour {m.group(1)!r}" for m in FORMAT_COLOUR.finditer(source) if m.group(1) not in "k"]
    for m in CMAP_NAME.finditer(source):
        name = next(g for g in m.groups() if g)
        if name not in ALLOWED_CMAPS:
            found.append(f"colour map {name!r}")
    return found


def helper_files():
    return sorted(p for p in (ROOT / "utils").glob("*.py") if p.name != "plots.py")


@pytest.mark.parametrize("path", helper_files(), ids=lambda p: p.name)
def test_helpers_take_their_colours_from_plots(path):
    code = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
    assert not problems(code), f"utils/{path.name}: {problems(code)}; use utils.plots (OKABE_ITO, CLASS_COLORS, PALE, GREY, *_CMAP)"


@pytest.mark.parametrize("lesson", lesson_ids())
def test_lessons_take_their_colours_from_plots(lesson):
    nb = json.loads(lesson_notebook(lesson, SOLUTIONS_DIR).read_text())
    found = [(i, p) for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code"
             for p in problems("".join(cell["source"]))]
    assert not found, f"{lesson}: {found}; use utils.plots (OKABE_ITO, CLASS_COLORS, PALE, GREY, *_CMAP)"


def test_the_palette_is_okabe_ito_everywhere():
    okabe_ito = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"}
    assert set(plots.OKABE_ITO.values()) == okabe_ito
    assert set(statsplots.OKABE_ITO.values()) == okabe_ito, "the dashboard uses the same palette"
    assert plots.CLASS_COLORS[:2] == [plots.OKABE_ITO["blue"], plots.OKABE_ITO["orange"]], "class 0 blue, class 1 orange"
    ends = plots.PROBABILITY_CMAP([0.0, 1.0])
    assert [tuple(round(v * 255) for v in rgba[:3]) for rgba in ends] == [(0, 114, 178), (230, 159, 0)], \
        "a probability of class 1 goes from class 0's colour to class 1's"


def test_the_scan_finds_what_it_forbids():
    assert problems('ax.plot(x, y, color="red")') == ["colour 'red'"]
    assert problems("fc='#E1EEF6'") and problems('cmap="RdBu_r"') and problems("ax.plot(x, y, 'r--')")
    assert problems('matplotlib.colormaps["jet"]')
    assert not problems('ax.plot(x, y, color="0.45", c="k"); ax.imshow(img, cmap="gray_r"); ax.legend(loc="upper left")')
