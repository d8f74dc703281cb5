"""IPython's and ipykernel's machinery: recorded at kernel start, student changes reported and undone.

Part of the in-kernel checker (see records.py for how these files are loaded).
Hidden tests never pass through this machinery (runner.py compiles and runs them
itself), so a transformer, an event callback or a replaced display hook cannot
change a test. Such a change is still tampering, so it is reported (and the next
test scores zero) and undone. Hooks a library installs while the lesson runs
(matplotlib's figure display, say) are recognised by where their code lives
(records.library_origin) and kept.
"""

_shell_state = {}

# List-valued hooks: how source becomes code, and what runs around each cell.
_HOOK_LISTS = (
    ("input transformer (cleanup)", lambda s: s.input_transformers_cleanup),
    ("input transformer (cleanup stage of the manager)", lambda s: s.input_transformer_manager.cleanup_transforms),
    ("input transformer (line stage)", lambda s: s.input_transformer_manager.line_transforms),
    ("input transformer (token stage)", lambda s: s.input_transformer_manager.token_transformers),
    ("input transformer (post)", lambda s: s.input_transformers_post),
    ("AST transformer", lambda s: s.ast_transformers),
)
# Single objects that decide how code is compiled, run, displayed and how errors are reported.
_HOOK_OBJECTS = ("compile", "displayhook", "display_pub", "display_formatter", "display_trap", "builtin_trap",
                 "InteractiveTB", "SyntaxTB", "CustomTB", "custom_exceptions", "user_ns", "user_module",
                 "input_transformer_manager", "events", "kernel")
_KERNEL_TABLES = ("shell_handlers", "control_handlers")


def record_shell():
    """Record the shell's machinery (called at kernel start, before any student code)."""
    shell = _find_shell()
    if shell is None:
        return
    state = {"shell": shell, "lists": {}, "objects": {}, "events": {}, "tables": {}}
    for label, get in _HOOK_LISTS:
        try:
            hooks = get(shell)
            state["lists"][label] = (hooks, list(hooks))
        except Exception:
            pass
    for name in _HOOK_OBJECTS:
        state["objects"][name] = getattr(shell, name, None)
    for event, callbacks in shell.events.callbacks.items():
        state["events"][event] = (callbacks, list(callbacks))
    kernel = getattr(shell, "kernel", None)
    for table in _KERNEL_TABLES:
        handlers = getattr(kernel, table, None)
        if isinstance(handlers, dict):
            state["tables"][table] = (handlers, dict(handlers))
    state["overrides"] = [(label, obj, set(_instance_overrides(obj))) for label, obj in _override_watch(shell)]
    _shell_state.update(state)


def _override_watch(shell):
    """The objects whose methods decide how a cell runs and how its results and errors leave the kernel."""
    kernel = getattr(shell, "kernel", None)
    candidates = [("shell", shell), ("kernel", kernel), ("kernel's session", getattr(kernel, "session", None)),
                  ("display publisher", getattr(shell, "display_pub", None)),
                  ("display publisher's session", getattr(getattr(shell, "display_pub", None), "session", None)),
                  ("display hook", getattr(shell, "displayhook", None)),
                  ("traceback formatter", getattr(shell, "InteractiveTB", None)),
                  ("compiler", getattr(shell, "compile", None))]
    return [(label, obj) for label, obj in candidates if obj is not None]


def _find_shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _instance_overrides(obj):
    """Callables stored on an instance that hide a method of its class."""
    return [a for a, v in vars(obj).items() if callable(v) and hasattr(type(obj), a)]


def check_shell(found):
    """Undo student changes to the shell's machinery; append a sentence for each to `found`."""
    state = _shell_state
    shell = state.get("shell")
    if shell is None:
        return
    for name, original in state["objects"].items():
        if getattr(shell, name, None) is not original:
            found.append(f"the shell's {name} was replaced")
            try:
                setattr(shell, name, original)
            except Exception:
                shell.__dict__[name] = original
    for label, get in _HOOK_LISTS:
        if label in state["lists"]:
            _check_list(found, label, state["lists"], label, lambda: get(shell), lambda v: _set_list(shell, label, v))
    callbacks = shell.events.callbacks
    for event in list(callbacks):
        if event not in state["events"]:
            state["events"][event] = (callbacks[event], [])
    for event, (live, items) in list(state["events"].items()):
        _check_list(found, f"'{event}' event callback", state["events"], event,
                    lambda: callbacks.setdefault(event, live), lambda items: callbacks.__setitem__(event, live))
    kernel = state["objects"].get("kernel")
    for table, (handlers, original) in state["tables"].items():
        if getattr(kernel, table, None) is not handlers:
            found.append(f"the kernel's {table} were replaced")
            setattr(kernel, table, handlers)
        changed = [k for k in set(handlers) | set(original) if handlers.get(k) is not original.get(k)]
        if changed:
            found.append(f"the kernel's handler for {', '.join(sorted(changed))} was replaced")
            handlers.clear()
            handlers.update(original)
    for label, obj, known in state["overrides"]:
        for attr in set(_instance_overrides(obj)) - known:
            found.append(f"the {label}'s {attr} was overridden")
            delattr(obj, attr)


def _set_list(shell, label, items):
    for known, get in _HOOK_LISTS:
        if known == label:
            hooks = get(shell)
            hooks[:] = items


def _check_list(found, label, table, key, current, replace):
    """One hook list: student additions removed and reported; library additions kept; removals undone."""
    live, items = table[key]
    now = current()
    if now is not live:
        found.append(f"the list of {label}s was replaced")
        if replace is not None:
            replace(items)
        now = live = current()
        table[key] = (live, items)
    added = [hook for hook in now if not any(hook is known for known in items)]
    removed = [known for known in items if not any(hook is known for hook in now)]
    student = [hook for hook in added if not library_origin(hook)]
    if removed:
        found.append(f"{len(removed)} {label}(s) of IPython's own were removed")
    for hook in student:
        found.append(f"student code added an {label} ({_hook_name(hook)})" if label[0] in "aeiouAEIOU" else f"student code added a {label} ({_hook_name(hook)})")
    if student or removed:
        now[:] = [hook for hook in now if not any(hook is s for s in student)]
        now[:0] = [hook for hook in removed]
    table[key] = (live, list(now))


def _hook_name(hook):
    name = getattr(hook, "__qualname__", None)
    return str(name if isinstance(name, str) else type(hook).__qualname__)[:60]
