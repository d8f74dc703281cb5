"""Running one hidden test cell the way the lesson wrote it.

Part of the in-kernel checker (see records.py for how these files are loaded).
A test cell's source never passes through IPython: it is compiled with the
genuine `compile` (no inherited `__future__` flags) and run with the genuine
`exec`, in a namespace of its own: the notebook's names, but the lesson's
imports and Python's builtins as they were when the kernel started. Student
functions keep the notebook's namespace as their globals, so one that rebinds
`np` or `all` while the test runs changes the notebook's names, not the test's.

Before the test every recorded object is put back and every change student
code made since the last check is reported; after it the same again, so
patching during a test is caught too. Output goes through pipes that a reader
thread empties, so what was printed (on stderr above all: nbgrader scores a
test cell with stderr output as failed) cannot be taken back by student code.
"""

import io
import os
import select
import sys
import time
import _thread
import builtins

_compile, _exec = compile, exec
_dict_copy, _dict_pop = dict.copy, dict.pop
_type_name = type.__dict__["__name__"].__get__
_str_slice = str.__getitem__
_pipe, _read, _close = os.pipe, os.read, os.close
_select = select.select
_monotonic = time.monotonic
_current_frames = sys._current_frames
_allocate_lock = _thread.allocate_lock
_start_thread = _thread.start_new_thread
_FileIO, _TextIOWrapper = io.FileIO, io.TextIOWrapper
_builtins_module = builtins

_checker_state = {}  # user namespace, IPython's own names, the kernel's stdout/stderr: filled in by start()
MAX_MESSAGE = 2000  # characters of an error message sent back


def run_test(request):
    """Run one test cell. request: {"source", "filename", "aliases", "max_output"} and, to diagnose
    a failure, "diagnose": {"lesson", "limit"} (diagnose.py).

    Returns {"outputs": [(stream, text)], "error": (name, message) or None,
    "before": [...], "during": [...], "seconds": float, "diagnoses": [(function, why)]}:
    `before` lists the changes student code made since the last check, `during` those made
    while the test (or the diagnosis of its failure) ran (both undone). A diagnosis's
    sentences end the error's message.
    """
    before = collect_findings()
    before += _rebound_names(request["aliases"])
    namespace = _test_namespace(request["aliases"])
    initial = _dict_copy(namespace)
    capture = _Capture(request["max_output"])
    saved_path = _dict_get(_sys_dict, "path")
    _dict_set(_sys_dict, "path", list(_import_state["path"]))  # a list of ours: no student list methods run
    _dict_set(_sys_dict, "stdout", capture.stdout)
    _dict_set(_sys_dict, "stderr", capture.stderr)
    error = None
    # The collector stays off while the test runs, so that an array type made inside it is still
    # alive for the check after it (array_types.py); a collection during the test means student
    # code ran it.
    collector_was_on = _gc_isenabled()
    _gc_disable()
    collections = gc_collections()
    started = _monotonic()
    try:
        _exec(_compile(request["source"], request["filename"], "exec", 0, True), namespace)
    except BaseException as exc:  # noqa: B036 - a test's SystemExit or KeyboardInterrupt fails it too
        error = _describe(exc)
        exc = None
    seconds = _monotonic() - started
    diagnoses = []
    if error is not None:  # which known mistake the cell's functions behave like (diagnose.py), still guarded
        text, diagnoses = diagnose_failure(_dict_get(request, "diagnose"), request["source"], namespace, seconds)
        if text:
            error = (error[0], error[1] + "\n" + text)
    during = []
    for name, ours in (("stdout", capture.stdout), ("stderr", capture.stderr)):
        if _dict_get(_sys_dict, name) is not ours:
            during.append(f"sys.{name} was replaced during the test")
    _dict_set(_sys_dict, "stdout", _checker_state["stdout"])
    _dict_set(_sys_dict, "stderr", _checker_state["stderr"])
    _dict_set(_sys_dict, "path", saved_path)
    during += _changed_test_names(namespace, request["aliases"])
    outputs = capture.finish()
    _copy_back(namespace, initial, request["aliases"])
    namespace = initial = None  # objects the test made may run code when freed: before the check
    during += collect_findings()
    if gc_collections() != collections or _gc_isenabled():
        during.append("the garbage collector was switched on or run during the test")
    if collector_was_on:
        _gc_enable()
    return {"outputs": outputs, "error": error, "before": before, "during": during, "seconds": seconds,
            "diagnoses": diagnoses}


def collect_findings():
    """Every change student code made since the last call, each undone; as sentences."""
    found = []
    while audit_findings:
        found.append("refused " + audit_findings.pop(0))
    try:
        check_shell(found)
    except Exception as exc:
        found.append(f"IPython's machinery could not be checked ({_type_name(type(exc))})")
    record_modules()
    check_records(found)
    check_array_types(found)
    for name in ("stdout", "stderr"):
        if _dict_get(_sys_dict, name) is not _checker_state[name]:
            found.append(f"sys.{name} was replaced")
            _dict_set(_sys_dict, name, _checker_state[name])
    _check_threads(found)
    return found


def _test_namespace(aliases):
    """The notebook's names, with the lesson's imports and the builtins as they were at kernel start."""
    user_ns = _checker_state["user_ns"]
    # Only plain string names: a key of another type could run code when compared.
    namespace = {name: value for name, value in _dict_items(user_ns) if type(name) is str}
    own = _checker_state["own_names"]
    genuine_builtins = _modules["builtins"][3]
    for name in [n for n in namespace if n in genuine_builtins]:
        if namespace[name] is not genuine_builtins[name] and namespace[name] is not own.get(name, _missing):
            _dict_pop(namespace, name)  # a student global named like a builtin: the test gets the builtin
    for alias, (module, attribute) in aliases.items():
        value = genuine(module, attribute)
        if value is not _missing:
            namespace[alias] = value
    namespace["__builtins__"] = _builtins_module
    namespace["__name__"] = "__main__"
    return namespace


def _rebound_names(aliases):
    """The lesson's import names this test uses that the notebook now binds to something else."""
    user_ns = _checker_state["user_ns"]
    found = []
    for alias, (module, attribute) in aliases.items():
        value = genuine(module, attribute)
        if value is not _missing and _dict_get(user_ns, alias, value) is not value:
            found.append(f"the notebook name '{alias}', which this test uses, no longer means {module}"
                         f"{'.' + attribute if attribute else ''}")
            user_ns[alias] = value
    return found


def _changed_test_names(namespace, aliases):
    """The test's own imports and builtins, rebound while it ran (through a function the test handed
    to student code, whose __globals__ is the test's namespace)."""
    found = []
    for alias, (module, attribute) in aliases.items():
        value = genuine(module, attribute)
        if value is not _missing and _dict_get(namespace, alias, value) is not value:
            found.append(f"the test's name '{alias}' was rebound while it ran")
    if _dict_get(namespace, "__builtins__") is not _builtins_module:
        found.append("the test's builtins were replaced while it ran")
    genuine_builtins = _modules["builtins"][3]
    for name, value in _dict_items(namespace):
        if type(name) is str and name in genuine_builtins and value is not genuine_builtins[name] \
                and _dict_get(_checker_state["own_names"], name, _missing) is not value:
            found.append(f"the test's builtin '{name}' was shadowed while it ran")
    return found


def _copy_back(namespace, initial, aliases):
    """Names the test bound go to the notebook, as they would after an ordinary cell."""
    user_ns = _checker_state["user_ns"]
    for name, value in list(namespace.items()):
        if name in aliases or name in ("__builtins__", "__name__"):
            continue
        if initial.get(name, _missing) is not value:
            user_ns[name] = value


def _describe(exc):
    """(exception name, message) without running more student code than str() does."""
    name = _type_name(type(exc))
    try:
        message = str(exc)
        message = _str_slice(message, slice(0, MAX_MESSAGE))  # an exact str, even from a str subclass
    except BaseException:  # noqa: B036
        message = "(the error message could not be read)"
    return (_str_slice(name, slice(None)), message)


def _check_threads(found):
    """Threads running student code (beside the idle kernel and the checker) could change what a test sees."""
    for ident, frame in _current_frames().items():
        if ident in _checker_threads or ident == _checker_state["main_thread"]:
            continue
        while frame is not None:
            code = frame.f_code
            if code not in _trusted_codes and not library_origin_of_code(code):
                found.append(f"a thread running student code ({code.co_name}) was alive during grading")
                break
            frame = frame.f_back


def library_origin_of_code(code):
    return _library_file(code.co_filename)


class _Capture:
    """stdout and stderr of one test, through pipes a checker thread empties as they fill."""

    def __init__(self, limit):
        self.limit = limit
        self.chunks = []
        self.size = 0
        self.capped = False
        self.done = _allocate_lock()
        self.done.acquire()
        self.read_out, write_out = _pipe()
        self.read_err, write_err = _pipe()
        self.stdout = _TextIOWrapper(_FileIO(write_out, "w", closefd=False), encoding="utf-8", errors="replace",
                                     line_buffering=True, write_through=True)
        self.stderr = _TextIOWrapper(_FileIO(write_err, "w", closefd=False), encoding="utf-8", errors="replace",
                                     line_buffering=True, write_through=True)
        self.write_fds = (write_out, write_err)
        _start_thread(self._drain, ())

    def _drain(self):
        _checker_threads.add(_get_ident())
        names = {self.read_out: "stdout", self.read_err: "stderr"}
        try:
            while names:
                ready, _, _ = _select(list(names), [], [], 1.0)
                for fd in ready:
                    data = _read(fd, 65536)
                    if not data:
                        _close(fd)
                        del names[fd]
                    elif self.size < self.limit:
                        self.chunks.append((names[fd], data[:self.limit - self.size]))
                        self.size += len(data)
                    else:
                        self.capped = True
        finally:
            _checker_threads.discard(_get_ident())
            self.done.release()

    def finish(self):
        """[(stream name, text)], consecutive pieces of one stream joined. Each stream's text is in
        the order written; stdout and stderr interleave in the order the reader saw them, which
        can differ when both are written at once (as with Jupyter's own streams)."""
        for stream, fd in ((self.stdout, self.write_fds[0]), (self.stderr, self.write_fds[1])):
            try:
                stream.flush()
            except Exception:
                pass
            try:
                _close(fd)  # the reader sees the end; a file student code reopened here is closed too
            except OSError:
                pass
        self.done.acquire()
        joined = []
        for name, data in self.chunks:
            if joined and joined[-1][0] == name:
                joined[-1][1].append(data)
            else:
                joined.append((name, [data]))
        outputs = [(name, b"".join(parts).decode("utf-8", "replace")) for name, parts in joined]
        if self.capped:
            outputs.append(("stderr", f"\n[output limit reached: a test may print {self.limit:,} characters]\n"))
        return outputs
