"""Lesson 10: mistakes students make with convolutions, pooling, batch normalisation and a CNN.

Each function has a core test cell (test_<f>) and an edge-case cell (test_<f>_edge);
every mistake names exactly the cells it must fail (`cells=`). A slow but correct answer (a Python loop over
positions) is not a mistake: it is listed among the correct answers.
"""

from . import Correct, Mistake, variant

LESSON = "10-cnn-mnist"


def failing(function, which="both"):
    """The test cells of `function` a mistake must fail: 'core', 'edge' or 'both'."""
    core, edge = f"test_{function}", f"test_{function}_edge"
    return {"core": (core,), "edge": (edge,), "both": (core, edge)}[which]


_SIZE = """
    def conv_output_size(n, f, padding=0, stride=1):
        return int((n + 2 * padding - f) // stride + 1)
"""

_CONV = """
    def conv2d_forward(X, W, b, stride=1, padding=0):
        X, W, b = np.asarray(X, dtype=float), np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        f = W.shape[-1]
        X_pad = np.pad(X, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
        windows = np.lib.stride_tricks.sliding_window_view(X_pad, (f, f), axis=(2, 3))
        windows = windows[:, :, ::stride, ::stride]
        out = np.einsum("ncijuv,ocuv->noij", windows, W)
        return out + b[None, :, None, None]
"""

# A loop over the f*f offsets of the filter: the other common vectorised way.
_CONV_OFFSETS = """
    def conv2d_forward(X, W, b, stride=1, padding=0):
        X = np.asarray(X, dtype=float)
        n, c_in, h, w = X.shape
        c_out, _, f, _ = W.shape
        h_out = (h + 2 * padding - f) // stride + 1
        w_out = (w + 2 * padding - f) // stride + 1
        X_pad = np.pad(X, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
        out = np.zeros((n, c_out, h_out, w_out))
        for u in range(f):
            for v in range(f):
                patch = X_pad[:, :, u:u + stride * h_out:stride, v:v + stride * w_out:stride]
                out += np.einsum("ncij,oc->noij", patch, W[:, :, u, v])
        return out + b.reshape(1, -1, 1, 1)
"""

_POOL = """
    def maxpool2d_forward(X, size=2, stride=2):
        X = np.asarray(X)
        windows = np.lib.stride_tricks.sliding_window_view(X, (size, size), axis=(2, 3))
        return windows[:, :, ::stride, ::stride].max(axis=(-2, -1))
"""

_BN = """
    def batchnorm_forward(X, gamma, beta, eps=1e-5):
        X = np.asarray(X, dtype=float)
        mu = X.mean(axis=0)
        var = X.var(axis=0)
        return gamma * (X - mu) / np.sqrt(var + eps) + beta
"""

_CNN = """
    class SmallCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10))

        def forward(self, x):
            return self.classifier(self.features(x))
"""


MISTAKES = [
    # conv_output_size
    Mistake("conv_output_size", "forgets the padding", variant(_SIZE, ("n + 2 * padding - f", "n - f")),
            cells=failing("conv_output_size"),
            hint="Your size does not change with the padding: how many pixels does padding p add to the input length?"),
    Mistake("conv_output_size", "pads one side only", variant(_SIZE, ("n + 2 * padding - f", "n + padding - f")),
            cells=failing("conv_output_size"),
            hint="Padding p makes your size grow by p, not 2p: padding is added on both sides."),
    Mistake("conv_output_size", "rounds up: keeps a partial window", """
        import math

        def conv_output_size(n, f, padding=0, stride=1):
            return math.ceil((n + 2 * padding - f) / stride) + 1
    """, cells=failing("conv_output_size"),
            hint=("When the stride does not divide evenly you count a window that does not fit entirely: the size "
                  "rounds down.")),
    Mistake("conv_output_size", "true division: 13.5 positions", """
        def conv_output_size(n, f, padding=0, stride=1):
            return (n + 2 * padding - f) / stride + 1
    """, cells=failing("conv_output_size"),
            hint=("You return a fraction such as 3.33: a number of positions is a whole number. Which division rounds "
                  "down?")),
    Mistake("conv_output_size", "forgets the + 1: one position too few", variant(_SIZE, (" + 1)", ")")),
            cells=failing("conv_output_size"),
            hint="One position too few: when n equals f the filter still fits once. What does the formula add?"),
    Mistake("conv_output_size", "ignores the stride", variant(_SIZE, ("// stride + 1", "+ 1")),
            cells=failing("conv_output_size"),
            hint="Your size does not change with the stride: a stride of s keeps only every s-th position."),
    Mistake("conv_output_size", "the stride multiplies instead of dividing", variant(_SIZE, ("// stride + 1", "* stride + 1")),
            cells=failing("conv_output_size"),
            hint="Your size grows with the stride: a larger stride leaves fewer positions."),
    Mistake("conv_output_size", "right numbers as a numpy float", """
        def conv_output_size(n, f, padding=0, stride=1):
            return np.floor((n + 2 * padding - f) / stride) + 1
    """, cells=failing("conv_output_size", "edge"),
            hint=("The numbers are right, but the result is a numpy float: return a Python int, it will be used as a "
                  "shape.")),

    # conv2d_forward
    Mistake("conv2d_forward", "a true convolution: flips the filter", variant(
        _CONV, ('windows, W)', 'windows, W[:, :, ::-1, ::-1])')), cells=failing("conv2d_forward"),
        hint=("One bright pixel gives your filter turned upside down and back to front: PyTorch's conv2d slides the "
              "filter as it is (cross-correlation).")),
    Mistake("conv2d_forward", "ignores the padding", variant(
        _CONV, ("X_pad = np.pad(X, ((0, 0), (0, 0), (padding, padding), (padding, padding)))", "X_pad = X")),
        cells=failing("conv2d_forward", "edge"),
        hint="With padding your output keeps the unpadded size: where is the border of zeros added?"),
    Mistake("conv2d_forward", "pads every axis, examples and channels too", variant(
        _CONV, ("np.pad(X, ((0, 0), (0, 0), (padding, padding), (padding, padding)))", "np.pad(X, padding)")),
        cells=failing("conv2d_forward", "edge"),
        hint="Your padding adds examples and channels too: pad only the height and the width."),
    Mistake("conv2d_forward", "ignores the stride", variant(
        _CONV, ("windows = windows[:, :, ::stride, ::stride]", "")), cells=failing("conv2d_forward", "edge"),
        hint="Your output has the stride-1 size whatever the stride: windows start every `stride` pixels."),
    Mistake("conv2d_forward", "forgets the bias", variant(_CONV, ("return out + b[None, :, None, None]", "return out")),
            cells=failing("conv2d_forward"),
            hint="Your outputs are off by a constant in each output channel: is b added?"),
    Mistake("conv2d_forward", "adds the bias along the last axis", variant(
        _CONV, ("return out + b[None, :, None, None]", "return out + b")), cells=failing("conv2d_forward"),
        hint="Your bias lands along the width: each output channel has its own bias, the same at every position."),
    Mistake("conv2d_forward", "averages over the input channels instead of summing", variant(
        _CONV, ('"ncijuv,ocuv->noij", windows, W)', '"ncijuv,ocuv->nocij", windows, W).sum(axis=2) / X.shape[1]')),
        cells=failing("conv2d_forward"),
        hint="With several input channels your outputs are too small: an output channel sums over all input channels."),
    Mistake("conv2d_forward", "one window too few: forgets the + 1 in the output size", variant(
        _CONV_OFFSETS, ("h_out = (h + 2 * padding - f) // stride + 1", "h_out = (h + 2 * padding - f) // stride"),
        ("w_out = (w + 2 * padding - f) // stride + 1", "w_out = (w + 2 * padding - f) // stride")),
        cells=failing("conv2d_forward"),
        hint="Your output is one row and one column too small: compare your output size with conv_output_size."),
    Mistake("conv2d_forward", "assumes square images: the width from the height", variant(
        _CONV_OFFSETS, ("w_out = (w + 2 * padding - f) // stride + 1", "w_out = h_out")),
        cells=failing("conv2d_forward", "edge"),
        hint=("With an image that is not square your output has the wrong width: compute the height and the width "
              "separately.")),
    Mistake("conv2d_forward", "an output buffer of X's type: integers truncate", variant(
        _CONV_OFFSETS, ("X = np.asarray(X, dtype=float)", "X = np.asarray(X)"),
        ("out = np.zeros((n, c_out, h_out, w_out))", "out = np.zeros((n, c_out, h_out, w_out), dtype=X.dtype)")),
        cells=failing("conv2d_forward", "edge"),
        hint="Integer pixels with fractional weights go wrong: the output must hold floats, whatever the type of X."),

    Mistake("conv2d_forward", "hands the arrays to PyTorch's F.conv2d", """
        def conv2d_forward(X, W, b, stride=1, padding=0):
            return F.conv2d(torch.tensor(X, dtype=torch.float64), torch.tensor(W, dtype=torch.float64),
                            torch.tensor(b, dtype=torch.float64), stride=stride, padding=padding).numpy()
    """, cells=failing("conv2d_forward"),
            hint=("Your function calls PyTorch's conv2d: this exercise is numpy only, so cut the windows and sum them "
                  "yourself.")),
    Mistake("conv2d_forward", "numpy around torch's unfold (im2col by PyTorch)", """
        def conv2d_forward(X, W, b, stride=1, padding=0):
            X, W = np.asarray(X, dtype=float), np.asarray(W, dtype=float)
            n, _, h, w = X.shape
            f = W.shape[-1]
            h_out, w_out = conv_output_size(h, f, padding, stride), conv_output_size(w, f, padding, stride)
            cols = F.unfold(torch.from_numpy(X), f, padding=padding, stride=stride).numpy()
            out = np.einsum("ok,nkl->nol", W.reshape(len(W), -1), cols)
            return out.reshape(n, len(W), h_out, w_out) + np.asarray(b, dtype=float)[None, :, None, None]
    """, cells=failing("conv2d_forward"),
            hint=("Your function cuts its windows with PyTorch's unfold: this exercise is numpy only, and numpy can cut"
                  " the windows too.")),

    # maxpool2d_forward
    Mistake("maxpool2d_forward", "average pooling", variant(_POOL, (".max(axis=(-2, -1))", ".mean(axis=(-2, -1))")),
            cells=failing("maxpool2d_forward"),
            hint="Your outputs are the averages of the windows: max pooling keeps the largest value of each window."),
    Mistake("maxpool2d_forward", "windows across channels and rows instead of rows and columns", variant(
        _POOL, ("axis=(2, 3))", "axis=(1, 2))")), cells=failing("maxpool2d_forward"),
        hint=("Your output has the wrong shape: windows slide over the height and the width (the last two axes), one "
              "channel at a time.")),
    Mistake("maxpool2d_forward", "the reshape trick: only for size == stride and sizes that divide", """
        def maxpool2d_forward(X, size=2, stride=2):
            n, c, h, w = X.shape
            return X.reshape(n, c, h // size, size, w // size, size).max(axis=(3, 5))
    """, cells=failing("maxpool2d_forward", "edge"),
            hint=("Your pooling fails when windows overlap or do not tile the image: the reshape shortcut works only "
                  "when size equals stride and divides the image.")),
    Mistake("maxpool2d_forward", "uses the window size as the stride", variant(_POOL, ("::stride, ::stride", "::size, ::size")),
            cells=failing("maxpool2d_forward", "edge"),
            hint=("With overlapping windows your output is too small: windows start every `stride` pixels, which need "
                  "not be the window size.")),
    Mistake("maxpool2d_forward", "starts the maximum at 0: negative windows come out as 0", """
        def maxpool2d_forward(X, size=2, stride=2):
            n, c, h, w = X.shape
            h_out, w_out = (h - size) // stride + 1, (w - size) // stride + 1
            out = np.zeros((n, c, h_out, w_out))
            for u in range(size):
                for v in range(size):
                    out = np.maximum(out, X[:, :, u:u + stride * h_out:stride, v:v + stride * w_out:stride])
            return out
    """, cells=failing("maxpool2d_forward", "both"),
            hint="A window of negative numbers comes out as 0: which starting value does every number beat?"),
    Mistake("maxpool2d_forward", "rounds up: pads with -inf and keeps partial windows", """
        def maxpool2d_forward(X, size=2, stride=2):
            n, c, h, w = X.shape
            h_out, w_out = -(-(h - size) // stride) + 1, -(-(w - size) // stride) + 1
            need_h, need_w = (h_out - 1) * stride + size, (w_out - 1) * stride + size
            X_pad = np.pad(X, ((0, 0), (0, 0), (0, need_h - h), (0, need_w - w)), constant_values=-np.inf)
            windows = np.lib.stride_tricks.sliding_window_view(X_pad, (size, size), axis=(2, 3))
            return windows[:, :, ::stride, ::stride].max(axis=(-2, -1))
    """, cells=failing("maxpool2d_forward", "edge"),
            hint=("You keep a window that runs past the edge: windows that do not fit entirely are dropped, so the size"
                  " rounds down.")),
    Mistake("maxpool2d_forward", "pools over every example of the batch at once", variant(
        _POOL, (".max(axis=(-2, -1))", ".max(axis=(-2, -1)).max(axis=0, keepdims=True).repeat(len(X), axis=0)")),
        cells=failing("maxpool2d_forward"),
        hint="Each example's output depends on the other examples: pooling works within one channel of one example."),

    Mistake("maxpool2d_forward", "hands the arrays to PyTorch's F.max_pool2d", """
        def maxpool2d_forward(X, size=2, stride=2):
            return F.max_pool2d(torch.from_numpy(np.asarray(X, dtype=float)), size, stride).numpy()
    """, cells=failing("maxpool2d_forward"),
            hint="Your function calls PyTorch's max_pool2d: this exercise is numpy only."),

    # batchnorm_forward
    Mistake("batchnorm_forward", "the unbiased variance (divides by n - 1)", variant(_BN, ("X.var(axis=0)", "X.var(axis=0, ddof=1)")),
            cells=failing("batchnorm_forward"),
            hint="Your variance divides by n - 1: batch normalisation uses the biased variance, which divides by n."),
    Mistake("batchnorm_forward", "normalises each example instead of each feature", variant(
        _BN, ("X.mean(axis=0)", "X.mean(axis=1, keepdims=True)"), ("X.var(axis=0)", "X.var(axis=1, keepdims=True)")),
        cells=failing("batchnorm_forward"),
        hint="You normalise each row: batch norm normalises each feature (column) over the examples of the batch."),
    Mistake("batchnorm_forward", "one mean and variance for the whole batch", variant(
        _BN, ("X.mean(axis=0)", "X.mean()"), ("X.var(axis=0)", "X.var()")), cells=failing("batchnorm_forward"),
        hint="You use one mean and one variance for the whole batch: every feature (column) gets its own."),
    Mistake("batchnorm_forward", "eps outside the square root", variant(_BN, ("np.sqrt(var + eps)", "(np.sqrt(var) + eps)")),
            cells=failing("batchnorm_forward", "edge"),
            hint=("For a feature with a tiny variance your outputs are far from PyTorch's: does eps go inside or "
                  "outside the square root?")),
    Mistake("batchnorm_forward", "forgets eps", variant(_BN, ("np.sqrt(var + eps)", "np.sqrt(var)")),
            cells=failing("batchnorm_forward", "edge"),
            hint="A constant feature gives nan (0 divided by 0): what is eps there for?"),
    Mistake("batchnorm_forward", "eps fixed at 1e-5, whatever is passed", variant(_BN, ("np.sqrt(var + eps)", "np.sqrt(var + 1e-5)")),
            cells=failing("batchnorm_forward", "edge"),
            hint="Your output does not change when eps does: use the eps you are given."),
    Mistake("batchnorm_forward", "forgets gamma and beta", variant(_BN, ("return gamma * (X - mu) / np.sqrt(var + eps) + beta",
                                                                          "return (X - mu) / np.sqrt(var + eps)")),
            cells=failing("batchnorm_forward"),
            hint=("Your outputs have mean 0 and standard deviation 1 whatever gamma and beta are: they scale and shift "
                  "the result.")),
    Mistake("batchnorm_forward", "gamma and beta swapped", variant(_BN, ("return gamma * (X - mu) / np.sqrt(var + eps) + beta",
                                                                         "return beta * (X - mu) / np.sqrt(var + eps) + gamma")),
            cells=failing("batchnorm_forward"),
            hint="gamma scales and beta shifts: yours does it the other way round."),
    Mistake("batchnorm_forward", "normalises X in place", """
        def batchnorm_forward(X, gamma, beta, eps=1e-5):
            if X.dtype.kind != "f":
                X = X.astype(float)
            X -= X.mean(axis=0)
            X /= np.sqrt(X.var(axis=0) + eps)
            return gamma * X + beta
    """, cells=failing("batchnorm_forward", "edge"),
            hint="Your function changes the X it was given: work on a copy."),
    Mistake("batchnorm_forward", "divides by the variance, not the standard deviation", variant(
        _BN, ("np.sqrt(var + eps)", "(var + eps)")), cells=failing("batchnorm_forward"),
        hint="You divide by the variance: normalising divides by the standard deviation."),

    # SmallCNN
    Mistake("SmallCNN", "one output instead of ten", variant(_CNN, ("nn.Linear(64, 10)", "nn.Linear(64, 1)")),
            cells=failing("SmallCNN", "core"),
            hint="Your network gives one score per image: there are ten classes."),
    Mistake("SmallCNN", "LeNet's flatten size (16*5*5, for 32x32 inputs) on 28x28 digits", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 6, 5)
                self.conv2 = nn.Conv2d(6, 16, 5)
                self.fc1 = nn.Linear(16 * 5 * 5, 120)
                self.fc2 = nn.Linear(120, 84)
                self.fc3 = nn.Linear(84, 10)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.conv1(x)), 2)
                x = F.max_pool2d(F.relu(self.conv2(x)), 2)
                x = x.view(-1, 16 * 5 * 5)
                return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
    """, cells=failing("SmallCNN", "both"),
            hint=("Your flatten size was worked out for 32x32 images: follow the shape of a 28x28 digit through your "
                  "layers.")),
    Mistake("SmallCNN", "view(-1, 32*7*7) on 16 channels: merges pairs of images", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
                self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
                self.fc = nn.Linear(32 * 7 * 7, 10)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.conv1(x)), 2)
                x = F.max_pool2d(F.relu(self.conv2(x)), 2)
                return self.fc(x.view(-1, 32 * 7 * 7))
    """, cells=failing("SmallCNN", "core"),
            hint=("Your view(-1, ...) merges images: the flattened size must be your last block's channels times height"
                  " times width. Flattening from dimension 1 keeps the batch.")),
    Mistake("SmallCNN", "flattens the whole batch into one row and back: mixes examples", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
                self.fc = nn.Linear(8 * 14 * 14, 10)

            def forward(self, x):
                maps = self.features(x)
                flat = maps.permute(1, 2, 3, 0).reshape(len(x), -1)   # channels first, then examples
                return self.fc(flat)
    """, cells=failing("SmallCNN", "core"),
            hint=("Each image's logits depend on the other images in the batch: flatten each image on its own, batch "
                  "dimension first.")),
    Mistake("SmallCNN", "a 1x1-convolution head without flattening: (n, 10, 1, 1)", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(
                    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                    nn.Conv2d(32, 10, 1))

            def forward(self, x):
                return self.net(x)
    """, cells=failing("SmallCNN", "core"),
            hint="Your logits have shape (n, 10, 1, 1): the loss wants (n, 10)."),
    Mistake("SmallCNN", "softmax at the end", variant(_CNN, ("return self.classifier(self.features(x))",
                                                             "return torch.softmax(self.classifier(self.features(x)), dim=1)")),
            cells=failing("SmallCNN", "core"),
            hint="Your outputs are probabilities: return the logits, nn.CrossEntropyLoss applies the softmax itself."),
    Mistake("SmallCNN", "a ReLU after the last layer", variant(_CNN, ("nn.Linear(64, 10))", "nn.Linear(64, 10), nn.ReLU())")),
            cells=failing("SmallCNN", "core"),
            hint="None of your logits is negative, but logits can be: is there an activation after the last layer?"),
    Mistake("SmallCNN", "no convolutions at all: the MLP renamed", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))

            def forward(self, x):
                return self.net(x)
    """, cells=failing("SmallCNN", "core"),
            hint="There is no nn.Conv2d in your network: a convolutional network needs convolution layers."),
    Mistake("SmallCNN", "defines a second convolution block but never uses it", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.block1 = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
                self.block2 = nn.Sequential(nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
                self.fc = nn.Linear(32 * 14 * 14, 10)

            def forward(self, x):
                return self.fc(self.block1(x).flatten(1))
    """, cells=failing("SmallCNN", "edge"),
            hint="Some of your parameters never get a gradient: a layer made in __init__ is not used in forward."),
    Mistake("SmallCNN", "huge: a 28*28*64 -> 512 dense layer without pooling", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(1, 64, 3, padding=1)
                self.fc1 = nn.Linear(64 * 28 * 28, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                return self.fc2(F.relu(self.fc1(F.relu(self.conv(x)).flatten(1))))
    """, cells=failing("SmallCNN", "edge"),
            hint=("Your network has more than 5,000,000 parameters: what shrinks the feature maps before the dense "
                  "layer?")),
    Mistake("SmallCNN", "dropout with F.dropout's default training=True: random in eval mode", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(1, 16, 3, padding=1)
                self.fc = nn.Linear(16 * 14 * 14, 10)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.conv(x)), 2).flatten(1)
                return self.fc(F.dropout(x, 0.5))
    """, cells=failing("SmallCNN", "both"),
            hint=("In eval mode your network gives different logits for the same images: F.dropout does not know the "
                  "module's mode unless it is told; nn.Dropout does.")),
    Mistake("batchnorm_forward", "hands the arrays to PyTorch's F.batch_norm", """
        def batchnorm_forward(X, gamma, beta, eps=1e-5):
            t = torch.tensor(np.asarray(X, dtype=float))
            return F.batch_norm(t, None, None, torch.tensor(gamma), torch.tensor(beta), training=True, eps=eps).numpy()
    """, cells=failing("batchnorm_forward"),
            hint="Your function calls PyTorch's batch_norm: this exercise is numpy only."),
]


CORRECT = [
    Correct("conv_output_size", "plain floor division, no int()", """
        def conv_output_size(n, f, padding=0, stride=1):
            return (n + 2 * padding - f) // stride + 1
    """),
    Correct("conv_output_size", "math.floor of a true division", """
        import math

        def conv_output_size(n, f, padding=0, stride=1):
            return math.floor((n + 2 * padding - f) / stride) + 1
    """),
    Correct("conv_output_size", "counts the window starts with range()", """
        def conv_output_size(n, f, padding=0, stride=1):
            return len(range(0, int(n) + 2 * int(padding) - int(f) + 1, int(stride)))
    """),
    Correct("conv2d_forward", "a loop over the filter's offsets", _CONV_OFFSETS),
    Correct("conv2d_forward", "im2col: patches as rows, one matrix product", """
        def conv2d_forward(X, W, b, stride=1, padding=0):
            X = np.asarray(X, dtype=float)
            n, c_in, h, w = X.shape
            c_out, _, f, _ = W.shape
            h_out = conv_output_size(h, f, padding, stride)
            w_out = conv_output_size(w, f, padding, stride)
            X_pad = np.pad(X, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
            windows = np.lib.stride_tricks.sliding_window_view(X_pad, (f, f), axis=(2, 3))[:, :, ::stride, ::stride]
            cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h_out * w_out, c_in * f * f)
            out = cols @ W.reshape(c_out, -1).T + b
            return out.reshape(n, h_out, w_out, c_out).transpose(0, 3, 1, 2)
    """),
    Correct("conv2d_forward", "slow but right: Python loops over every output position", """
        def conv2d_forward(X, W, b, stride=1, padding=0):
            X = np.asarray(X, dtype=float)
            n, c_in, h, w = X.shape
            c_out, _, f, _ = W.shape
            X_pad = np.pad(X, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
            h_out = (h + 2 * padding - f) // stride + 1
            w_out = (w + 2 * padding - f) // stride + 1
            out = np.empty((n, c_out, h_out, w_out))
            for i in range(h_out):
                for j in range(w_out):
                    patch = X_pad[:, :, i * stride:i * stride + f, j * stride:j * stride + f]
                    out[:, :, i, j] = np.tensordot(patch, W, axes=([1, 2, 3], [1, 2, 3])) + b
            return out
    """),
    Correct("maxpool2d_forward", "a loop over the window's offsets, starting at -inf", """
        def maxpool2d_forward(X, size=2, stride=2):
            n, c, h, w = X.shape
            h_out, w_out = (h - size) // stride + 1, (w - size) // stride + 1
            out = np.full((n, c, h_out, w_out), -np.inf)
            for u in range(size):
                for v in range(size):
                    out = np.maximum(out, X[:, :, u:u + stride * h_out:stride, v:v + stride * w_out:stride])
            return out
    """),
    Correct("maxpool2d_forward", "slow but right: loops over output positions", """
        def maxpool2d_forward(X, size=2, stride=2):
            n, c, h, w = X.shape
            h_out = conv_output_size(h, size, 0, stride)
            w_out = conv_output_size(w, size, 0, stride)
            out = np.empty((n, c, h_out, w_out), dtype=X.dtype)
            for i in range(h_out):
                for j in range(w_out):
                    out[:, :, i, j] = X[:, :, i * stride:i * stride + size, j * stride:j * stride + size].max(axis=(2, 3))
            return out
    """),
    Correct("batchnorm_forward", "the variance written out, a power of -1/2", """
        def batchnorm_forward(X, gamma, beta, eps=1e-5):
            X = np.asarray(X, dtype=np.float64)
            centred = X - X.sum(axis=0) / len(X)
            var = (centred ** 2).mean(axis=0)
            return centred * (var + eps) ** -0.5 * gamma + beta
    """),
    Correct("batchnorm_forward", "slow but right: a loop over the features", """
        def batchnorm_forward(X, gamma, beta, eps=1e-5):
            out = np.empty(np.shape(X))
            for j in range(np.shape(X)[1]):
                column = np.asarray(X, dtype=float)[:, j]
                out[:, j] = gamma[j] * (column - column.mean()) / np.sqrt(column.var() + eps) + beta[j]
            return out
    """),
    Correct("SmallCNN", "pytorch/examples' Net: no padding, one pooling, log_softmax", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 32, 3, 1)
                self.conv2 = nn.Conv2d(32, 64, 3, 1)
                self.dropout1 = nn.Dropout(0.25)
                self.dropout2 = nn.Dropout(0.5)
                self.fc1 = nn.Linear(9216, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                x = F.relu(self.conv1(x))
                x = F.max_pool2d(F.relu(self.conv2(x)), 2)
                x = torch.flatten(self.dropout1(x), 1)
                x = self.dropout2(F.relu(self.fc1(x)))
                return F.log_softmax(self.fc2(x), dim=1)
    """),
    Correct("SmallCNN", "narrow, with global average pooling", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(
                    nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                    nn.AdaptiveAvgPool2d(1), nn.Flatten())
                self.head = nn.Linear(64, 10)

            def forward(self, x):
                return self.head(self.body(x))
    """),
    Correct("SmallCNN", "a plain conv-relu-pool x2 and a dense layer, no batch norm", _CNN),
]
