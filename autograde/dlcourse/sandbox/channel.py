"""The grader's end of the line to the checker inside a graded kernel (checker/server.py).

`new_key()` makes the secret for one kernel; `ask(folder, key, request, timeout)`
sends one request and returns the checker's result, or raises CheckerUnreachable
when no reply with a valid tag came back in time (the kernel died, student code
broke the checker, or something else answered).
"""

import marshal
import os
import secrets
import socket
import struct
from hashlib import blake2b
from hmac import compare_digest
from pathlib import Path

TAG_BYTES = 32
MAX_REPLY = 256 * 2 ** 20


class CheckerUnreachable(RuntimeError):
    """No valid reply from the checker."""


class CheckerTimeout(CheckerUnreachable):
    """The checker did not answer within the time allowed (the test ran too long)."""


def new_key():
    return secrets.token_bytes(32)


def write_key(folder, key, uid=None):
    """Leave the key where the kernel's `arm()` reads (and deletes) it."""
    path = Path(folder, "checker.key")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    if uid is not None:
        os.chown(path, uid, uid)
    return path


def _tag(key, payload):
    return blake2b(payload, key=key, digest_size=TAG_BYTES).digest()


def ask(folder, key, request, timeout):
    """Send `request` (a dict of marshal-able values) and return the checker's result dict."""
    nonce = secrets.token_bytes(16)
    payload = marshal.dumps({**request, "nonce": nonce})
    frame = _tag(key, payload) + payload
    path = str(Path(folder, "checker.sock"))
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(path)
            conn.sendall(struct.pack(">I", len(frame)) + frame)
            length = struct.unpack(">I", _receive(conn, 4))[0]
            if length > MAX_REPLY or length < TAG_BYTES:
                raise CheckerUnreachable(f"a reply of {length} bytes")
            reply = _receive(conn, length)
    except socket.timeout:
        raise CheckerTimeout(f"no answer within {timeout:.0f} s") from None
    except OSError as err:
        raise CheckerUnreachable(f"{type(err).__name__}: {err}") from None
    tag, body = reply[:TAG_BYTES], reply[TAG_BYTES:]
    if not compare_digest(tag, _tag(key, body)):
        raise CheckerUnreachable("a reply without the checker's tag")
    message = marshal.loads(body)  # safe: the tag proves the checker wrote it
    if message.get("nonce") != nonce:
        raise CheckerUnreachable("a reply to another request")
    return message["result"]


def _receive(conn, count):
    parts, size = [], 0
    while size < count:
        data = conn.recv(min(count - size, 1 << 20))
        if not data:
            raise CheckerUnreachable("the kernel closed the line (did it die?)")
        parts.append(data)
        size += len(data)
    return b"".join(parts)
