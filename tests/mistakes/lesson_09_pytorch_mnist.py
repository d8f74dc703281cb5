"""Lesson 09: mistakes students make with PyTorch's device, modules and loops, and right answers in other styles."""

from . import Correct, Mistake, variant

LESSON = "09-pytorch-mnist"

# The reference training and evaluation loops, to vary one line at a time.
_TRAIN = """
    def train_one_epoch(model, loader, loss_fn, optimizer, device):
        model.train()
        total_loss, n_seen = 0.0, 0
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(X)
            n_seen += len(X)
        return total_loss / n_seen
"""

_EVALUATE = """
    def evaluate(model, loader, loss_fn, device):
        model.eval()
        total_loss, correct, n_seen = 0.0, 0, 0
        with torch.no_grad():
            for X, y in loader:
                X, y = X.to(device), y.to(device)
                logits = model(X)
                total_loss += loss_fn(logits, y).item() * len(X)
                correct += (logits.argmax(dim=1) == y).sum().item()
                n_seen += len(X)
        return total_loss / n_seen, correct / n_seen
"""


def _train(old, new):
    return variant(_TRAIN, (old, new))


def _evaluate(old, new):
    return variant(_EVALUATE, (old, new))


MISTAKES = [
    # get_device
    Mistake("get_device", "ignores CUDA: always the CPU", """
        def get_device():
            return torch.device("cpu")
    """),
    Mistake("get_device", "ignores CUDA: looks for Apple's GPU only", """
        def get_device():
            return torch.device("mps" if torch.backends.mps.is_available() else "cpu")
    """),
    Mistake("get_device", "prefers MPS over CUDA", """
        def get_device():
            if torch.backends.mps.is_available():
                return torch.device("mps")
            if torch.cuda.is_available():
                return torch.device("cuda")
            return torch.device("cpu")
    """),
    Mistake("get_device", "forgets MPS", """
        def get_device():
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    """),
    Mistake("get_device", "calls the GPU 'gpu'", """
        def get_device():
            if torch.cuda.is_available():
                return "gpu"
            if torch.backends.mps.is_available():
                return "mps"
            return "cpu"
    """),
    Mistake("get_device", "tests the function instead of calling it: always CUDA", """
        def get_device():
            if torch.cuda.is_available:
                return torch.device("cuda")
            if torch.backends.mps.is_available:
                return torch.device("mps")
            return torch.device("cpu")
    """),

    # MLP
    Mistake("MLP", "does not flatten: images of shape (n, 1, 28, 28) reach nn.Linear(784, ...)", """
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.hidden = nn.Linear(784, hidden)
                self.out = nn.Linear(hidden, 10)

            def forward(self, x):
                return self.out(torch.relu(self.hidden(x)))
    """),
    Mistake("MLP", "flattens the batch too: x.flatten()", """
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.hidden = nn.Linear(784, hidden)
                self.out = nn.Linear(hidden, 10)

            def forward(self, x):
                return self.out(torch.relu(self.hidden(x.flatten())))
    """),
    Mistake("MLP", "squeezes away a batch of one", """
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.hidden = nn.Linear(784, hidden)
                self.out = nn.Linear(hidden, 10)

            def forward(self, x):
                x = x.squeeze()
                if x.dim() == 3:
                    x = x.reshape(x.shape[0], 784)
                return self.out(torch.relu(self.hidden(x)))
    """),
    Mistake("MLP", "reshapes to (784, n) and transposes: mixes pixels of different digits", """
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.hidden = nn.Linear(784, hidden)
                self.out = nn.Linear(hidden, 10)

            def forward(self, x):
                x = x.reshape(784, -1).T
                return self.out(torch.relu(self.hidden(x)))
    """),
    Mistake("MLP", "hard-codes 128 hidden units, ignoring the argument", """
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.hidden = nn.Linear(784, 128)
                self.out = nn.Linear(128, 10)

            def forward(self, x):
                return self.out(torch.relu(self.hidden(x.flatten(1))))
    """),
    Mistake("MLP", "no activation: two linear layers collapse into one (lesson 02)", """
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.hidden = nn.Linear(784, hidden)
                self.out = nn.Linear(hidden, 10)

            def forward(self, x):
                return self.out(self.hidden(x.flatten(1)))
    """),
    Mistake("MLP", "returns softmax probabilities instead of logits", """
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.hidden = nn.Linear(784, hidden)
                self.out = nn.Linear(hidden, 10)

            def forward(self, x):
                return torch.softmax(self.out(torch.relu(self.hidden(x.flatten(1)))), dim=1)
    """),
    Mistake("MLP", "a ReLU after the output layer too", """
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(),
                                         nn.Linear(hidden, 10), nn.ReLU())

            def forward(self, x):
                return self.net(x)
    """),
    Mistake("MLP", "two hidden layers instead of one", """
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(),
                                         nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 10))

            def forward(self, x):
                return self.net(x)
    """),

    # SmallCNN
    Mistake("SmallCNN", "one output instead of ten", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(
                    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 1))

            def forward(self, x):
                return self.net(x)
    """),
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
    """),
    Mistake("SmallCNN", "view(-1, 64*7*7) on 32 channels: merges pairs of images", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
                self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
                self.fc = nn.Linear(64 * 7 * 7, 10)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.conv1(x)), 2)
                x = F.max_pool2d(F.relu(self.conv2(x)), 2)
                return self.fc(x.view(-1, 64 * 7 * 7))
    """),
    Mistake("SmallCNN", "a 1x1-convolution head without flattening: (n, 10, 1, 1)", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(
                    nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                    nn.Conv2d(64, 10, 1))

            def forward(self, x):
                return self.net(x)
    """),
    Mistake("SmallCNN", "softmax at the end", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(
                    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Flatten(), nn.Linear(32 * 7 * 7, 10), nn.Softmax(dim=1))

            def forward(self, x):
                return self.net(x)
    """),
    Mistake("SmallCNN", "a ReLU after the last layer", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(
                    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
                self.fc = nn.Linear(32 * 7 * 7, 10)

            def forward(self, x):
                return F.relu(self.fc(self.features(x).flatten(1)))
    """),
    Mistake("SmallCNN", "no convolutions at all: the MLP renamed", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))

            def forward(self, x):
                return self.net(x)
    """),
    Mistake("SmallCNN", "defines a second convolution block but never uses it", """
        class SmallCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.block1 = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
                self.block2 = nn.Sequential(nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
                self.fc = nn.Linear(32 * 14 * 14, 10)

            def forward(self, x):
                return self.fc(self.block1(x).flatten(1))
    """),

    # train_one_epoch
    Mistake("train_one_epoch", "forgets optimizer.zero_grad(): gradients pile up",
            _train("            optimizer.zero_grad()\n", "")),
    Mistake("train_one_epoch", "forgets model.train()",
            _train("        model.train()\n", "")),
    Mistake("train_one_epoch", "calls model.eval() (copied from evaluate)",
            _train("        model.train()\n", "        model.eval()\n")),
    Mistake("train_one_epoch", "never moves the batch to the device",
            _train("            X, y = X.to(device), y.to(device)\n", "")),
    Mistake("train_one_epoch", "moves the images but not the labels",
            _train("            X, y = X.to(device), y.to(device)\n", "            X = X.to(device)\n")),
    Mistake("train_one_epoch", "returns the sum of the losses, not their mean",
            _train("        return total_loss / n_seen\n", "        return total_loss\n")),
    Mistake("train_one_epoch", "averages the batch means without weighting the smaller last batch",
            _train("            total_loss += loss.item() * len(X)\n            n_seen += len(X)\n",
                   "            total_loss += loss.item()\n            n_seen += 1\n")),
    Mistake("train_one_epoch", "divides by the number of batches",
            _train("        return total_loss / n_seen\n", "        return total_loss / len(loader)\n")),
    Mistake("train_one_epoch", "returns the last batch's loss",
            _train("        return total_loss / n_seen\n", "        return loss.item()\n")),
    Mistake("train_one_epoch", "accumulates loss tensors: returns a tensor and keeps every graph",
            _train("            total_loss += loss.item() * len(X)\n", "            total_loss = total_loss + loss * len(X)\n")),
    Mistake("train_one_epoch", "zeroes the gradients between backward and step: never learns",
            _train("            optimizer.zero_grad()\n            loss = loss_fn(model(X), y)\n            loss.backward()\n",
                   "            loss = loss_fn(model(X), y)\n            loss.backward()\n            optimizer.zero_grad()\n")),
    Mistake("train_one_epoch", "steps before backward: each update uses the previous batch's gradient",
            _train("            loss.backward()\n            optimizer.step()\n",
                   "            optimizer.step()\n            loss.backward()\n")),
    Mistake("train_one_epoch", "ignores loss_fn: hard-codes F.cross_entropy",
            _train("            loss = loss_fn(model(X), y)\n", "            loss = F.cross_entropy(model(X), y)\n")),
    Mistake("train_one_epoch", "makes its own optimizer instead of using the one given",
            _train("        model.train()\n",
                   "        model.train()\n        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n")),
    Mistake("train_one_epoch", "reports the loss of a second pass after training, not during it", """
        def train_one_epoch(model, loader, loss_fn, optimizer, device):
            model.train()
            for X, y in loader:
                X, y = X.to(device), y.to(device)
                optimizer.zero_grad()
                loss_fn(model(X), y).backward()
                optimizer.step()
            total_loss, n_seen = 0.0, 0
            with torch.no_grad():
                for X, y in loader:
                    X, y = X.to(device), y.to(device)
                    total_loss += loss_fn(model(X), y).item() * len(X)
                    n_seen += len(X)
            return total_loss / n_seen
    """),

    # evaluate
    Mistake("evaluate", "no torch.no_grad(): builds a graph for every batch", """
        def evaluate(model, loader, loss_fn, device):
            model.eval()
            total_loss, correct, n_seen = 0.0, 0, 0
            for X, y in loader:
                X, y = X.to(device), y.to(device)
                logits = model(X)
                total_loss += loss_fn(logits, y).item() * len(X)
                correct += (logits.argmax(dim=1) == y).sum().item()
                n_seen += len(X)
            return total_loss / n_seen, correct / n_seen
    """),
    Mistake("evaluate", "forgets model.eval(): dropout stays on",
            _evaluate("        model.eval()\n", "")),
    Mistake("evaluate", "calls model.train() instead of model.eval()",
            _evaluate("        model.eval()\n", "        model.train()\n")),
    Mistake("evaluate", "accuracy of the last batch only", """
        def evaluate(model, loader, loss_fn, device):
            model.eval()
            total_loss, n_seen = 0.0, 0
            with torch.no_grad():
                for X, y in loader:
                    X, y = X.to(device), y.to(device)
                    logits = model(X)
                    total_loss += loss_fn(logits, y).item() * len(X)
                    n_seen += len(X)
                    accuracy = (logits.argmax(dim=1) == y).float().mean().item()
            return total_loss / n_seen, accuracy
    """),
    Mistake("evaluate", "divides the correct count by the number of batches",
            _evaluate("        return total_loss / n_seen, correct / n_seen\n",
                      "        return total_loss / n_seen, correct / len(loader)\n")),
    Mistake("evaluate", "argmax over the batch dimension",
            _evaluate("logits.argmax(dim=1)", "logits.argmax(dim=0)")),
    Mistake("evaluate", "returns a percentage",
            _evaluate("        return total_loss / n_seen, correct / n_seen\n",
                      "        return total_loss / n_seen, 100 * correct / n_seen\n")),
    Mistake("evaluate", "never moves the batch to the device",
            _evaluate("                X, y = X.to(device), y.to(device)\n", "")),
    Mistake("evaluate", "moves the images but not the labels",
            _evaluate("                X, y = X.to(device), y.to(device)\n", "                X = X.to(device)\n")),
    Mistake("evaluate", "sums the batch losses instead of averaging",
            _evaluate("        return total_loss / n_seen, correct / n_seen\n",
                      "        return total_loss, correct / n_seen\n")),
    Mistake("evaluate", "averages batch means without weighting the smaller last batch", """
        def evaluate(model, loader, loss_fn, device):
            model.eval()
            losses, correct, n_seen = [], 0, 0
            with torch.no_grad():
                for X, y in loader:
                    X, y = X.to(device), y.to(device)
                    logits = model(X)
                    losses.append(loss_fn(logits, y).item())
                    correct += (logits.argmax(dim=1) == y).sum().item()
                    n_seen += len(X)
            return sum(losses) / len(losses), correct / n_seen
    """),
    Mistake("evaluate", "returns (accuracy, loss) in the wrong order",
            _evaluate("        return total_loss / n_seen, correct / n_seen\n",
                      "        return correct / n_seen, total_loss / n_seen\n")),
    Mistake("evaluate", "returns the accuracy as a tensor",
            _evaluate("correct += (logits.argmax(dim=1) == y).sum().item()",
                      "correct = correct + (logits.argmax(dim=1) == y).sum()")),
    Mistake("evaluate", "also steps backward through the test loss (no no_grad)", """
        def evaluate(model, loader, loss_fn, device):
            model.eval()
            total_loss, correct, n_seen = 0.0, 0, 0
            for X, y in loader:
                X, y = X.to(device), y.to(device)
                logits = model(X)
                loss = loss_fn(logits, y)
                loss.backward()
                total_loss += loss.item() * len(X)
                correct += (logits.argmax(dim=1) == y).sum().item()
                n_seen += len(X)
            return total_loss / n_seen, correct / n_seen
    """),
]

CORRECT = [
    Correct("get_device", "strings, one expression", """
        def get_device():
            return ("cuda" if torch.cuda.is_available()
                    else "mps" if torch.backends.mps.is_available() else "cpu")
    """),
    Correct("get_device", "counts CUDA devices and guards a missing MPS backend", """
        def get_device():
            if torch.cuda.device_count() > 0:
                return torch.device("cuda", 0)
            mps = getattr(torch.backends, "mps", None)
            if mps is not None and mps.is_available():
                return torch.device("mps")
            return torch.device("cpu")
    """),
    Correct("get_device", "torch.accelerator (PyTorch 2.6 and newer)", """
        def get_device():
            if torch.accelerator.is_available():
                accelerator = torch.accelerator.current_accelerator()
                if accelerator.type in ("cuda", "mps"):
                    return accelerator
            return torch.device("cpu")
    """),
    Correct("MLP", "nn.Sequential with nn.Flatten, no dropout", """
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.layers = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Linear(hidden, 10))

            def forward(self, x):
                return self.layers(x)
    """),
    Correct("MLP", "lesson 05 style: raw parameters in the (d_in, d_out) layout", """
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.W1 = nn.Parameter(torch.randn(784, hidden) / 784 ** 0.5)
                self.b1 = nn.Parameter(torch.zeros(hidden))
                self.W2 = nn.Parameter(torch.randn(hidden, 10) / hidden ** 0.5)
                self.b2 = nn.Parameter(torch.zeros(10))

            def forward(self, x):
                x = x.reshape(x.shape[0], -1)
                return torch.relu(x @ self.W1 + self.b1) @ self.W2 + self.b2
    """),
    Correct("MLP", "view(len(x), -1), F.relu and log_softmax output (as pytorch/examples)", """
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.fc1 = nn.Linear(784, hidden)
                self.fc2 = nn.Linear(hidden, 10)
                self.drop = nn.Dropout(0.5)

            def forward(self, x):
                x = x.view(len(x), -1)
                return F.log_softmax(self.fc2(self.drop(F.relu(self.fc1(x)))), dim=1)
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
    Correct("train_one_epoch", "zero_grad after the step, enumerate, len(loader.dataset), on-device sum", """
        def train_one_epoch(model, loader, loss_fn, optimizer, device):
            model.train()
            running = torch.zeros((), device=device)
            for batch_idx, (images, labels) in enumerate(loader):
                images = images.to(device, non_blocking=True)
                labels = labels.to(device, non_blocking=True)
                output = model(images)
                loss = loss_fn(output, labels)
                loss.backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                running += loss.detach() * images.size(0)
            return running.item() / len(loader.dataset)
    """),
    Correct("train_one_epoch", "model.zero_grad(), a batch tuple moved in one line, float() at the end", """
        def train_one_epoch(model, loader, loss_fn, optimizer, device):
            model.train(True)
            losses, sizes = [], []
            for batch in loader:
                X, y = (t.to(device=device) for t in batch)
                model.zero_grad()
                loss = loss_fn(model(X), y)
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
                sizes.append(y.shape[0])
            return float(np.average(losses, weights=sizes))
    """),
    Correct("evaluate", "inference_mode, all logits concatenated, one loss at the end", """
        def evaluate(model, loader, loss_fn, device):
            model.eval()
            all_logits, all_labels = [], []
            with torch.inference_mode():
                for X, y in loader:
                    all_logits.append(model(X.to(device)))
                    all_labels.append(y.to(device))
                logits, labels = torch.cat(all_logits), torch.cat(all_labels)
                mean_loss = loss_fn(logits, labels).item()
                accuracy = (logits.argmax(1) == labels).float().mean().item()
            return mean_loss, accuracy
    """),
    Correct("evaluate", "@torch.no_grad() decorator, float sums, len(loader.dataset)", """
        @torch.no_grad()
        def evaluate(model, loader, loss_fn, device):
            model.train(False)
            loss_sum, hits = 0.0, 0.0
            for X, y in loader:
                X, y = X.to(device), y.to(device)
                out = model(X)
                loss_sum += float(loss_fn(out, y)) * X.shape[0]
                hits += float((out.max(dim=1).indices == y).sum())
            n = len(loader.dataset)
            return loss_sum / n, hits / n
    """),
]
