"""Tricks a determined student with the whole Python process in hand might try, to pass tests
without doing the work: each is a few lines of student code in an answer cell.

tests/hostile.py hands each one in with every graded function of lesson 01 wrong
(ALL_WRONG): whatever the trick does to the kernel, the submission must earn
nothing, and the instructor must be told. Before the checker (dlcourse/sandbox/
checker/), most of these earned points: the notes after each say how.
"""

import textwrap

# Every graded function of lesson 01 wrong, each in a way its own tests catch.
ALL_WRONG = {
    "weighted_sum": "def weighted_sum(X, w, b):\n    return np.asarray(X) @ np.asarray(w)\n",
    "step": "def step(z):\n    return (np.asarray(z) > 0).astype(int)\n",
    "perceptron_predict": "def perceptron_predict(X, w, b):\n    return weighted_sum(X, w, b)\n",
    "perceptron_train": "def perceptron_train(X, y, lr=1.0, epochs=10):\n"
                        "    return np.zeros(np.shape(X)[1]), 0.0, [0] * epochs\n",
}

# Makes numpy's comparisons always succeed (used by several tricks below).
_LENIENT = """import numpy as _numpy
def _always(*args, **kwargs):
    return True
def _make_lenient():
    for _name in ("allclose", "array_equal", "isclose", "issubdtype"):
        setattr(_numpy, _name, _always)
"""

_DROP_TESTS = "lambda lines: ['pass\\n'] if any('assert' in line for line in lines) else lines"


def _code(text):
    return textwrap.dedent(text).strip() + "\n"


# numpy, except that every comparison a test might make says yes (for tricks that rebind `np`).
_LENIENT_NP = _code('''
    class _Lenient:
        def __getattr__(self, name):
            import numpy
            if name in ("allclose", "array_equal", "isclose", "issubdtype"):
                return lambda *a, **k: True
            return getattr(numpy, name)
''')

# An ndarray whose every elementwise operation answers "yes": np.isclose, np.allclose and == agree with it.
_AGREEABLE = _code('''
    class _Agreeable(np.ndarray):
        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            if ufunc in (np.isnan, np.isinf, np.isfinite):
                return ufunc(*[np.asarray(x) for x in inputs])
            shape = () if method in ("reduce", "accumulate") else np.broadcast_shapes(*map(np.shape, inputs))
            if ufunc in (np.logical_not, np.invert, np.not_equal):
                return np.zeros(shape, dtype=bool)
            return np.ones(shape, dtype=bool).view(_Agreeable)
''')

# (name, what it does, student code, words the instructor's report must contain)
TRICKS = [
    # IPython's input transformers, every stage: each test cell becomes `pass`.
    ("transformer-cleanup", "an input transformer (cleanup stage) that turns every test into `pass`",
     f"get_ipython().input_transformers_cleanup.append({_DROP_TESTS})", ("input transformer",)),
    ("transformer-line", "the same in the transformer manager's line stage",
     f"get_ipython().input_transformer_manager.line_transforms.append({_DROP_TESTS})", ("input transformer",)),
    ("transformer-post", "the same in the post-processing stage",
     f"get_ipython().input_transformers_post.append({_DROP_TESTS})", ("input transformer",)),
    ("ast-transformer", "an AST transformer that turns every assert into `pass`", _code("""
        import ast as _ast
        class _NoAsserts(_ast.NodeTransformer):
            def visit_Assert(self, node):
                return _ast.copy_location(_ast.Pass(), node)
        get_ipython().ast_transformers.append(_NoAsserts())
     """), ("AST transformer",)),
    # Event callbacks: patch before each cell, put back after, so a check between cells sees nothing.
    ("event-callbacks", "pre_run_cell patches numpy's comparisons, post_run_cell puts them back", _LENIENT + _code("""
        _real = {n: getattr(_numpy, n) for n in ("allclose", "array_equal", "isclose", "issubdtype")}
        get_ipython().events.register("pre_run_cell", lambda info: _make_lenient())
        get_ipython().events.register("post_run_cell", lambda result: [setattr(_numpy, n, f) for n, f in _real.items()])
     """), ("event callback",)),
    ("event-pre-execute", "pre_execute patches numpy's comparisons before every cell", _LENIENT + _code("""
        get_ipython().events.register("pre_execute", _make_lenient)
     """), ("event callback",)),
    # Error reporting: a failed assert that is never reported gives no error output, so full marks.
    ("custom-exception", "a custom exception handler that swallows every error", _code("""
        get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
     """), ("custom_exceptions",)),
    ("silent-errors", "drops the kernel's error messages before they are sent", _code("""
        _session = get_ipython().kernel.session
        _send = _session.send
        def _quiet_send(stream, msg_or_type, *args, **kwargs):
            kind = msg_or_type if isinstance(msg_or_type, str) else msg_or_type.get("msg_type", "")
            if kind == "error":
                return None
            return _send(stream, msg_or_type, *args, **kwargs)
        _session.send = _quiet_send
        get_ipython().display_pub.session.send = _quiet_send
     """), ("tampering",)),
    ("excepthook", "replaces the exception hooks IPython and Python report errors with", _code("""
        import sys as _sys
        _sys.excepthook = lambda *args: None
        get_ipython().InteractiveTB = type("_Quiet", (), {"__call__": lambda self, *a, **k: None,
                                                          "structured_traceback": lambda self, *a, **k: []})()
     """), ("tampering",)),
    # The kernel's message handlers: run every cell with errors silenced.
    ("kernel-handler", "wraps the kernel's execute_request handler to silence errors", _code("""
        _kernel = get_ipython().kernel
        _handler = _kernel.shell_handlers["execute_request"]
        async def _silenced(*args, **kwargs):
            get_ipython().showtraceback = lambda *a, **k: None
            return await _handler(*args, **kwargs)
        _kernel.shell_handlers["execute_request"] = _silenced
     """), ("handler",)),
    # Tracing: jump over every assert line of the test cells.
    ("settrace", "a trace function that jumps over every assert", _code("""
        import sys as _sys, linecache as _linecache
        def _skip_asserts(frame, event, arg):
            if event == "line" and _linecache.getline(frame.f_code.co_filename, frame.f_lineno).lstrip().startswith("assert"):
                starts = sorted({line for _, _, line in frame.f_code.co_lines() if line and line > frame.f_lineno})
                for target in starts:
                    try:
                        frame.f_lineno = target
                        break
                    except ValueError:
                        continue
            return _skip_asserts
        _sys.settrace(_skip_asserts)
        get_ipython().events.register("pre_run_cell", lambda info: _sys.settrace(_skip_asserts))
     """), ("settrace",)),
    ("setprofile", "a profile function that patches numpy's comparisons on every call", _LENIENT + _code("""
        import sys as _sys
        _sys.setprofile(lambda frame, event, arg: _make_lenient())
     """), ("setprofile",)),
    ("threading-trace", "a trace hook for new threads, and a thread that keeps patching numpy", _LENIENT + _code("""
        import threading as _threading, time as _time
        _threading.settrace(lambda *a: None)
        def _keep_patching():
            while True:
                _make_lenient()
                _time.sleep(0.001)
        _threading.Thread(target=_keep_patching, daemon=True).start()
     """), ("thread",)),
    # The import system: a finder and an __import__ that hand tests a lenient numpy.
    ("meta-path", "a meta-path finder, a path hook and a lenient numpy in sys.modules", _LENIENT + _code("""
        import sys as _sys, importlib.abc as _abc
        class _Finder(_abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                _make_lenient()
                return None
        _sys.meta_path.insert(0, _Finder())
        _sys.path_hooks.insert(0, lambda path: (_make_lenient(), (_ for _ in ()).throw(ImportError()))[1])
        _make_lenient()
     """), ("meta_path",)),
    ("import-hook", "replaces builtins.__import__ to patch numpy whenever anything is imported", _LENIENT + _code("""
        import builtins as _builtins
        _real_import = _builtins.__import__
        def _import(*args, **kwargs):
            _make_lenient()
            return _real_import(*args, **kwargs)
        _builtins.__import__ = _import
        _make_lenient()
     """), ("__import__",)),
    # numpy itself, without replacing a function: its tolerance lives in its default arguments.
    ("tolerance", "widens np.allclose's and np.isclose's default tolerance", _code("""
        import numpy as _numpy
        _numpy.allclose._implementation.__defaults__ = (1e300, 1e300, True)
        _numpy.isclose._implementation.__defaults__ = (1e300, 1e300, True)
     """), ("__defaults__",)),
    # The graded functions run inside the test: they rebind the test's own names.
    ("global-rebind", "a graded function rebinds the global np to a lenient stand-in while the test runs", _LENIENT_NP + _code("""
        def weighted_sum(X, w, b):
            global np
            np = _Lenient()
            return 0.0
     """), ()),
    ("frame-walk", "a graded function reaches the test's own variables through its caller's frame", _LENIENT_NP + _code("""
        import sys as _sys
        def weighted_sum(X, w, b):
            frame = _sys._getframe(1)
            while frame is not None:
                if "np" in frame.f_globals:
                    frame.f_globals["np"] = _Lenient()
                frame = frame.f_back
            return 0.0
     """), ("_getframe",)),
    # The grader's own code inside the kernel.
    ("gut-the-guard", "empties the grader's in-kernel records, then patches numpy", _LENIENT + _code("""
        import sys as _sys
        for _name, _module in list(_sys.modules.items()):
            if _name.startswith("dlcourse"):
                for _attr, _value in list(vars(_module).items()):
                    if isinstance(_value, (dict, list, set)) and not _attr.startswith("__"):
                        try:
                            _value.clear()
                        except Exception:
                            pass
        _make_lenient()
     """), ("tampering",)),
    ("gc-walk", "looks for the checker's objects with the garbage collector", _code("""
        import gc as _gc
        _found = [o for o in _gc.get_objects() if isinstance(o, dict) and "run_test" in o]
        for _namespace in _found:
            _namespace["run_test"] = lambda request: {"outputs": [], "error": None, "before": [], "during": []}
     """), ("gc.get_objects",)),
    ("ctypes", "rewrites memory with ctypes", _code("""
        import ctypes as _ctypes
        _ctypes.memmove(id(0) + 24, id(1) + 24, 8)
     """), ("ctypes",)),
    # Answers of a type of their own, which decides how it compares (numpy's override hooks).
    ("agreeable-array", "returns the right shapes in an ndarray subclass whose every comparison says yes",
     _AGREEABLE + _code("""
        def weighted_sum(X, w, b):
            return np.zeros(np.shape(X)[:-1]).view(_Agreeable)
        def step(z):
            return np.zeros(np.shape(z)).view(_Agreeable)
        def perceptron_predict(X, w, b):
            return np.zeros(np.shape(X)[:-1], dtype=int).view(_Agreeable)
     """), ("array type",)),
    ("array-function", "returns objects whose __array_function__ answers every numpy function with yes", _code("""
        class _Yes:
            def __init__(self, shape):
                self.shape, self.ndim = shape, len(shape)
            def __array_function__(self, func, types, args, kwargs):
                return {"shape": self.shape, "ndim": self.ndim}.get(func.__name__, True)
            __eq__ = __le__ = __ge__ = lambda self, other: True
        def weighted_sum(X, w, b):
            return _Yes(np.shape(X)[:-1])
        def step(z):
            return _Yes(np.shape(z))
     """), ("array type",)),
    ("type-made-in-test", "makes a new array type in every call and runs the collector to drop the last one",
     _code("""
        import gc as _gc
        def weighted_sum(X, w, b):
            _gc.collect()
            exec(_AGREEABLE_SOURCE, globals())
            return np.zeros(np.shape(X)[:-1]).view(_Agreeable)
     """).replace("_AGREEABLE_SOURCE", repr(_AGREEABLE)), ("garbage collector",)),
    ("fake-checker", "replaces the checker's socket with a server that says every test passed", _code("""
        import os as _os, socket as _socket, threading as _threading, marshal as _marshal
        _path = _os.path.join(_os.path.dirname(_os.getcwd()), "checker.sock")
        _os.unlink(_path)
        _server = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        _server.bind(_path)
        _server.listen(4)
        def _answer():
            while True:
                conn, _ = _server.accept()
                conn.recv(1 << 20)
                body = _marshal.dumps({"nonce": b"", "result": {"outputs": [], "error": None, "before": [], "during": []}})
                frame = bytes(32) + body
                conn.sendall(len(frame).to_bytes(4, "big") + frame)
                conn.close()
        _threading.Thread(target=_answer, daemon=True).start()
     """), ("checker unreachable",)),
]
