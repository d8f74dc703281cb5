"""An audit hook that keeps student code away from the interpreter's insides.

Part of the in-kernel checker (see records.py for how these files are loaded).
Python calls audit hooks on sensitive operations, and a hook cannot be removed
once added. This one is added before any student code runs and refuses, to any
code but the checker's own:

- reaching objects by walking the interpreter: `gc.get_objects`, `gc.get_referrers`,
  `gc.get_referents`, `sys._current_frames` (how one would find the checker);
- reading or writing raw memory and calling C directly with ctypes, and importing
  CPython's test modules that can do the same;
- replacing the code or default arguments of a function tests rely on (one that
  records.py recorded: `np.allclose.__defaults__` holds its tolerance);
- adding another audit hook, or a trace or profile function;
- in the checker's own threads (where tests run), taking hold of any call frame:
  `sys._getframe`, a traceback's or generator's frame. A frame leads to the test's
  own variables and to the checker's.

Whether the caller is the checker is decided by the identity of the calling code
object, which no student code can share. Every refusal is reported for review.
"""

import sys
import _thread

_ALWAYS_REFUSED = frozenset({
    "gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys._current_frames", "sys.addaudithook",
    "sys.settrace", "sys.setprofile", "ctypes.addressof", "ctypes.call_function", "ctypes.cdata",
    "ctypes.cdata/buffer", "ctypes.string_at", "ctypes.wstring_at", "ctypes.set_exception",
})
_FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back"})
_GUARDED_FUNCTION_ATTRIBUTES = frozenset({"__code__", "__defaults__", "__kwdefaults__"})
# ctypes reads and writes raw memory without raising audit events; the sandbox hides it from lessons
# that do not import torch, and importing it is refused where it was not loaded before student code.
_REFUSED_IMPORTS = frozenset({"ctypes", "_ctypes", "_testcapi", "_testinternalcapi", "_testmultiphase", "_ctypes_test",
                              "_testbuffer", "_testimportmultiple", "_xxtestfuzz", "_testclinic"})
_INTERESTING = _ALWAYS_REFUSED | {"sys._getframe", "object.__getattr__", "object.__setattr__", "import"}

_get_ident = _thread.get_ident
_getframe = sys._getframe
_set_add, _set_discard = set.add, set.discard
_trusted_codes = set()  # code objects of the checker's own functions, filled in by trust_checker_code
_allowed_frame_users = {}  # library code that looks at frames but returns none: code -> required caller
_checker_threads = set()  # idents of the threads the checker runs (tests run in one of them)
_inside = set()  # threads currently inside the hook (its own frame look-ups raise events too)
audit_findings = []  # what was refused, for the next check to report


def _audit(event, args):
    if event not in _INTERESTING:
        return
    ident = _get_ident()
    if ident in _inside:
        return
    _set_add(_inside, ident)
    try:
        verdict = _judge(event, args, ident)
    finally:
        _set_discard(_inside, ident)
    if verdict:
        audit_findings.append(verdict)
        raise RuntimeError(f"{verdict}: not allowed while grading")


def _judge(event, args, ident):
    """A description of the refused operation, or None to allow it."""
    if event == "import":
        if args and args[0] in _REFUSED_IMPORTS:
            return f"import of {args[0]}"
        return None
    if event == "object.__setattr__":
        if len(args) > 1 and args[1] in _GUARDED_FUNCTION_ATTRIBUTES and id(args[0]) in _functions \
                and _functions[id(args[0])][0] is args[0] and not _caller_is_checker():
            return f"setting {args[1]} of {_functions[id(args[0])][1]}"
        return None
    if event == "object.__getattr__":
        if ident in _checker_threads and len(args) > 1 and args[1] in _FRAME_ATTRIBUTES \
                and not _caller_is_checker():
            return f"reading {args[1]} in a test"
        return None
    if event == "sys._getframe":
        if ident in _checker_threads and not _caller_is_checker(allow_frame_users=True):
            return "sys._getframe in a test"
        return None
    if _caller_is_checker():
        return None
    return event


def _caller_is_checker(allow_frame_users=False):
    # Frame 0 is this function, 1 _judge, 2 _audit, 3 the code that did the audited operation.
    try:
        caller = _getframe(3)
    except ValueError:  # raised from C with no Python code below it
        return False
    code = caller.f_code
    if code in _trusted_codes:
        return True
    if not allow_frame_users or code not in _allowed_frame_users:
        return False
    parent = _allowed_frame_users[code]
    return parent is None or (caller.f_back is not None and caller.f_back.f_code is parent)


def trust_checker_code(namespace):
    """Mark every function defined in the checker's namespace (and the functions inside them) as the checker."""
    import types
    todo = [v.__code__ for v in list(namespace.values()) if type(v) is types.FunctionType]
    todo += [f.__code__ for cls in list(namespace.values()) if type(cls) is type
             for f in vars(cls).values() if type(f) is types.FunctionType]
    while todo:
        code = todo.pop()
        if code in _trusted_codes:
            continue
        _trusted_codes.add(code)
        todo += [c for c in code.co_consts if type(c) is types.CodeType]


def allow_frame_users():
    """Library functions that look at their caller's frame and hand back only text or a flag.

    Each is known by its code object (which nothing else can share), some only when called from
    one given function: `logging.currentframe` returns a frame, so it counts only inside
    `Logger.findCaller`. `inspect.currentframe` or `traceback.walk_stack` are not on the list.
    """
    import collections
    import logging
    import traceback
    import typing
    allowed = [(traceback.format_stack, None), (traceback.extract_stack, None), (collections.namedtuple, None),
               (getattr(typing, "_caller", None), None), (logging.currentframe, logging.Logger.findCaller)]
    typing_extensions = sys.modules.get("typing_extensions")
    if typing_extensions is not None:
        allowed.append((getattr(typing_extensions, "_has_generic_or_protocol_as_origin", None), None))
        allowed.append((getattr(typing_extensions, "_caller", None), None))
    for function, parent in allowed:
        if function is not None:
            _allowed_frame_users[function.__code__] = parent.__code__ if parent is not None else None


def install_audit_hook():
    allow_frame_users()
    sys.addaudithook(_audit)
