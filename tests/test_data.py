"""Tests for utils/data.py: IDX reading, data set lookup, download, features."""

import functools
import gzip
import hashlib
import http.server
import shutil
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from utils import data
from utils.data import (ChecksumError, DataError, IDXFormatError, download,
                        load_mnist, read_idx, to_features)

SAMPLE = data.SAMPLE_DIR
GZ_NAMES = [f"{stem}.gz" for stem in data.FILES]

# Documented class counts of the shipped sample (data/README.md).
SAMPLE_TRAIN_COUNTS = [784, 882, 805, 828, 789, 679, 811, 882, 755, 785]
SAMPLE_TEST_COUNTS = [217, 245, 186, 204, 191, 184, 203, 188, 189, 193]


# ------------------------------------------------------------------ helpers

@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """Ignore the developer's own settings and any downloaded full data set."""
    for var in ("DLCOURSE_DATA_DIR", "DLCOURSE_MNIST_DIR", "DLCOURSE_FASHION_MNIST_DIR"):
        monkeypatch.delenv(var, raising=False)
    empty = tmp_path / "empty-data-dir"
    empty.mkdir()
    monkeypatch.setattr(data, "DATA_DIR", empty)
    monkeypatch.setattr(data, "FASHION_MNIST_SYSTEM_DIR", tmp_path / "no-such-system-dir")


def copy_sample(folder: Path, *, gunzip: bool = False) -> Path:
    """Copy the four sample files into ``folder`` (optionally uncompressed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in GZ_NAMES:
        if gunzip:
            (folder / name[:-3]).write_bytes(gzip.decompress((SAMPLE / name).read_bytes()))
        else:
            shutil.copy(SAMPLE / name, folder / name)
    return folder


def idx_bytes(array: np.ndarray, code: int) -> bytes:
    """Encode ``array`` as IDX with the given type code (independent of read_idx)."""
    big_endian = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.asarray(array, dtype=big_endian).tobytes()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -------------------------------------------------------------- the sample

def test_sample_loads_with_documented_counts(capsys):
    ds = load_mnist()
    assert ds.name == "mnist" and ds.variant == "sample"
    assert ds.path == SAMPLE
    assert ds.X_train.shape == (8000, 28, 28) and ds.X_test.shape == (2000, 28, 28)
    assert ds.X_train.dtype == np.uint8 and ds.X_test.dtype == np.uint8
    assert ds.y_train.shape == (8000,) and ds.y_test.shape == (2000,)
    assert ds.y_train.dtype == np.int64 and ds.y_test.dtype == np.int64
    assert ds.X_train.max() == 255 and ds.X_train.min() == 0
    assert np.bincount(ds.y_train, minlength=10).tolist() == SAMPLE_TRAIN_COUNTS
    assert np.bincount(ds.y_test, minlength=10).tolist() == SAMPLE_TEST_COUNTS
    assert ds.classes == tuple("0123456789")
    # verbose=True prints the one-line description
    out = capsys.readouterr().out
    assert out.strip() == ds.describe()
    assert "sample" in out and "8,000 train / 2,000 test" in out and str(SAMPLE) in out


def test_repr_is_short_and_arrays_are_fresh():
    a, b = load_mnist(verbose=False), load_mnist(verbose=False)
    assert len(repr(a)) < 400 and "uint8[8000, 28, 28]" in repr(a)
    a.X_train[0] = 7  # one caller's edits must not leak into the next load
    assert not np.array_equal(a.X_train[0], b.X_train[0])
    assert b.X_train.flags.writeable


# ------------------------------------------------------------------ read_idx

def test_read_idx_gzip_and_raw_identical(tmp_path):
    raw_copy = tmp_path / "images.gz"  # misleading name: detection must use the magic bytes
    raw_copy.write_bytes(gzip.decompress((SAMPLE / GZ_NAMES[2]).read_bytes()))
    gz_copy = tmp_path / "images-compressed"
    shutil.copy(SAMPLE / GZ_NAMES[2], gz_copy)
    a, b = read_idx(raw_copy), read_idx(gz_copy)
    assert a.shape == (2000, 28, 28) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("code", [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E])
def test_read_idx_all_dtypes_native_order(tmp_path, code):
    rng = np.random.default_rng(code)
    array = rng.integers(-100 if code != 0x08 else 0, 100, size=(3, 4, 5))
    path = tmp_path / "x.idx"
    path.write_bytes(idx_bytes(array, code))
    got = read_idx(path)
    assert got.shape == (3, 4, 5) and got.dtype.isnative
    np.testing.assert_array_equal(got, array)


def _corrupt(kind: str) -> bytes:
    good = idx_bytes(np.arange(24, dtype=np.uint8).reshape(2, 3, 4), 0x08)
    return {
        "wrong magic": b"\x12\x34" + good[2:],
        "unknown dtype": good[:2] + b"\x0a" + good[3:],
        "truncated payload": good[:-5],
        "extra bytes": good + b"\x00\x01",
        "truncated gzip": gzip.compress(good * 50)[:-30],
        "corrupt gzip": (lambda z: z[:12] + bytes(b ^ 0xFF for b in z[12:20]) + z[20:])(gzip.compress(good)),
        "empty": b"",
    }[kind]


@pytest.mark.parametrize("kind, words", [
    ("wrong magic", "magic"),
    ("unknown dtype", "type code 0x0A"),
    ("truncated payload", "truncated: expected 24 bytes of data, found 19"),
    ("extra bytes", "2 extra bytes"),
    ("truncated gzip", "truncated gzip"),
    ("corrupt gzip", "gzip"),
    ("empty", "empty"),
])
def test_read_idx_rejects_corruption(tmp_path, kind, words):
    path = tmp_path / f"bad-{kind.replace(' ', '-')}-ubyte"
    path.write_bytes(_corrupt(kind))
    with pytest.raises(IDXFormatError) as err:
        read_idx(path)
    assert path.name in str(err.value)
    assert words in str(err.value)


def test_read_idx_missing_file_names_path(tmp_path):
    path = tmp_path / "nowhere-idx1-ubyte"
    with pytest.raises(FileNotFoundError) as err:
        read_idx(path)
    assert isinstance(err.value, DataError) and str(path) in str(err.value)


# ------------------------------------------------------ loader precedence

@pytest.fixture
def three_copies(tmp_path):
    """Folders that each pretend to hold the full MNIST."""
    return {k: copy_sample(tmp_path / k) for k in ("arg", "env", "datadir")}


def test_argument_beats_env_beats_data_dir_beats_sample(monkeypatch, tmp_path, three_copies):
    monkeypatch.setattr(data, "DATA_DIR", tmp_path / "dd")
    copy_sample(tmp_path / "dd" / "mnist")
    monkeypatch.setenv("DLCOURSE_MNIST_DIR", str(three_copies["env"]))

    ds = load_mnist(three_copies["arg"], verbose=False)
    assert (ds.path, ds.variant) == (three_copies["arg"], "full")
    ds = load_mnist(str(three_copies["arg"]), verbose=False)  # str works too
    assert ds.path == three_copies["arg"]

    assert load_mnist(verbose=False).path == three_copies["env"]
    monkeypatch.delenv("DLCOURSE_MNIST_DIR")
    ds = load_mnist(verbose=False)
    assert (ds.path, ds.variant) == (tmp_path / "dd" / "mnist", "full")
    shutil.rmtree(tmp_path / "dd" / "mnist")
    assert load_mnist(verbose=False).variant == "sample"


def test_data_dir_env_var(monkeypatch, tmp_path):
    copy_sample(tmp_path / "elsewhere" / "mnist")
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(tmp_path / "elsewhere"))
    ds = load_mnist(verbose=False)
    assert (ds.path, ds.variant) == (tmp_path / "elsewhere" / "mnist", "full")


def test_explicit_sample_path_is_variant_sample():
    assert load_mnist(SAMPLE, verbose=False).variant == "sample"


def test_torchvision_layout_uncompressed(tmp_path):
    raw = copy_sample(tmp_path / "root" / "MNIST" / "raw", gunzip=True)
    ds = load_mnist(tmp_path / "root", verbose=False)
    assert ds.path == raw and ds.X_train.shape == (8000, 28, 28)
    assert load_mnist(raw, verbose=False).path == raw  # the raw folder itself
    np.testing.assert_array_equal(ds.y_test, load_mnist(SAMPLE, verbose=False).y_test)


def test_prefers_gz_when_both_present(tmp_path):
    folder = copy_sample(tmp_path / "both")
    copy_sample(folder, gunzip=True)
    (folder / data.FILES[1]).write_bytes(b"garbage")  # would fail if read
    assert load_mnist(folder, verbose=False).y_train.shape == (8000,)


@pytest.mark.parametrize("via_env", [False, True])
def test_explicit_path_without_files_is_an_error(monkeypatch, tmp_path, via_env):
    folder = tmp_path / "partial"
    folder.mkdir()
    shutil.copy(SAMPLE / GZ_NAMES[0], folder)
    if via_env:
        monkeypatch.setenv("DLCOURSE_MNIST_DIR", str(folder))
    with pytest.raises(DataError) as err:
        load_mnist(None if via_env else folder, verbose=False)
    msg = str(err.value)
    assert str(folder) in msg
    assert "train-labels-idx1-ubyte" in msg and "t10k-images-idx3-ubyte" in msg
    assert "train-images-idx3-ubyte" not in msg  # present, so not listed as missing


def test_label_image_count_mismatch(tmp_path):
    folder = copy_sample(tmp_path / "mismatch")
    shutil.copy(SAMPLE / "t10k-labels-idx1-ubyte.gz", folder / "train-labels-idx1-ubyte.gz")
    with pytest.raises(DataError) as err:
        load_mnist(folder, verbose=False)
    msg = str(err.value)
    assert "train-images-idx3-ubyte.gz" in msg and "train-labels-idx1-ubyte.gz" in msg
    assert "8,000 images but 2,000 labels" in msg


def test_labels_out_of_range(tmp_path):
    folder = copy_sample(tmp_path / "badlabels")
    labels = read_idx(folder / "t10k-labels-idx1-ubyte.gz")
    labels[5] = 10
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels, 0x08)))
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz.*0..10"):
        load_mnist(folder, verbose=False)


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="kmnist"):
        load_mnist(dataset="kmnist", verbose=False)


# ------------------------------------------------------------- Fashion-MNIST

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def test_fashion_via_env_var(monkeypatch, tmp_path):
    folder = copy_sample(tmp_path / "fashion")
    monkeypatch.setenv("DLCOURSE_FASHION_MNIST_DIR", str(folder))
    ds = load_mnist(dataset="fashion-mnist", verbose=False)
    assert (ds.name, ds.variant, ds.path) == ("fashion-mnist", "full", folder)
    assert ds.classes == FASHION_CLASSES
    assert ds.describe().startswith("Fashion-MNIST")


def test_fashion_via_system_dir(monkeypatch, tmp_path):
    folder = copy_sample(tmp_path / "usr-share" / "FashionMNIST" / "raw", gunzip=True)
    monkeypatch.setattr(data, "FASHION_MNIST_SYSTEM_DIR", tmp_path / "usr-share")
    ds = load_mnist(dataset="fashion-mnist", verbose=False)
    assert ds.path == folder and ds.name == "fashion-mnist"


def test_fashion_missing_everywhere_explains_apt_get():
    with pytest.raises(DataError, match="apt-get install dataset-fashion-mnist"):
        load_mnist(dataset="fashion-mnist", verbose=False)


@pytest.mark.skipif(not Path("/usr/share/datasets/fashion-mnist").is_dir(),
                    reason="Debian package dataset-fashion-mnist not installed")
def test_fashion_debian_package(monkeypatch):
    monkeypatch.setattr(data, "FASHION_MNIST_SYSTEM_DIR", Path("/usr/share/datasets/fashion-mnist"))
    ds = load_mnist(dataset="fashion-mnist", verbose=False)
    assert ds.X_train.shape == (60000, 28, 28) and ds.X_test.shape == (10000, 28, 28)
    assert ds.y_train.shape == (60000,) and ds.y_test.shape == (10000,)
    assert ds.classes == FASHION_CLASSES
    assert sorted(set(ds.y_test.tolist())) == list(range(10))


# ------------------------------------------------------------------ download

@pytest.fixture
def server(tmp_path):
    """Local HTTP server: /good/ serves the sample, /bad/ corrupted copies, /missing/ 404s."""
    root = tmp_path / "www"
    copy_sample(root / "good")
    (root / "bad").mkdir()
    for name in GZ_NAMES:
        blob = bytearray((SAMPLE / name).read_bytes())
        blob[len(blob) // 2] ^= 0xFF
        (root / "bad" / name).write_bytes(bytes(blob))

    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):  # keep pytest output clean
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield {
            "url": f"http://127.0.0.1:{httpd.server_address[1]}",
            "requests": requests,
            "checksums": {n: sha256(root / "good" / n) for n in GZ_NAMES},
        }
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_download_falls_through_to_good_mirror(tmp_path, server):
    dest = tmp_path / "dest"
    url = server["url"]
    got = download(dest=dest, mirrors=[f"{url}/missing/", f"{url}/bad", f"{url}/good/"],
                   checksums=server["checksums"], timeout=5, verbose=False)
    assert got == dest
    assert sorted(p.name for p in dest.iterdir()) == sorted(GZ_NAMES)  # no temp files left
    for name in GZ_NAMES:
        assert sha256(dest / name) == server["checksums"][name]
        assert server["requests"].count(f"/good/{name}") == 1
    ds = load_mnist(dest, verbose=False)
    assert ds.variant == "full" and ds.X_train.shape == (8000, 28, 28)


def test_download_checksum_mismatch_leaves_nothing(tmp_path, server):
    dest = tmp_path / "dest"
    with pytest.raises(ChecksumError) as err:
        download(dest=dest, mirrors=[f"{server['url']}/missing", f"{server['url']}/bad"],
                 checksums=server["checksums"], timeout=5, verbose=False)
    msg = str(err.value)
    assert GZ_NAMES[0] in msg and f"{server['url']}/bad/" in msg and "/missing/" in msg
    assert list(dest.iterdir()) == []


def test_download_unreachable_is_data_error(tmp_path, server):
    with pytest.raises(DataError) as err:
        download(dest=tmp_path / "dest", mirrors=[f"{server['url']}/missing"],
                 checksums=server["checksums"], timeout=5, verbose=False)
    assert not isinstance(err.value, ChecksumError) and "404" in str(err.value)
    assert list((tmp_path / "dest").iterdir()) == []


def test_download_skips_files_already_present(tmp_path, server):
    dest = copy_sample(tmp_path / "dest")
    (dest / GZ_NAMES[3]).unlink()
    (dest / GZ_NAMES[1]).write_bytes(b"stale partial file")  # wrong hash: must be replaced
    download(dest=dest, mirrors=[f"{server['url']}/good"],
             checksums=server["checksums"], timeout=5, verbose=False)
    assert sorted(server["requests"]) == sorted(f"/good/{n}" for n in (GZ_NAMES[1], GZ_NAMES[3]))
    assert all(sha256(dest / n) == server["checksums"][n] for n in GZ_NAMES)


# ------------------------------------------------------------- to_features

def test_to_features_shape_range_and_input_untouched():
    images = load_mnist(verbose=False).X_test[:100]
    before = images.copy()
    features = to_features(images)
    assert features.shape == (100, 784) and features.dtype == np.float32
    assert features.min() == 0.0 and features.max() == 1.0
    np.testing.assert_allclose(features[3], images[3].ravel() / 255, rtol=1e-6)
    np.testing.assert_array_equal(images, before)
    assert to_features(images, dtype=np.float64).dtype == np.float64


def test_to_features_rejects_already_scaled_input():
    with pytest.raises(TypeError, match="uint8"):
        to_features(np.zeros((2, 28, 28), dtype=np.float32))


# ---------------------------------------------------------------- command line

def test_cli_info(capsys):
    assert data.main(["info"]) == 0
    out = capsys.readouterr().out
    assert "MNIST (shipped 10,000-digit sample)" in out
    assert "apt-get install dataset-fashion-mnist" in out
