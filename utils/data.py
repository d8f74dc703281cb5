"""MNIST and Fashion-MNIST: find, read, check and download the data sets.

The lessons call ``load_mnist()``. It returns the full MNIST when one has been
downloaded (``python -m utils.data download``) or pointed at
(``DLCOURSE_MNIST_DIR``), and otherwise the 10,000-digit sample shipped in
``data/mnist-sample``, so every notebook runs offline out of the box.

Files are read in the original IDX format (gzip-compressed or raw) with numpy
only; nothing is cached between calls, so each call returns fresh arrays that
a student may modify freely.

Command line::

    python -m utils.data info                                 # what load_mnist() would return
    python -m utils.data download [mnist|fashion-mnist] [--dest DIR]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "DATA_DIR", "SAMPLE_DIR", "FASHION_MNIST_SYSTEM_DIR",
    "DataError", "IDXFormatError", "ChecksumError", "DataFileNotFoundError",
    "Dataset", "read_idx", "load_mnist", "download", "to_features", "main",
]

_REPO_DATA_DIR = Path(__file__).resolve().parents[1] / "data"

# Where full data sets are downloaded to and looked for. load_mnist() and
# download() re-read the DLCOURSE_DATA_DIR environment variable on each call,
# so it can be set after import; tests may also monkeypatch DATA_DIR.
DATA_DIR: Path = Path(os.environ.get("DLCOURSE_DATA_DIR") or _REPO_DATA_DIR).expanduser()

# The 10,000-digit sample committed to the repository (8,000 train / 2,000 test).
SAMPLE_DIR: Path = _REPO_DATA_DIR / "mnist-sample"

# Where Debian's package `dataset-fashion-mnist` installs Fashion-MNIST.
FASHION_MNIST_SYSTEM_DIR: Path = Path("/usr/share/datasets/fashion-mnist")

# The four files of both data sets, without the ".gz" suffix, in the order
# X_train, y_train, X_test, y_test.
FILES: tuple[str, ...] = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

MNIST_CLASSES: tuple[str, ...] = tuple(str(d) for d in range(10))
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)

MIRRORS: dict[str, tuple[str, ...]] = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    "fashion-mnist": (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ),
}

# Published SHA-256 of the upstream .gz files. (Debian recompressed its copy of
# Fashion-MNIST, so those files hash differently; load_mnist() checks no hashes.)
CHECKSUMS: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
}

# Per data set: environment variable, torchvision's folder name, class names, display name.
_SETS = {
    "mnist": ("DLCOURSE_MNIST_DIR", "MNIST", MNIST_CLASSES, "MNIST"),
    "fashion-mnist": ("DLCOURSE_FASHION_MNIST_DIR", "FashionMNIST", FASHION_MNIST_CLASSES, "Fashion-MNIST"),
}


class DataError(Exception):
    """Base class for every data problem; the message names the offending path."""


class IDXFormatError(DataError):
    """A file is not valid IDX: bad header, wrong length, or a corrupt gzip stream."""


class ChecksumError(DataError):
    """A downloaded file did not match its published SHA-256."""


class DataFileNotFoundError(DataError, FileNotFoundError):
    """A data file does not exist (also catchable as FileNotFoundError)."""


# ---------------------------------------------------------------- reading IDX

# IDX type codes -> numpy dtypes; multi-byte types are stored big-endian.
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path) -> np.ndarray:
    """Read one IDX file, gzip-compressed or raw, into a numpy array.

    Compression is detected from the gzip magic bytes (1f 8b), not from the
    file name, because torchvision and Debian store both kinds.

    Returns an array of the shape in the header, e.g. (n, 28, 28) uint8 for
    images or (n,) uint8 for labels, in native byte order.
    Raises DataFileNotFoundError if the file is missing and IDXFormatError if
    it is empty, truncated, too long, or not IDX at all.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataFileNotFoundError(f"{path}: no such file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None

    if not raw:
        raise IDXFormatError(f"{path}: empty file")
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except EOFError:
            raise IDXFormatError(f"{path}: truncated gzip stream (incomplete download?)") from None
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise IDXFormatError(f"{path}: corrupt gzip stream: {exc}") from None
        if not raw:
            raise IDXFormatError(f"{path}: empty file (after gunzip)")

    # Header: 0x00 0x00, type code, number of dims, then one big-endian uint32 per dim.
    if len(raw) < 4:
        raise IDXFormatError(f"{path}: truncated header: {len(raw)} bytes")
    if raw[0] != 0 or raw[1] != 0:
        raise IDXFormatError(
            f"{path}: bad magic number {raw[:4].hex()}: not an IDX file (expected it to start with 0000)")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise IDXFormatError(f"{path}: unknown IDX data type code 0x{code:02X}")
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise IDXFormatError(f"{path}: truncated header: {ndim} dims need {offset} bytes, found {len(raw)}")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))

    dtype = _IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - offset
    if found < expected:
        raise IDXFormatError(f"{path}: truncated: expected {expected} bytes of data, found {found}")
    if found > expected:
        raise IDXFormatError(
            f"{path}: {found - expected} extra bytes: expected {expected} bytes of data, found {found}")
    # astype copies, so the result is writable and in native byte order.
    data = np.frombuffer(raw, dtype=dtype, offset=offset).astype(dtype.newbyteorder("="))
    return data.reshape(shape)


# ------------------------------------------------------------------ data sets

def _shape(a: np.ndarray) -> str:
    return f"{a.dtype}[{', '.join(map(str, a.shape))}]"


@dataclass(frozen=True, eq=False)  # eq=False: comparing arrays with == has no single truth value
class Dataset:
    """One data set, already split into train and test.

    X_train: (n_train, 28, 28) uint8, y_train: (n_train,) int64,
    X_test:  (n_test, 28, 28) uint8,  y_test:  (n_test,) int64;
    labels index into ``classes``.
    """

    name: str       # "mnist" or "fashion-mnist"
    variant: str    # "full" or "sample"
    path: Path      # folder the four files came from
    X_train: np.ndarray = field(repr=False)
    y_train: np.ndarray = field(repr=False)
    X_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)
    classes: tuple[str, ...] = MNIST_CLASSES

    def describe(self) -> str:
        """One line saying which data set this is, how big, and where from."""
        title = _SETS[self.name][3] if self.name in _SETS else self.name
        n_train, n_test = len(self.X_train), len(self.X_test)
        kind = (f"shipped {n_train + n_test:,}-digit sample" if self.variant == "sample"
                else f"{self.variant} set")
        return f"{title} ({kind}): {n_train:,} train / {n_test:,} test images from {self.path}"

    def __repr__(self) -> str:
        arrays = ", ".join(f"{k}={_shape(getattr(self, k))}"
                           for k in ("X_train", "y_train", "X_test", "y_test"))
        return (f"Dataset(name={self.name!r}, variant={self.variant!r}, path={str(self.path)!r}, "
                f"{arrays}, classes={len(self.classes)})")


def _data_dir() -> Path:
    env = os.environ.get("DLCOURSE_DATA_DIR")
    return Path(env).expanduser() if env else DATA_DIR


def _files_in(folder: Path) -> tuple[list[Path], list[str]]:
    """The four files found in ``folder`` (preferring .gz) and the names missing."""
    found, missing = [], []
    for stem in FILES:
        gz, plain = folder / f"{stem}.gz", folder / stem
        if gz.is_file():
            found.append(gz)
        elif plain.is_file():
            found.append(plain)
        else:
            missing.append(f"{stem}[.gz]")
    return found, missing


def _find_files(folder: Path, torch_name: str) -> tuple[Path, list[Path]] | None:
    """Look in ``folder`` itself, then in torchvision's ``folder/<torch_name>/raw``."""
    for candidate in (folder, folder / torch_name / "raw"):
        files, missing = _files_in(candidate)
        if not missing:
            return candidate, files
    return None


def _locate(dataset: str, path) -> tuple[Path, list[Path], str]:
    """Decide which folder load_mnist() reads: returns (folder, files, variant)."""
    if dataset not in _SETS:
        raise ValueError(f"unknown dataset {dataset!r}; expected one of {sorted(_SETS)}")
    env_name, torch_name, _, title = _SETS[dataset]

    # An explicit folder that lacks the files is a mistake worth reporting,
    # not a reason to fall back silently to something else.
    if path is not None:
        explicit, source = path, "the path argument"
    else:
        explicit, source = os.environ.get(env_name), f"${env_name}"
    if explicit:
        folder = Path(explicit).expanduser()
        hit = _find_files(folder, torch_name)
        if hit is None:
            _, missing = _files_in(folder)
            raise DataError(
                f"{folder} (from {source}) does not hold {title}: missing {', '.join(missing)} "
                f"(also looked in {folder / torch_name / 'raw'})")
        return (*hit, _variant(hit[0]))

    defaults = [_data_dir() / dataset]
    if dataset == "mnist":
        defaults += [_data_dir() / "mnist-sample", SAMPLE_DIR]
    else:
        defaults += [FASHION_MNIST_SYSTEM_DIR]
    for folder in defaults:
        hit = _find_files(folder, torch_name)
        if hit is not None:
            return (*hit, _variant(hit[0]))

    searched = ", ".join(str(f) for f in dict.fromkeys(defaults))
    if dataset == "fashion-mnist":
        raise DataError(
            f"Fashion-MNIST not found (searched {searched}). Install it with "
            f"`sudo apt-get install dataset-fashion-mnist`, or run "
            f"`python -m utils.data download fashion-mnist`, or set ${env_name} to a folder holding "
            f"{', '.join(f'{s}.gz' for s in FILES)}.")
    raise DataError(f"MNIST not found (searched {searched}); run `python -m utils.data download`.")


def _variant(folder: Path) -> str:
    samples = {(_data_dir() / "mnist-sample").resolve(), SAMPLE_DIR.resolve()}
    return "sample" if folder.resolve() in samples else "full"


def load_mnist(path=None, *, dataset: str = "mnist", verbose: bool = True) -> Dataset:
    """Load MNIST (or Fashion-MNIST with ``dataset="fashion-mnist"``).

    Search order for MNIST: ``path``; $DLCOURSE_MNIST_DIR; DATA_DIR/mnist; the
    shipped sample. For Fashion-MNIST: ``path``; $DLCOURSE_FASHION_MNIST_DIR;
    DATA_DIR/fashion-mnist; FASHION_MNIST_SYSTEM_DIR (Debian's package).
    Each folder may hold the files directly or in torchvision's ``MNIST/raw``
    (``FashionMNIST/raw``) layout.

    Returns a Dataset with X_* of shape (n, 28, 28) uint8 and y_* of shape (n,) int64.
    Prints ``describe()`` when ``verbose``.
    """
    folder, files, variant = _locate(dataset, path)
    X_train, y_train, X_test, y_test = (read_idx(f) for f in files)
    n_classes = len(_SETS[dataset][2])
    for X, y, fx, fy in ((X_train, y_train, files[0], files[1]), (X_test, y_test, files[2], files[3])):
        _check_pair(X, y, fx, fy, n_classes)
    ds = Dataset(dataset, variant, folder, X_train, y_train.astype(np.int64),
                 X_test, y_test.astype(np.int64), _SETS[dataset][2])
    if verbose:
        print(ds.describe())
    return ds


def _check_pair(X: np.ndarray, y: np.ndarray, fx: Path, fy: Path, n_classes: int) -> None:
    """Images (n, 28, 28) uint8 and labels (n,) in [0, n_classes) must match up."""
    problem = None
    if X.ndim != 3 or X.shape[1:] != (28, 28) or X.dtype != np.uint8:
        problem = f"images are {_shape(X)}, expected uint8[n, 28, 28]"
    elif y.ndim != 1:
        problem = f"labels are {_shape(y)}, expected one dimension"
    elif len(X) != len(y):
        problem = f"{len(X):,} images but {len(y):,} labels"
    elif len(y) and (y.min() < 0 or y.max() >= n_classes):
        problem = f"labels range over {y.min()}..{y.max()}, expected 0..{n_classes - 1}"
    if problem:
        raise DataError(f"{fx} and {fy} do not match: {problem}")


def to_features(images, dtype=np.float32) -> np.ndarray:
    """Flatten (n, 28, 28) uint8 images into (n, 784) features in [0, 1].

    Returns a new array of ``dtype``; ``images`` is not modified. Only uint8
    input is accepted, because scaling already-scaled floats by 1/255 again
    is a silent bug.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"to_features expects uint8 pixels (0..255), got {images.dtype}")
    if images.ndim < 2:
        raise ValueError(f"to_features expects (n, 28, 28) images, got shape {images.shape}")
    features = images.reshape(len(images), -1).astype(dtype)  # astype copies
    features /= 255
    return features


# ------------------------------------------------------------------- download

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _why(exc: Exception) -> str:
    """A short reason for a failed request, e.g. "HTTP 404 Not Found"."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    return str(getattr(exc, "reason", None) or exc)


def _fetch(url: str, dest: Path, name: str, timeout: float) -> tuple[Path, str]:
    """Download ``url`` into a temporary file in ``dest``; returns (temp path, sha256)."""
    fd, tmp = tempfile.mkstemp(dir=dest, prefix=f".{name}.", suffix=".part")
    tmp = Path(tmp)
    h = hashlib.sha256()
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "dlcourse-data/1.0"})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as response:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                h.update(chunk)
                out.write(chunk)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, h.hexdigest()


def download(dataset: str = "mnist", dest=None, *, mirrors=None, checksums=None,
             timeout: float = 30, verbose: bool = True) -> Path:
    """Download the four .gz files of ``dataset`` into ``dest`` and verify them.

    ``dest`` defaults to DATA_DIR/dataset, where load_mnist() looks. Each file
    is tried on each mirror in turn; it is written to a temporary file and
    renamed only once its SHA-256 matches ``checksums`` (default: the
    published values), so an interrupted or corrupted download never looks
    like a good file. Files already present with the right hash are skipped.

    Returns the destination folder. Raises ChecksumError if some mirror served
    a file with the wrong hash and none served the right one, DataError if no
    mirror could be reached.
    """
    if dataset not in _SETS:
        raise ValueError(f"unknown dataset {dataset!r}; expected one of {sorted(_SETS)}")
    dest = Path(dest).expanduser() if dest is not None else _data_dir() / dataset
    mirrors = list(mirrors if mirrors is not None else MIRRORS[dataset])
    checksums = dict(checksums if checksums is not None else CHECKSUMS[dataset])
    dest.mkdir(parents=True, exist_ok=True)

    for name in (f"{stem}.gz" for stem in FILES):
        target, expected = dest / name, checksums[name].lower()
        if target.is_file() and _sha256(target) == expected:
            if verbose:
                print(f"{target}: already present, checksum OK")
            continue
        failures, bad_hash = [], False
        for mirror in mirrors:
            url = f"{mirror.rstrip('/')}/{name}"
            if verbose:
                print(f"downloading {url}")
            try:
                tmp, digest = _fetch(url, dest, name, timeout)
            # URLError/HTTPError/timeouts are OSErrors; a cut connection is an HTTPException.
            except (OSError, http.client.HTTPException, ValueError) as exc:
                failures.append(f"{url}: {_why(exc)}")
                continue
            if digest != expected:
                tmp.unlink()
                bad_hash = True
                failures.append(f"{url}: SHA-256 {digest}, expected {expected}")
                continue
            os.replace(tmp, target)  # atomic: target is either absent/old or complete and verified
            break
        else:
            error = ChecksumError if bad_hash else DataError
            raise error(f"{target}: could not download a good copy; tried "
                        + "; ".join(failures or ["no mirrors"]))
    if verbose:
        print(f"{dataset} is ready in {dest}")
    return dest


# ------------------------------------------------------------ command line

def main(argv=None) -> int:
    """``python -m utils.data info`` or ``python -m utils.data download [DATASET] [--dest DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m utils.data", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_dl = sub.add_parser("download", help="download and verify a full data set")
    p_dl.add_argument("dataset", nargs="?", default="mnist", choices=sorted(_SETS))
    p_dl.add_argument("--dest", type=Path, default=None, help="folder (default: DATA_DIR/DATASET)")
    sub.add_parser("info", help="say which data sets load_mnist() would return")
    args = parser.parse_args(argv)

    if args.command == "download":
        try:
            download(args.dataset, args.dest)
        except DataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0

    # info: MNIST must load (the sample always can); Fashion-MNIST is optional.
    status = 0
    for dataset in _SETS:
        try:
            print(load_mnist(dataset=dataset, verbose=False).describe())
        except DataError as exc:
            print(f"{dataset}: {exc}")
            status = status or int(dataset == "mnist")
    return status


if __name__ == "__main__":
    sys.exit(main())
