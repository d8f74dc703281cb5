"""What a person does in JupyterLab, as Playwright steps.

Every step waits for a condition it can see (a selector, the kernel's status,
an image that changed, a server response), never for a fixed time, so the
steps hold on a slow or busy machine.
"""

import json
import re
import time
import urllib.parse
import urllib.request

from playwright.sync_api import Locator, Page

# Generous upper bounds for conditions; a healthy run meets them in seconds.
RUN_ALL_TIMEOUT_MS = 600_000
WIDGET_TIMEOUT_MS = 120_000
REDRAW_TIMEOUT_MS = 60_000

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# The kernel's state as the status bar shows it: "Python 3 (ipykernel) | Idle".
_KERNEL_IDLE_JS = """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
    .some(e => /\\|\\s*Idle$/.test(e.textContent.trim()))"""

# After Run All: no cell waits or runs ([*]), and at least one ran. JupyterLab marks every
# cell [*] synchronously when Run All is chosen, and resets the queued ones to [ ] when a
# cell fails, so this holds exactly when the run is over, with or without an error.
_RUN_FINISHED_JS = """() => {
    const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
        .map(e => e.textContent.trim());
    return prompts.length > 0 && !prompts.some(p => p.includes('*')) && prompts.some(p => /\\d/.test(p));
}"""

# The element whose look a control changes: a LivePlot's figure (utils.widgets adds the
# classes), else the nearest enclosing widget that has an Output area with a picture
# (ipywidgets.interact), else the cell's whole output.
FIND_VIEW_JS = """control => {
    const live = control.closest('.dlcourse-liveplot');
    if (live) return live.querySelector('.dlcourse-liveplot-figure');
    for (let node = control.parentElement; node; node = node.parentElement) {
        if (node.classList.contains('jp-Cell-outputArea')) return node;
        if (node.classList.contains('jupyter-widgets')) {
            const out = node.querySelector('.widget-output img');
            if (out) return out.closest('.widget-output');
        }
    }
    return control.closest('.jp-Cell-outputArea');
}"""

# What a view shows: its pictures' data, or its text when it has no picture.
VIEW_SIGNATURE_JS = """view => {
    const imgs = [...view.querySelectorAll('img')].map(i => i.getAttribute('src') || '');
    return imgs.length ? imgs.join('|') : view.textContent;
}"""

_TWO_FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def lab_request(lab, method, path, body=None, timeout=30):
    """A REST call to the lab server with its token; returns the decoded JSON or None."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{lab.url}{path}", data=data, method=method,
                                     headers={"Authorization": f"token {lab.token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        text = response.read().decode()
    return json.loads(text) if text else None


def shut_down_kernels(lab):
    """End every kernel session, so that each test starts from fresh kernels."""
    for session in lab_request(lab, "GET", "/api/sessions") or []:
        try:
            lab_request(lab, "DELETE", f"/api/sessions/{session['id']}")
        except OSError:
            pass


def lab_url(lab, path="", workspace="default"):
    """A JupyterLab URL in its own workspace (so tabs from an earlier test are not restored)."""
    route = f"/lab/workspaces/{workspace}" + (f"/tree/{urllib.parse.quote(path)}" if path else "")
    return f"{lab.url}{route}?token={lab.token}"


def open_lab(page: Page, lab, workspace):
    page.goto(lab_url(lab, workspace=workspace))
    page.locator(".lm-MenuBar-itemLabel", has_text="File").wait_for()


def wait_kernel_idle(page: Page, timeout=WIDGET_TIMEOUT_MS):
    page.wait_for_function(_KERNEL_IDLE_JS, timeout=timeout)


def open_notebook(page: Page, lab, path, workspace):
    """Open a notebook as a student does, and wait until its kernel is ready."""
    page.goto(lab_url(lab, path, workspace))
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=WIDGET_TIMEOUT_MS)
    wait_kernel_idle(page)


def menu(page: Page, top, item):
    """Choose an item of the menu bar: menu(page, "Run", "Run All Cells")."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(top)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def run_all_cells(page: Page, timeout=RUN_ALL_TIMEOUT_MS):
    """Run → Run All Cells, then wait until the run is over; returns the seconds it took."""
    start = time.perf_counter()
    menu(page, "Run", "Run All Cells")
    page.wait_for_function(_RUN_FINISHED_JS, timeout=timeout, polling=250)
    wait_kernel_idle(page, timeout)
    return time.perf_counter() - start


def input_prompts(page: Page):
    # textContent, not innerText: cells scrolled far away are not laid out, and have no innerText.
    return page.locator(".jp-NotebookPanel .jp-CodeCell .jp-InputPrompt").evaluate_all(
        "es => es.map(e => e.textContent.trim())")


def save_notebook(page: Page, lab, path):
    """Save with Ctrl+S (waiting for the server to take it) and return the saved notebook."""
    quoted = urllib.parse.quote(path)
    with page.expect_response(lambda r: r.request.method == "PUT" and f"/api/contents/{quoted}" in r.url,
                              timeout=WIDGET_TIMEOUT_MS) as saved:
        page.locator(".jp-NotebookPanel .jp-Notebook").first.focus()
        page.keyboard.press("Control+s")
    assert saved.value.ok, f"saving {path} failed: {saved.value.status}"
    return lab_request(lab, "GET", f"/api/contents/{quoted}?content=1")["content"]


def error_outputs(nb):
    """[(cell number, 'Name: message')] of every error output in a notebook (a dict from the contents API)."""
    return [(i, f"{out.get('ename')}: {out.get('evalue')}") for i, cell in enumerate(nb["cells"])
            if cell["cell_type"] == "code" for out in cell.get("outputs", []) if out["output_type"] == "error"]


def widget_output_count(nb):
    return sum(1 for cell in nb["cells"] if cell["cell_type"] == "code"
               for out in cell.get("outputs", []) if WIDGET_VIEW in out.get("data", {}))


def wait_widgets_rendered(page: Page, expected, timeout=WIDGET_TIMEOUT_MS):
    """Wait until `expected` widgets are drawn in cell outputs and every LivePlot shows a picture."""
    page.wait_for_function(
        """n => {
            const roots = document.querySelectorAll(
                '.jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output > .jupyter-widgets');
            const figures = [...document.querySelectorAll('.dlcourse-liveplot-figure')];
            return roots.length >= n && figures.every(f => f.querySelector('img'));
        }""", arg=expected, timeout=timeout, polling=250)


def widget_roots(page: Page) -> Locator:
    return page.locator(".jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output > .jupyter-widgets")


def widget_problems(page: Page):
    """Texts of widgets that failed to display, and of LivePlots that show an error instead of a figure."""
    texts = page.locator(".jp-Cell-outputArea").evaluate_all("es => es.map(e => e.textContent)")
    problems = [t for t in texts if "Error displaying widget" in t or "Error rendering" in t]
    problems += page.evaluate("""() => [...document.querySelectorAll('.dlcourse-liveplot-figure')]
        .filter(f => !f.querySelector('img')).map(f => f.textContent.trim() || '(an empty figure)')""")
    return problems


def stable_box(page: Page, locator: Locator, tries=50):
    """The element's bounding box once layout has settled (two frames in a row agree)."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    for _ in range(tries):
        page.evaluate(_TWO_FRAMES_JS)
        again = locator.bounding_box()
        if again == box and box and box["width"] > 0:
            return box
        box = again
    raise AssertionError(f"{locator} never stopped moving on the page")


class ViewWatcher:
    """The picture (or text) a control drives, read before a change and awaited after it."""

    def __init__(self, page: Page, control: Locator):
        self.page = page
        self.view = control.evaluate_handle(FIND_VIEW_JS)
        assert self.view.as_element() is not None, "found no output for this control"
        self.before = self.signature()
        self.before_img = self.view.evaluate_handle("v => v.querySelector('img')")

    def signature(self):
        return self.view.evaluate(VIEW_SIGNATURE_JS)

    def wait_redrawn(self, timeout=REDRAW_TIMEOUT_MS):
        """Wait until the kernel sent a new picture (a new image element, as a LivePlot makes on
        every redraw, even of an identical figure) or the view shows something else.
        Returns the seconds waited."""
        start = time.perf_counter()
        self.page.wait_for_function(
            f"""([view, before, beforeImg]) => {{
                const img = view.querySelector('img');
                return (img && img !== beforeImg) || ({VIEW_SIGNATURE_JS})(view) !== before;
            }}""", arg=[self.view, self.before, self.before_img], timeout=timeout)
        return time.perf_counter() - start

    def changed(self):
        return self.signature() != self.before


def drag_slider(page: Page, slider: Locator):
    """Drag a slider's handle with the mouse to a quarter or three quarters of its track,
    whichever is further from where it is. Returns the readout text after the move."""
    base = slider.locator(".noUi-base")
    handle = slider.locator(".noUi-handle").first
    stable_box(page, slider)
    track, knob = base.bounding_box(), handle.bounding_box()
    x0, y0 = knob["x"] + knob["width"] / 2, knob["y"] + knob["height"] / 2
    position = (x0 - track["x"]) / track["width"]
    x1 = track["x"] + track["width"] * (0.2 if position > 0.5 else 0.8)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y0)  # one move: one new value, one redraw
    page.mouse.up()


def slider_label(slider: Locator):
    text = slider.locator(".widget-label").first.text_content().strip()
    return text or "slider"


def menu_label(select: Locator):
    return select.evaluate("s => ((s.closest('.widget-dropdown') || s).querySelector('.widget-label') || {})"
                           ".textContent || 'menu'").strip() or "menu"


def readout(slider: Locator):
    out = slider.locator(".widget-readout")
    return out.first.text_content().strip() if out.count() else ""


def no_popups(page: Page):
    """Texts of notifications or dialogs that JupyterLab put over the page (there should be none)."""
    return [t.strip() for t in page.locator(".Toastify__toast, .jp-Notification-Toast, .jp-Dialog").evaluate_all(
        "es => es.map(e => e.textContent)")]


def safe_name(text, limit=40):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:limit] or "x"
