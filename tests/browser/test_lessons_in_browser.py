"""Every lesson as a student meets it in JupyterLab: open it with the answers filled in,
run all cells, see no error, see every widget, and move every control of every widget."""

import json
import re

import pytest

from dlcourse.paths import lesson_ids

from . import jlab
from .conftest import student_copy

# Buttons whose click must change the figure (a playground's "train 10 steps").
ACTION_BUTTON = re.compile(r"\btrain\b", re.I)


def act_and_watch(page, control, act):
    """Act on a control, wait for the kernel's new picture; returns (seconds, picture changed)."""
    watcher = jlab.ViewWatcher(page, control)
    act()
    seconds = watcher.wait_redrawn()
    jlab.wait_kernel_idle(page)
    return seconds, watcher.changed()


def widget_controls(page, root):
    """[(name, locator, act)] for every enabled slider, drop-down menu and "train" button of a widget."""
    found = []
    sliders = root.locator(".widget-hslider")
    for n in range(sliders.count()):
        slider = sliders.nth(n)
        if not slider.locator(".noUi-target[disabled]").count():
            found.append((f"slider{n + 1}-{jlab.safe_name(jlab.slider_label(slider))}", slider,
                          lambda slider=slider: jlab.drag_slider(page, slider)))
    for n, (menu, choose) in enumerate(menus(root)):
        found.append((f"menu{n + 1}-{jlab.safe_name(jlab.menu_label(menu))}", menu, lambda choose=choose: choose(-1)))
    buttons = root.locator("button.widget-button", has_text=ACTION_BUTTON)
    for n in range(buttons.count()):
        button = buttons.nth(n)
        if button.is_enabled():
            found.append((f"button{n + 1}-{jlab.safe_name(button.text_content())}", button, button.click))
    return found


def menus(root):
    """[(select locator, choose)] for the widget's enabled drop-down menus; choose(k) picks the
    k-th of the options other than the current one."""
    found = []
    selects = root.locator(".widget-dropdown select")
    for n in range(selects.count()):
        select = selects.nth(n)
        if select.is_disabled() or select.locator("option").count() < 2:
            continue

        def choose(k, select=select):
            options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
            others = [o for o in options if o != select.input_value()]
            select.select_option(others[k])
        found.append((select, choose))
    return found


def other_states(page, root, skip, most=6):
    """Switch the widget's other menus through their options, one at a time (a control may only
    matter in some states: leaky ReLU's alpha); yields a description of each state, at most
    `most` of them: a control that matters only after training (a learning rate) would
    otherwise send the search through every option of every menu for nothing."""
    skip_handle = skip.element_handle()
    selects = root.locator(".widget-dropdown select")
    tried = 0
    for n in range(selects.count()):
        select = selects.nth(n)
        if select.is_disabled() or select.evaluate("(e, other) => e === other", skip_handle):
            continue
        for option in select.locator("option").evaluate_all("os => os.map(o => o.value)"):
            if option == select.input_value():
                continue
            if tried == most:
                return
            tried += 1
            act_and_watch(page, select, lambda: select.select_option(option))
            yield f"{jlab.menu_label(select)} = {option}"


@pytest.mark.parametrize("lesson", lesson_ids())
def test_lesson_runs_and_every_control_redraws_its_figure(lesson, lab, page, shots):
    path = student_copy(lesson)
    jlab.open_notebook(page, lab, path, page.workspace)
    assert not jlab.no_popups(page), f"JupyterLab opened with pop-ups over the course: {jlab.no_popups(page)}"

    run_seconds = jlab.run_all_cells(page)
    saved = jlab.save_notebook(page, lab, path)
    shots.page(page, "after-run-all")
    errors = jlab.error_outputs(saved)
    assert not errors, f"{lesson}: cells show errors after Run All: {errors}"
    prompts = jlab.input_prompts(page)
    not_run = [n for n, prompt in enumerate(prompts) if not re.search(r"\d", prompt)]
    assert not not_run, f"{lesson}: code cells {not_run} did not run (prompts {prompts})"

    expected = jlab.widget_output_count(saved)
    jlab.wait_widgets_rendered(page, expected)
    assert not jlab.widget_problems(page), f"{lesson}: widgets that did not render: {jlab.widget_problems(page)}"
    roots = jlab.widget_roots(page)
    assert roots.count() == expected, f"{lesson}: {expected} widgets in the notebook, {roots.count()} on the page"

    report = []
    for n in range(roots.count()):
        root, name = roots.nth(n), f"widget{n + 1}"
        jlab.stable_box(page, root)
        shots.element(root, f"{name}-as-run")
        controls = widget_controls(page, root)
        lines = []
        for what, control, act in controls:
            before = jlab.readout(control)
            try:
                seconds, changed = act_and_watch(page, control, act)
            except Exception as err:
                shots.element(root, f"{name}-{what}-no-redraw")
                raise AssertionError(f"{lesson} {name}: {what} did not make the figure redraw") from err
            shots.element(root, f"{name}-{what}")
            if what.startswith("slider"):
                assert jlab.readout(control) != before, f"{name}: dragging {what} did not change its value ({before})"
            lines.append({"widget": name, "control": what, "seconds_to_new_figure": round(seconds, 3),
                          "figure_changed": changed})
        # A control that changed nothing may only matter in another state: try the other menus' options.
        for line, (what, control, act) in zip(lines, controls):
            if line["figure_changed"]:
                continue
            for state in other_states(page, root, control):
                if act_and_watch(page, control, act)[1]:
                    line["figure_changed"], line["after_setting"] = True, state
                    shots.element(root, f"{name}-{what}-with-{state}")
                    break
        assert not controls or any(line["figure_changed"] for line in lines), \
            f"{lesson} {name}: no control changes the figure"
        report += lines

    (shots.folder / "controls.json").write_text(json.dumps({"lesson": lesson, "run_all_seconds": round(run_seconds, 1),
                                                            "controls": report}, indent=1))
    print(f"\n{lesson}: Run All took {run_seconds:.1f} s in the browser; {len(report)} controls checked")
    for line in report:
        effect = ("figure changed" + (f" (with {line['after_setting']})" if "after_setting" in line else "")
                  if line["figure_changed"] else "redrawn, but the same figure in every state tried")
        print(f"  {line['widget']} {line['control']}: new figure after {line['seconds_to_new_figure']:.2f} s, {effect}")

    # A picture for people: the lesson's first widget in the middle of the window.
    if roots.count():
        roots.first.evaluate("e => e.scrollIntoView({block: 'center'})")
        jlab.stable_box(page, roots.first)
        shots.page(page, "widget-in-jupyterlab")
    assert not jlab.no_popups(page), f"pop-ups appeared over the course: {jlab.no_popups(page)}"
