"""The checker's own line to the grader: a Unix socket served by a thread of its own.

Part of the in-kernel checker (see records.py for how these files are loaded).
The grader sends each hidden test here instead of through the kernel's message
handlers (which student code can replace). Requests and replies carry a keyed
BLAKE2 tag made with a secret the grader wrote to a file that `arm` read and
deleted before any student code ran: the key exists only in this thread's
namespace, so a reply without a valid tag did not come from the checker.

Frame: 4-byte big-endian length, then 32-byte tag, then a marshal payload
(marshal and BLAKE2 are implemented in C; their functions were taken before
any student code ran).
"""

import _blake2
import _socket
import _thread
import importlib
import marshal
import os
import sys

TAG_BYTES = 32
MAX_REQUEST = 64 * 2 ** 20

_blake = _blake2.blake2b
_marshal_dumps, _marshal_loads = marshal.dumps, marshal.loads
_int_from_bytes, _int_to_bytes = int.from_bytes, int.to_bytes
_socket_type = _socket.socket


def _constant_time_equal(a, b):
    if len(a) != len(b):
        return False
    result = 0
    for x, y in zip(a, b):
        result |= x ^ y
    return result == 0


def _tag(key, payload):
    return _blake(payload, key=key, digest_size=TAG_BYTES).digest()


def _receive(conn, count):
    # The grader's side has its twin (channel._receive): the checker imports nothing of dlcourse.
    parts, size = [], 0
    while size < count:
        data = conn.recv(min(count - size, 1 << 20))
        if not data:
            raise ConnectionError("the grader hung up")
        parts.append(data)
        size += len(data)
    return b"".join(parts)


def _serve(listener, key):
    _checker_threads.add(_get_ident())
    while True:
        try:
            fd, _ = listener._accept()
            conn = _socket_type(_socket.AF_UNIX, _socket.SOCK_STREAM, 0, fd)
        except OSError:
            continue
        try:
            _answer(conn, key)
        except BaseException:  # noqa: B036 - the checker keeps serving whatever one request did
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


def _answer(conn, key):
    length = _int_from_bytes(_receive(conn, 4), "big")
    if length > MAX_REQUEST:
        return
    frame = _receive(conn, length)
    tag, payload = frame[:TAG_BYTES], frame[TAG_BYTES:]
    if not _constant_time_equal(tag, _tag(key, payload)):
        return  # not the grader: say nothing
    request = _marshal_loads(payload)
    if request["op"] == "test":
        result = run_test(request)
    else:
        result = {"ok": True}
    reply = _marshal_dumps({"nonce": request["nonce"], "result": result})
    frame = _tag(key, reply) + reply
    conn.sendall(_int_to_bytes(len(frame), 4, "big") + frame)


def start(folder, key, preload, library_roots):
    """Set everything up (kernel start, before any student code) and start serving."""
    _extra_library_roots.extend(library_roots)
    names = list(ALWAYS_PRELOAD) + [n for n in preload if n]
    if any(n == "torch" or n.startswith("torch.") for n in names):
        names += TORCH_PRELOAD
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: B036 - a module the lesson will fail to import anyway
            pass
    record_modules()
    keep_probes()
    record_types()
    record_import_state()
    record_shell()
    shell = _shell_state.get("shell")
    _checker_state.update(
        user_ns=shell.user_ns if shell is not None else {},
        own_names=dict(shell.user_ns) if shell is not None else {},
        stdout=sys.stdout, stderr=sys.stderr, main_thread=_get_ident(),
    )
    listener = _socket_type(_socket.AF_UNIX, _socket.SOCK_STREAM)
    path = os.path.join(folder, "checker.sock")
    if os.path.exists(path):
        os.unlink(path)
    listener.bind(path)
    listener.listen(4)
    trust_checker_code(globals())
    install_audit_hook()
    _thread.start_new_thread(_serve, (listener, key))
