"""Lesson 01: mistakes students make with the perceptron, and right answers in other styles."""

from . import Correct, Mistake, variant

LESSON = "01-perceptron"

# The reference training loop, to vary a line or two at a time.
_TRAIN = """
    def perceptron_train(X, y, lr=1.0, epochs=10):
        X = np.asarray(X, dtype=float)
        w, b, errors_per_epoch = np.zeros(X.shape[1]), 0.0, []
        for _ in range(epochs):
            errors = 0
            for x_i, y_i in zip(X, y):
                delta = y_i - perceptron_predict(x_i, w, b)
                if delta:
                    w, b = w + lr * delta * x_i, b + lr * delta
                    errors += 1
            errors_per_epoch.append(errors)
        return w, b, errors_per_epoch
"""
_UPDATE = "w, b = w + lr * delta * x_i, b + lr * delta"

# A wrong perceptron_train that runs and returns the right shapes: the hostile and pipeline tests
# use it too, as the wrong answer a student might try to hide.
NO_BIAS_UPDATE = variant(_TRAIN, (_UPDATE, "w = w + lr * delta * x_i"))

MISTAKES = [
    # weighted_sum
    Mistake("weighted_sum", "forgets the bias", """
        def weighted_sum(X, w, b):
            return np.asarray(X) @ np.asarray(w)
    """, hint="Your sums come out the same whatever b is: where does the bias enter z?"),
    Mistake("weighted_sum", "w @ X: works for one example, not for a batch", """
        def weighted_sum(X, w, b):
            return np.dot(w, X) + b
    """, hint="Yours works for one example but fails for a batch X of shape (n, d): in which order must X and w meet so that each row is multiplied by w?"),
    Mistake("weighted_sum", "sums over the whole batch", """
        def weighted_sum(X, w, b):
            return np.sum(X * w) + b
    """, hint="A batch of n examples should give n sums, one per row, but yours gives a single number: what exactly are you adding up?"),
    Mistake("weighted_sum", "adds the bias to every weight", """
        def weighted_sum(X, w, b):
            return np.asarray(X) @ (np.asarray(w) + b)
    """, hint="Your bias gets multiplied by the inputs: b is added once to each example's sum, not to each weight."),
    Mistake("weighted_sum", "loops over rows, so one example breaks", """
        def weighted_sum(X, w, b):
            return np.array([row @ w + b for row in X])
    """, hint="Yours works for a batch but breaks for a single example of shape (d,): one array operation can handle both shapes, without a loop over rows."),
    Mistake("weighted_sum", "multiplies X in place", """
        def weighted_sum(X, w, b):
            X *= w
            return X.sum(axis=-1) + b
    """, hint="After your call the caller's X has changed: compute the products in a new array instead of writing into the input."),
    # step
    Mistake("step", "z > 0: zero maps to 0", """
        def step(z):
            return (np.asarray(z) > 0).astype(int)
    """, hint="At z = 0 your step gives 0, but the lesson's step gives 1 there: look at the comparison at the boundary."),
    Mistake("step", "returns booleans", """
        def step(z):
            return np.asarray(z) >= 0
    """, hint="Your step returns True and False: the lesson asks for the integers 0 and 1."),
    Mistake("step", "returns floats", """
        def step(z):
            return np.where(np.asarray(z) >= 0, 1.0, 0.0)
    """, hint="Your step returns 0.0 and 1.0: the lesson asks for integers 0 and 1."),
    Mistake("step", "uses the sign function", """
        def step(z):
            return np.sign(z).astype(int)
    """, hint="Your step gives -1 for negative z and 0 at zero: a step only ever outputs 0 or 1."),
    Mistake("step", "int() only works for one number", """
        def step(z):
            return int(z >= 0)
    """, hint="Your step works for one number but not for an array: compare the whole array at once, then convert the result."),
    Mistake("step", "Heaviside with the wrong value at zero", """
        def step(z):
            return np.heaviside(z, 0).astype(int)
    """, hint="At z = 0 your step gives 0, but the lesson's step gives 1 there: which value does np.heaviside use at exactly zero?"),
    # perceptron_predict
    Mistake("perceptron_predict", "forgets the bias", """
        def perceptron_predict(X, w, b):
            return step(np.asarray(X) @ w)
    """, hint="Your predictions do not change when b changes: is the bias part of what goes into the step?"),
    Mistake("perceptron_predict", "returns the weighted sum", """
        def perceptron_predict(X, w, b):
            return weighted_sum(X, w, b)
    """, hint="Your predictions are real numbers, not labels 0 or 1: what turns the weighted sum into a label?"),
    Mistake("perceptron_predict", "strict inequality at the boundary", """
        def perceptron_predict(X, w, b):
            return (weighted_sum(X, w, b) > 0).astype(int)
    """, hint="Where the weighted sum is exactly 0 you predict 0, but the step maps 0 to 1: can you reuse your step?"),
    # perceptron_train
    Mistake("perceptron_train", "never updates the bias", NO_BIAS_UPDATE, hint="Your bias stays at 0 during training: the rule changes b along with w after every mistake."),
    Mistake("perceptron_train", "update with the wrong sign",
            variant(_TRAIN, ("y_i - perceptron_predict(x_i, w, b)", "perceptron_predict(x_i, w, b) - y_i")), hint="Your updates push the weights the wrong way: when the label is 1 and you predicted 0, should w move towards x_i or away from it?"),
    Mistake("perceptron_train", "small random start instead of zeros",
            variant(_TRAIN, ("np.zeros(X.shape[1])", "np.random.default_rng(0).normal(0, 0.01, X.shape[1])")), hint="Your weights differ slightly from the rule's even on easy data: the perceptron here starts from zero weights and a zero bias."),
    Mistake("perceptron_train", "shuffles the examples every epoch", """
        def perceptron_train(X, y, lr=1.0, epochs=10):
            X = np.asarray(X, dtype=float)
            rng = np.random.default_rng(0)
            w, b, errors_per_epoch = np.zeros(X.shape[1]), 0.0, []
            for _ in range(epochs):
                errors = 0
                for i in rng.permutation(len(X)):
                    delta = y[i] - perceptron_predict(X[i], w, b)
                    if delta:
                        w, b = w + lr * delta * X[i], b + lr * delta
                        errors += 1
                errors_per_epoch.append(errors)
            return w, b, errors_per_epoch
    """, hint="Your result depends on a random order: the rule here visits the examples in the order given, in every epoch."),
    Mistake("perceptron_train", "counts the errors after each epoch instead of during it", """
        def perceptron_train(X, y, lr=1.0, epochs=10):
            X = np.asarray(X, dtype=float)
            w, b, errors_per_epoch = np.zeros(X.shape[1]), 0.0, []
            for _ in range(epochs):
                for x_i, y_i in zip(X, y):
                    delta = y_i - perceptron_predict(x_i, w, b)
                    w, b = w + lr * delta * x_i, b + lr * delta
                errors_per_epoch.append(int(np.sum(perceptron_predict(X, w, b) != y)))
            return w, b, errors_per_epoch
    """, hint="Your error counts differ from the number of updates made in each pass: count a mistake when you make the update, with the weights of that moment."),
    Mistake("perceptron_train", "stops early once an epoch has no mistakes",
            variant(_TRAIN, ("errors_per_epoch.append(errors)\n", "errors_per_epoch.append(errors)\n            if errors == 0:\n                break\n")), hint="Your list of error counts is shorter than `epochs`: run every epoch, even after one without mistakes."),
    Mistake("perceptron_train", "one batch update per epoch instead of one per example", """
        def perceptron_train(X, y, lr=1.0, epochs=10):
            X = np.asarray(X, dtype=float)
            w, b, errors_per_epoch = np.zeros(X.shape[1]), 0.0, []
            for _ in range(epochs):
                delta = y - perceptron_predict(X, w, b)
                w, b = w + lr * delta @ X, b + lr * delta.sum()
                errors_per_epoch.append(int(np.count_nonzero(delta)))
            return w, b, errors_per_epoch
    """, hint="You update once per epoch from the whole batch: Rosenblatt's rule updates after each example, one at a time."),
    Mistake("perceptron_train", "integer weights from zeros_like(X[0])", """
        def perceptron_train(X, y, lr=1.0, epochs=10):
            w, b, errors_per_epoch = np.zeros_like(X[0]), 0, []
            for _ in range(epochs):
                errors = 0
                for x_i, y_i in zip(X, y):
                    delta = y_i - perceptron_predict(x_i, w, b)
                    if delta:
                        w = (w + lr * delta * x_i).astype(w.dtype)
                        b = b + lr * delta
                        errors += 1
                errors_per_epoch.append(errors)
            return w, b, errors_per_epoch
    """, hint="With integer X and a fractional learning rate your weights lose their fractions: which dtype do your starting weights have?"),
    Mistake("perceptron_train", "ignores the learning rate",
            variant(_TRAIN, (_UPDATE, "w, b = w + delta * x_i, b + delta")), hint="Changing lr does not change your weights: every update is scaled by the learning rate."),
    Mistake("perceptron_train", "centres X in place to 'help' training",
            variant(_TRAIN, ("X = np.asarray(X, dtype=float)", "X -= X.mean(axis=0)")), hint="Training changed the caller's X (and fails for integer X): the rule uses the examples as they are given."),
]

CORRECT = [
    Correct("weighted_sum", "einsum", """
        def weighted_sum(X, w, b):
            return np.einsum("...d,d->...", np.asarray(X, dtype=float), np.asarray(w, dtype=float)) + b
    """),
    Correct("weighted_sum", "np.dot", """
        def weighted_sum(X, w, b):
            return np.dot(X, w) + b
    """),
    Correct("step", "Heaviside with 1 at zero", """
        def step(z):
            return np.heaviside(z, 1).astype(int)
    """),
    Correct("step", "np.where on integers", """
        def step(z):
            return np.where(np.asarray(z) >= 0, 1, 0)
    """),
    Correct("perceptron_predict", "written out in one expression", """
        def perceptron_predict(X, w, b):
            return np.where(np.asarray(X) @ w + b >= 0, 1, 0)
    """),
    Correct("perceptron_train", "indices, always-applied update, numpy error counts", """
        def perceptron_train(X, y, lr=1.0, epochs=10):
            n, d = np.shape(X)
            w = np.zeros(d)
            b = 0.0
            errors_per_epoch = np.zeros(epochs, dtype=int)
            for epoch in range(epochs):
                for i in range(n):
                    y_hat = 1 if np.dot(X[i], w) + b >= 0 else 0
                    update = lr * (y[i] - y_hat)
                    w = w + update * np.asarray(X[i], dtype=float)
                    b += update
                    errors_per_epoch[epoch] += int(update != 0)
            return w, b, errors_per_epoch
    """),
]
