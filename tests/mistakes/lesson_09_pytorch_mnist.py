"""Lesson 09: mistakes students make with PyTorch's device, the manual update, modules and loops, and right answers in other styles."""

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


_SGD = """
    def manual_sgd_step(params, lr):
        with torch.no_grad():
            for p in params:
                if p.grad is not None:
                    p -= lr * p.grad
                    p.grad.zero_()
"""


def _sgd(old, new):
    return variant(_SGD, (old, new))


def _train(old, new):
    return variant(_TRAIN, (old, new))


def _evaluate(old, new):
    return variant(_EVALUATE, (old, new))


# Partial credit: each function's core test cell and its edge-case cell; a mistake names the cells it fails.
def _cells(function):
    core, edge = f"test_{function}", f"test_{function}_edge"
    return (core,), (edge,), (core, edge)


SGD_CORE, SGD_EDGE, SGD_BOTH = _cells("manual_sgd_step")
MLP_CORE, MLP_EDGE, MLP_BOTH = _cells("MLP")
TRAIN_CORE, TRAIN_EDGE, TRAIN_BOTH = _cells("train_one_epoch")
EVAL_CORE, EVAL_EDGE, EVAL_BOTH = _cells("evaluate")


MISTAKES = [
    # get_device
    Mistake("get_device", "ignores CUDA: always the CPU", """
        def get_device():
            return torch.device("cpu")
    """,
            hint=("On a machine with an NVIDIA GPU your function still answers the CPU: does it ever ask torch.cuda "
                  "whether CUDA is there?")),
    Mistake("get_device", "ignores CUDA: looks for Apple's GPU only", """
        def get_device():
            return torch.device("mps" if torch.backends.mps.is_available() else "cpu")
    """,
            hint=("On a machine with CUDA your function never chooses it: which accelerator does the lesson check "
                  "first?")),
    Mistake("get_device", "prefers MPS over CUDA", """
        def get_device():
            if torch.backends.mps.is_available():
                return torch.device("mps")
            if torch.cuda.is_available():
                return torch.device("cuda")
            return torch.device("cpu")
    """,
            hint="When a machine has both CUDA and MPS yours picks MPS: in which order does the lesson check them?"),
    Mistake("get_device", "forgets MPS", """
        def get_device():
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    """,
            hint=("On a Mac with MPS and no CUDA yours falls back to the CPU: is Apple's GPU (torch.backends.mps) ever "
                  "checked?")),
    Mistake("get_device", "calls the GPU 'gpu'", """
        def get_device():
            if torch.cuda.is_available():
                return "gpu"
            if torch.backends.mps.is_available():
                return "mps"
            return "cpu"
    """,
            hint="PyTorch knows no device called 'gpu': what name does it give an NVIDIA GPU?"),
    Mistake("get_device", "tests the function instead of calling it: always CUDA", """
        def get_device():
            if torch.cuda.is_available:
                return torch.device("cuda")
            if torch.backends.mps.is_available:
                return torch.device("mps")
            return torch.device("cpu")
    """,
            hint=("Yours picks CUDA even on a machine without it: is is_available actually called, or only named? A "
                  "function object always counts as true.")),

    # manual_sgd_step
    Mistake("manual_sgd_step", "updates without torch.no_grad(): autograd refuses the in-place change", cells=SGD_BOTH,
            code="""
        def manual_sgd_step(params, lr):
            for p in params:
                if p.grad is not None:
                    p -= lr * p.grad
                    p.grad.zero_()
    """,
            hint=("PyTorch refuses to change a weight in place while autograd is recording it: in which context should "
                  "the update happen so that it is not recorded?")),
    Mistake("manual_sgd_step", "forgets to zero .grad: the next backward() adds to the old gradient", cells=SGD_BOTH,
            code=_sgd("                    p.grad.zero_()\n", ""),
            hint=("After your step the old gradients are still there, so the next backward() adds to them: what should "
                  "happen to each .grad once it has been used?")),
    Mistake("manual_sgd_step", "rebinds p = p - lr * p.grad: a new tensor, the weights never change", cells=SGD_BOTH,
            code=_sgd("p -= lr * p.grad\n                    p.grad.zero_()", "p = p - lr * p.grad\n                    p.grad = None"),
            hint=("The weights you were given do not move: after your assignment, does the name p still refer to the "
                  "model's tensor, or to a new one?")),
    Mistake("manual_sgd_step", "wrong sign: a step up the gradient", cells=SGD_BOTH,
            code=_sgd("p -= lr * p.grad", "p += lr * p.grad"),
            hint="Your weights move up the gradient, so the loss grows: check the sign of the update."),
    Mistake("manual_sgd_step", "zeroes the gradient before the update: the step is zero", cells=SGD_BOTH,
            code=_sgd("p -= lr * p.grad\n                    p.grad.zero_()", "p.grad.zero_()\n                    p -= lr * p.grad"),
            hint="The weights do not move: is the gradient still there at the moment you use it?"),
    Mistake("manual_sgd_step", "returns new tensors, as lesson 05's sgd_step did, and changes nothing", cells=SGD_BOTH, code="""
        def manual_sgd_step(params, lr):
            with torch.no_grad():
                return [p - lr * p.grad if p.grad is not None else p for p in params]
    """,
            hint=("The tensors you were given stay as they were: unlike lesson 05's sgd_step, this step changes them in"
                  " place and returns nothing.")),
    Mistake("manual_sgd_step", "updates in place but also returns the parameters", cells=SGD_EDGE,
            code=_sgd("        with torch.no_grad():\n", "        params = list(params)\n        with torch.no_grad():\n") + "        return params\n",
            hint=("The update itself is right, but the function returns something: it changes the tensors in place and "
                  "returns None.")),
    Mistake("manual_sgd_step", "crashes on a tensor whose .grad is None", cells=SGD_EDGE,
            code="""
        def manual_sgd_step(params, lr):
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
                    p.grad.zero_()
    """,
            hint=("A tensor the loss did not use has no gradient (its .grad is None): what should the step do with such"
                  " a tensor?")),
    Mistake("manual_sgd_step", "goes through params twice: a generator is empty the second time", cells=SGD_EDGE,
            code=_sgd("                    p.grad.zero_()\n",
                      "            for p in params:\n                if p.grad is not None:\n                    p.grad.zero_()\n"),
            hint=("With a generator such as model.parameters() some gradients are not cleared: a generator can be gone "
                  "through only once. How many loops over params does your step make?")),
    Mistake("manual_sgd_step", "detaches the weights: they stop requiring gradients", cells=SGD_CORE,
            code=_sgd("                    p.grad.zero_()\n", "                    p.grad.zero_()\n                    p.requires_grad_(False)\n"),
            hint=("After your step the weights no longer require gradients, so the next backward() cannot reach them: "
                  "does something in your step switch requires_grad off?")),

    # MLP
    Mistake("MLP", "does not flatten: images of shape (n, 1, 28, 28) reach nn.Linear(784, ...)", cells=MLP_BOTH, code="""
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.hidden = nn.Linear(784, hidden)
                self.out = nn.Linear(hidden, 10)

            def forward(self, x):
                return self.out(torch.relu(self.hidden(x)))
    """,
            hint=("Flat rows of 784 pixels work but images of shape (n, 1, 28, 28) fail: nn.Linear wants one row per "
                  "example. Where does each image become a row?")),
    Mistake("MLP", "flattens the batch too: x.flatten()", cells=MLP_BOTH, code="""
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.hidden = nn.Linear(784, hidden)
                self.out = nn.Linear(hidden, 10)

            def forward(self, x):
                return self.out(torch.relu(self.hidden(x.flatten())))
    """,
            hint=("Your network turns the whole batch into one long vector: flatten each image, but keep the batch "
                  "dimension first.")),
    Mistake("MLP", "squeezes away a batch of one", cells=MLP_EDGE, code="""
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
    """,
            hint="A batch of one example fails or loses its batch dimension: what does squeeze() remove when n is 1?"),
    Mistake("MLP", "reshapes to (784, n) and transposes: mixes pixels of different digits", cells=MLP_CORE, code="""
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.hidden = nn.Linear(784, hidden)
                self.out = nn.Linear(hidden, 10)

            def forward(self, x):
                x = x.reshape(784, -1).T
                return self.out(torch.relu(self.hidden(x)))
    """,
            hint=("Each example's logits depend on the other examples in the batch: check the order of the dimensions "
                  "in your reshape; the batch comes first.")),
    Mistake("MLP", "hard-codes 128 hidden units, ignoring the argument", cells=MLP_EDGE, code="""
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.hidden = nn.Linear(784, 128)
                self.out = nn.Linear(128, 10)

            def forward(self, x):
                return self.out(torch.relu(self.hidden(x.flatten(1))))
    """,
            hint="MLP(hidden=24) has as many parameters as MLP(): is the hidden argument used?"),
    Mistake("MLP", "no activation: two linear layers collapse into one (lesson 02)", cells=MLP_CORE, code="""
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.hidden = nn.Linear(784, hidden)
                self.out = nn.Linear(hidden, 10)

            def forward(self, x):
                return self.out(self.hidden(x.flatten(1)))
    """,
            hint="Your network is a linear function of its input: what goes between the two layers?"),
    Mistake("MLP", "returns softmax probabilities instead of logits", cells=MLP_CORE, code="""
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.hidden = nn.Linear(784, hidden)
                self.out = nn.Linear(hidden, 10)

            def forward(self, x):
                return torch.softmax(self.out(torch.relu(self.hidden(x.flatten(1)))), dim=1)
    """,
            hint=("Your outputs are probabilities that sum to 1 in each row: forward returns the raw scores (logits), "
                  "and nn.CrossEntropyLoss applies the softmax itself.")),
    Mistake("MLP", "a ReLU after the output layer too", cells=MLP_CORE, code="""
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(),
                                         nn.Linear(hidden, 10), nn.ReLU())

            def forward(self, x):
                return self.net(x)
    """,
            hint="None of your outputs is negative, but logits can be: is there an activation after the last layer?"),
    Mistake("MLP", "two hidden layers instead of one", cells=MLP_BOTH, code="""
        class MLP(nn.Module):
            def __init__(self, hidden=128):
                super().__init__()
                self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(),
                                         nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 10))

            def forward(self, x):
                return self.net(x)
    """,
            hint="Your network has more parameters than 784 -> hidden -> 10: count its linear layers."),

    # train_one_epoch
    Mistake("train_one_epoch", "forgets optimizer.zero_grad(): gradients pile up", cells=TRAIN_CORE, code=
            _train("            optimizer.zero_grad()\n", ""),
            hint=("Your weights end up different from one plain step per batch: backward() adds to .grad, so what must "
                  "happen before each batch's backward pass?")),
    Mistake("train_one_epoch", "forgets model.train()", cells=TRAIN_CORE, code=
            _train("        model.train()\n", ""),
            hint=("A model that arrives in eval mode stays in eval mode while yours trains it: who switches it to "
                  "training mode?")),
    Mistake("train_one_epoch", "calls model.eval() (copied from evaluate)", cells=TRAIN_CORE, code=
            _train("        model.train()\n", "        model.eval()\n"),
            hint=("Your loop trains the model in eval mode: which mode does training need (dropout and batch norm "
                  "behave differently in the two)?")),
    Mistake("train_one_epoch", "never moves the batch to the device", cells=TRAIN_CORE, code=
            _train("            X, y = X.to(device), y.to(device)\n", ""),
            hint=("The batches are used where they arrived: on a GPU the model and its data must be on the same device."
                  " What do you do with X and y first?")),
    Mistake("train_one_epoch", "moves the images but not the labels", cells=TRAIN_CORE, code=
            _train("            X, y = X.to(device), y.to(device)\n", "            X = X.to(device)\n"),
            hint=("The images reach the device but the labels stay behind, and the loss compares them with logits on "
                  "the device: what about y?")),
    Mistake("train_one_epoch", "returns the sum of the losses, not their mean", cells=TRAIN_BOTH, code=
            _train("        return total_loss / n_seen\n", "        return total_loss\n"),
            hint="Your epoch loss grows with the number of examples: is it a sum where the mean per example is meant?"),
    Mistake("train_one_epoch", "averages the batch means without weighting the smaller last batch", cells=TRAIN_EDGE, code=
            _train("            total_loss += loss.item() * len(X)\n            n_seen += len(X)\n",
                   "            total_loss += loss.item()\n            n_seen += 1\n"),
                   hint=("With a smaller last batch your mean is off: does every example count equally in your mean, or"
                         " every batch?")),
    Mistake("train_one_epoch", "divides by the number of batches", cells=TRAIN_BOTH, code=
            _train("        return total_loss / n_seen\n", "        return total_loss / len(loader)\n"),
            hint="Your mean loss is too large by about the batch size: what do you divide the total by?"),
    Mistake("train_one_epoch", "returns the last batch's loss", cells=TRAIN_BOTH, code=
            _train("        return total_loss / n_seen\n", "        return loss.item()\n"),
            hint="You return a single batch's loss: the epoch's result is the mean over every example it saw."),
    # Its core test passes on the numbers, but PyTorch warns (stderr) when the test turns the returned
    # tensor into a float, and nbgrader scores a test with stderr output as failed.
    Mistake("train_one_epoch", "accumulates loss tensors: returns a tensor and keeps every graph", cells=TRAIN_BOTH, code=
            _train("            total_loss += loss.item() * len(X)\n", "            total_loss = total_loss + loss * len(X)\n"),
            hint=("You return a tensor that keeps every batch's graph alive: add up each batch's loss as a Python "
                  "number instead.")),
    Mistake("train_one_epoch", "zeroes the gradients between backward and step: never learns", cells=TRAIN_CORE, code=
            _train("            optimizer.zero_grad()\n            loss = loss_fn(model(X), y)\n            loss.backward()\n",
                   "            loss = loss_fn(model(X), y)\n            loss.backward()\n            optimizer.zero_grad()\n"),
                   hint=("Your optimizer steps without gradients, so the model never learns: check the order of "
                         "zero_grad, backward and step.")),
    Mistake("train_one_epoch", "steps before backward: each update uses the previous batch's gradient", cells=TRAIN_CORE, code=
            _train("            loss.backward()\n            optimizer.step()\n",
                   "            optimizer.step()\n            loss.backward()\n"),
                   hint=("Each optimizer step comes before that batch's backward pass: in which order must backward and"
                         " step come?")),
    Mistake("train_one_epoch", "ignores loss_fn: hard-codes F.cross_entropy", cells=TRAIN_CORE, code=
            _train("            loss = loss_fn(model(X), y)\n", "            loss = F.cross_entropy(model(X), y)\n"),
            hint=("Your loop does not use the loss function it is given: with another loss (label smoothing, say) the "
                  "results differ.")),
    Mistake("train_one_epoch", "makes its own optimizer instead of using the one given", cells=TRAIN_BOTH, code=
            _train("        model.train()\n",
                   "        model.train()\n        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n"),
                   hint="The optimizer you were given never takes a step: does your loop make another one?"),
    Mistake("train_one_epoch", "reports the loss of a second pass after training, not during it", cells=TRAIN_CORE, code="""
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
    """,
            hint=("Your model runs twice per batch and the loss you report is measured after the training: the epoch's "
                  "loss is the one computed during the steps.")),

    # evaluate
    Mistake("evaluate", "no torch.no_grad(): builds a graph for every batch", cells=EVAL_CORE, code="""
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
    """,
            hint=("Autograd records while you evaluate, which costs memory and time for gradients nobody uses: what "
                  "turns it off?")),
    Mistake("evaluate", "forgets model.eval(): dropout stays on", cells=EVAL_CORE, code=
            _evaluate("        model.eval()\n", ""),
            hint=("A model that arrives in training mode stays in it, so dropout still drops units: which mode does "
                  "evaluation need?")),
    Mistake("evaluate", "calls model.train() instead of model.eval()", cells=EVAL_CORE, code=
            _evaluate("        model.eval()\n", "        model.train()\n"),
            hint="Your function puts the model in training mode: evaluation needs the other one."),
    Mistake("evaluate", "accuracy of the last batch only", cells=EVAL_BOTH, code="""
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
    """,
            hint="Your accuracy is that of the last batch only: count the right predictions over every batch."),
    Mistake("evaluate", "divides the correct count by the number of batches", cells=EVAL_BOTH, code=
            _evaluate("        return total_loss / n_seen, correct / n_seen\n",
                      "        return total_loss / n_seen, correct / len(loader)\n"),
                      hint=("Your accuracy can be larger than 1: what should the number of correct predictions be "
                            "divided by?")),
    Mistake("evaluate", "argmax over the batch dimension", cells=EVAL_BOTH, code=
            _evaluate("logits.argmax(dim=1)", "logits.argmax(dim=0)"),
            hint=("Your predictions are taken across the examples: the predicted class of an example is the largest "
                  "logit in its row.")),
    Mistake("evaluate", "returns a percentage", cells=EVAL_BOTH, code=
            _evaluate("        return total_loss / n_seen, correct / n_seen\n",
                      "        return total_loss / n_seen, 100 * correct / n_seen\n"),
                      hint=("Your accuracy is a percentage: return the fraction of correct predictions, between 0 and "
                            "1.")),
    Mistake("evaluate", "never moves the batch to the device", cells=EVAL_CORE, code=
            _evaluate("                X, y = X.to(device), y.to(device)\n", ""),
            hint=("The batches are used where they arrived: on a GPU the model and its data must be on the same device."
                  " What do you do with X and y first?")),
    Mistake("evaluate", "moves the images but not the labels", cells=EVAL_CORE, code=
            _evaluate("                X, y = X.to(device), y.to(device)\n", "                X = X.to(device)\n"),
            hint=("The images reach the device but the labels stay behind, and the loss compares them with logits on "
                  "the device: what about y?")),
    Mistake("evaluate", "sums the batch losses instead of averaging", cells=EVAL_BOTH, code=
            _evaluate("        return total_loss / n_seen, correct / n_seen\n",
                      "        return total_loss, correct / n_seen\n"),
                      hint="Your loss grows with the number of examples: return the mean per example."),
    Mistake("evaluate", "averages batch means without weighting the smaller last batch", cells=EVAL_EDGE, code="""
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
    """,
            hint=("With a smaller last batch your mean loss is off: does every example count equally in your mean, or "
                  "every batch?")),
    Mistake("evaluate", "returns (accuracy, loss) in the wrong order", cells=EVAL_BOTH, code=
            _evaluate("        return total_loss / n_seen, correct / n_seen\n",
                      "        return correct / n_seen, total_loss / n_seen\n"),
                      hint="Your two results come in the wrong order: evaluate returns (mean_loss, accuracy)."),
    Mistake("evaluate", "returns the accuracy as a tensor", cells=EVAL_EDGE, code=
            _evaluate("correct += (logits.argmax(dim=1) == y).sum().item()",
                      "correct = correct + (logits.argmax(dim=1) == y).sum()"),
                      hint=("Your accuracy is a tensor, not a Python float: turn the count of each batch into a number "
                            "as you go.")),
    Mistake("evaluate", "also steps backward through the test loss (no no_grad)", cells=EVAL_CORE, code="""
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
    """,
            hint=("Your evaluation computes gradients of the test loss: evaluating only measures, without gradients and"
                  " without recording a graph.")),
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
    Correct("manual_sgd_step", "the .data idiom of older PyTorch code, p.grad = None", """
        def manual_sgd_step(params, lr):
            for p in params:
                if p.grad is not None:
                    p.data -= lr * p.grad.data
                    p.grad = None
    """),
    Correct("manual_sgd_step", "@torch.no_grad() decorator, add_ with alpha, a list of the tensors that have gradients", """
        @torch.no_grad()
        def manual_sgd_step(params, lr):
            with_grad = [p for p in params if p.grad is not None]
            for p in with_grad:
                p.add_(p.grad, alpha=-lr)
            for p in with_grad:
                p.grad.zero_()
    """),
    Correct("manual_sgd_step", "copy_ of the new value, then a fresh zero gradient", """
        def manual_sgd_step(params, lr):
            with torch.no_grad():
                for p in params:
                    if p.grad is None:
                        continue
                    p.copy_(p - lr * p.grad)
                    p.grad = torch.zeros_like(p)
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
