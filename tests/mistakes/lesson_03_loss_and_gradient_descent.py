"""Lesson 03: mistakes students make with costs and gradient descent, and right answers in other styles."""

from . import Correct, Mistake

LESSON = "03-loss-and-gradient-descent"

MISTAKES = [
    # mse
    Mistake("mse", "sum instead of mean", """
        def mse(y_hat, y):
            return float(np.sum((np.asarray(y_hat) - np.asarray(y)) ** 2))
    """, hint="Your cost grows with the number of examples: is it a sum where the mean is meant?"),
    Mistake("mse", "absolute instead of squared errors", """
        def mse(y_hat, y):
            return float(np.mean(np.abs(np.asarray(y_hat) - np.asarray(y))))
    """, hint="Your cost grows in proportion to the error, not with its square: the mean squared error squares each difference."),
    Mistake("mse", "squares the mean error: opposite errors cancel", """
        def mse(y_hat, y):
            return float(np.mean(np.asarray(y_hat) - np.asarray(y)) ** 2)
    """, hint="Your cost can be 0 while predictions are wrong, when errors of opposite signs cancel: square each error before taking the mean."),
    Mistake("mse", "takes the root (RMSE)", """
        def mse(y_hat, y):
            return float(np.sqrt(np.mean((np.asarray(y_hat) - np.asarray(y)) ** 2)))
    """, hint="Your cost is the square root of the mean squared error: the cost here has no root."),
    Mistake("mse", "divides by the number of rows, not of entries", """
        def mse(y_hat, y):
            return float(np.sum((np.asarray(y_hat) - np.asarray(y)) ** 2) / len(y))
    """, hint="For a 2-D y your cost is too large by the number of columns: the mean is over all entries, not over rows."),
    Mistake("mse", "subtracts in place", """
        def mse(y_hat, y):
            y_hat -= y
            return float(np.mean(y_hat ** 2))
    """, hint="After your call the caller's y_hat has changed: -= writes into the array you were given."),
    # mse_grad
    Mistake("mse_grad", "forgets the 2", """
        def mse_grad(y_hat, y):
            y_hat = np.asarray(y_hat, dtype=float)
            return (y_hat - y) / y_hat.size
    """, hint="Your gradient is half the right one: what does differentiating a square bring down in front?"),
    Mistake("mse_grad", "forgets to divide by N: the gradient of the sum", """
        def mse_grad(y_hat, y):
            return 2.0 * (np.asarray(y_hat, dtype=float) - y)
    """, hint="Your gradient grows with the number of examples: J is a mean, so its gradient keeps the 1/N."),
    Mistake("mse_grad", "wrong sign: y - y_hat", """
        def mse_grad(y_hat, y):
            y_hat = np.asarray(y_hat, dtype=float)
            return 2.0 * (y - y_hat) / y_hat.size
    """, hint="Your gradient points downhill: raising y_hat above y should increase the cost, so check the sign of the difference."),
    Mistake("mse_grad", "divides by the number of rows, not of entries", """
        def mse_grad(y_hat, y):
            return 2.0 * (np.asarray(y_hat, dtype=float) - y) / len(y_hat)
    """, hint="For a 2-D y_hat your gradient is too large by the number of columns: N counts all entries, not rows."),
    Mistake("mse_grad", "averages the gradient into one number", """
        def mse_grad(y_hat, y):
            return np.mean(2.0 * (np.asarray(y_hat, dtype=float) - y))
    """, hint="Your gradient is a single number: a gradient has the shape of what it is the gradient of, here y_hat."),
    Mistake("mse_grad", "subtracts in place: y_hat -= y", cells=("test_mse_grad_edge",), code="""
        def mse_grad(y_hat, y):
            y_hat -= y
            return 2.0 * y_hat / np.size(y_hat)
    """, hint="After your call the caller's y_hat has changed: -= writes into the array you were given."),
    Mistake("mse_grad", "integer floor division", """
        def mse_grad(y_hat, y):
            y_hat = np.asarray(y_hat)
            return 2 * (y_hat - y) // y_hat.size
    """, hint="For integer inputs your gradient is rounded down to whole numbers: // is floor division."),
    # binary_cross_entropy
    Mistake("binary_cross_entropy", "no clipping: log(0)", """
        def binary_cross_entropy(p, y, eps=1e-12):
            p = np.asarray(p, dtype=float)
            return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    """, cells=("test_binary_cross_entropy_edge",), hint="Your cost is nan or inf when a probability is exactly 0 or 1: keep p at least eps away from both before taking logs."),
    Mistake("binary_cross_entropy", "clips only from below: log(1 - 1)", """
        def binary_cross_entropy(p, y, eps=1e-12):
            p = np.maximum(np.asarray(p, dtype=float), eps)
            return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    """, cells=("test_binary_cross_entropy_edge",), hint="Your cost is nan when a probability is exactly 1: log(1 - p) needs p kept below 1 as well as above 0."),
    Mistake("binary_cross_entropy", "sum instead of mean", """
        def binary_cross_entropy(p, y, eps=1e-12):
            p = np.clip(p, eps, 1 - eps)
            return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
    """, hint="Your cost grows with the number of examples: is it a sum where the mean is meant?"),
    Mistake("binary_cross_entropy", "forgets the minus sign", """
        def binary_cross_entropy(p, y, eps=1e-12):
            p = np.clip(p, eps, 1 - eps)
            return float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    """, hint="Your cost is negative: logs of probabilities are at most 0, so the cross-entropy puts a minus in front."),
    Mistake("binary_cross_entropy", "only the y log p term", """
        def binary_cross_entropy(p, y, eps=1e-12):
            p = np.clip(p, eps, 1 - eps)
            return float(-np.mean(y * np.log(p)))
    """, hint="Your cost ignores the examples with y = 0: each example contributes the log of the probability of what happened, for y = 0 as well."),
    Mistake("binary_cross_entropy", "clips p in place", """
        def binary_cross_entropy(p, y, eps=1e-12):
            p = np.clip(p, eps, 1 - eps, out=p)
            return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    """, cells=("test_binary_cross_entropy_edge",), hint="After your call the caller's p has changed: clipping into `out=p` writes into the array you were given."),
    Mistake("binary_cross_entropy", "hard-codes eps = 1e-7", """
        def binary_cross_entropy(p, y, eps=1e-12):
            p = np.clip(p, 1e-7, 1 - 1e-7)
            return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    """, cells=("test_binary_cross_entropy_edge",), hint="Changing eps does not change your cost: use the eps you are given."),
    # gradient_descent
    Mistake("gradient_descent", "updates w in place after storing it: every row is the same array", """
        def gradient_descent(grad_fn, w0, lr, steps):
            w = np.array(w0, dtype=float)
            path = [w]
            for _ in range(steps):
                w -= lr * grad_fn(w)
                path.append(w)
            return np.array(path)
    """, hint="Every row of your path is the same, last point: the list holds one array, changed in place at each step. Store a new array for each step."),
    Mistake("gradient_descent", "updates w0 itself in place", """
        def gradient_descent(grad_fn, w0, lr, steps):
            w = w0
            path = [w.copy()]
            for _ in range(steps):
                w -= lr * grad_fn(w)
                path.append(w.copy())
            return np.array(path)
    """, cells=("test_gradient_descent_edge",), hint="After your call the caller's w0 has changed: start from a copy."),
    Mistake("gradient_descent", "always evaluates the gradient at w0", """
        def gradient_descent(grad_fn, w0, lr, steps):
            w = np.array(w0, dtype=float)
            path = [w]
            for _ in range(steps):
                w = w - lr * grad_fn(w0)
                path.append(w)
            return np.array(path)
    """, hint="Your steps never change direction or size: where is the gradient evaluated at each step?"),
    Mistake("gradient_descent", "leaves out the start", """
        def gradient_descent(grad_fn, w0, lr, steps):
            w = np.array(w0, dtype=float)
            path = []
            for _ in range(steps):
                w = w - lr * grad_fn(w)
                path.append(w)
            return np.array(path)
    """, hint="Your path has `steps` rows instead of steps + 1: the first row is the starting point."),
    Mistake("gradient_descent", "one step too many", """
        def gradient_descent(grad_fn, w0, lr, steps):
            w = np.array(w0, dtype=float)
            path = [w]
            for _ in range(steps + 1):
                w = w - lr * grad_fn(w)
                path.append(w)
            return np.array(path)
    """, hint="Your path has steps + 2 rows: it should hold the start and one point per step."),
    Mistake("gradient_descent", "steps uphill: plus instead of minus", """
        def gradient_descent(grad_fn, w0, lr, steps):
            w = np.array(w0, dtype=float)
            path = [w]
            for _ in range(steps):
                w = w + lr * grad_fn(w)
                path.append(w)
            return np.array(path)
    """, hint="Your path climbs, away from the minimum: a descent step moves against the gradient."),
    Mistake("gradient_descent", "stops early once the gradient vanishes", """
        def gradient_descent(grad_fn, w0, lr, steps):
            w = np.array(w0, dtype=float)
            path = [w]
            for _ in range(steps):
                g = grad_fn(w)
                if np.allclose(g, 0):
                    break
                w = w - lr * g
                path.append(w)
            return np.array(path)
    """, hint="Your path is cut short where the gradient is zero: take all the steps (a zero gradient just repeats the point)."),
    # logistic_regression_fit
    Mistake("logistic_regression_fit", "records the cost after the update", """
        def logistic_regression_fit(X, y, lr=0.1, epochs=100):
            X = np.asarray(X, dtype=float)
            w, b, costs = np.zeros(X.shape[1]), 0.0, []
            for _ in range(epochs):
                p = sigmoid(X @ w + b)
                w = w - lr * X.T @ (p - y) / len(y)
                b = b - lr * np.mean(p - y)
                costs.append(binary_cross_entropy(sigmoid(X @ w + b), y))
            return w, b, costs
    """, hint="Your first cost is already below log 2, the cost of zero weights: record the cost of the current weights before updating them."),
    Mistake("logistic_regression_fit", "sums the gradient instead of averaging it", """
        def logistic_regression_fit(X, y, lr=0.1, epochs=100):
            X = np.asarray(X, dtype=float)
            w, b, costs = np.zeros(X.shape[1]), 0.0, []
            for _ in range(epochs):
                p = sigmoid(X @ w + b)
                costs.append(binary_cross_entropy(p, y))
                w = w - lr * X.T @ (p - y)
                b = b - lr * np.sum(p - y)
            return w, b, costs
    """, hint="Your steps are too large by the number of examples: the cost is a mean, so its gradient averages over the examples."),
    Mistake("logistic_regression_fit", "y - p with a minus: gradient ascent", """
        def logistic_regression_fit(X, y, lr=0.1, epochs=100):
            X = np.asarray(X, dtype=float)
            w, b, costs = np.zeros(X.shape[1]), 0.0, []
            for _ in range(epochs):
                p = sigmoid(X @ w + b)
                costs.append(binary_cross_entropy(p, y))
                w = w - lr * X.T @ (y - p) / len(y)
                b = b - lr * np.mean(y - p)
            return w, b, costs
    """, hint="Your cost goes up over the epochs: check the sign of the error term you subtract."),
    Mistake("logistic_regression_fit", "never updates the bias", """
        def logistic_regression_fit(X, y, lr=0.1, epochs=100):
            X = np.asarray(X, dtype=float)
            w, b, costs = np.zeros(X.shape[1]), 0.0, []
            for _ in range(epochs):
                p = sigmoid(X @ w + b)
                costs.append(binary_cross_entropy(p, y))
                w = w - lr * X.T @ (p - y) / len(y)
            return w, b, costs
    """, hint="Your bias stays at 0: the bias has a gradient too, and is updated with w."),
    Mistake("logistic_regression_fit", "X @ (p - y): a transposed gradient", """
        def logistic_regression_fit(X, y, lr=0.1, epochs=100):
            X = np.asarray(X, dtype=float)
            w, b, costs = np.zeros(X.shape[1]), 0.0, []
            for _ in range(epochs):
                p = sigmoid(X @ w + b)
                costs.append(binary_cross_entropy(p, y))
                w = w - lr * (p - y) @ X.T / len(y)
                b = b - lr * np.mean(p - y)
            return w, b, costs
    """, hint="Your weight gradient combines X and the errors the wrong way round (it fails when the shapes differ): it has one entry per feature, a sum over the examples."),
    Mistake("logistic_regression_fit", "small random start instead of zeros", """
        def logistic_regression_fit(X, y, lr=0.1, epochs=100):
            X = np.asarray(X, dtype=float)
            w, b, costs = np.random.default_rng(0).normal(0, 0.01, X.shape[1]), 0.0, []
            for _ in range(epochs):
                p = sigmoid(X @ w + b)
                costs.append(binary_cross_entropy(p, y))
                w = w - lr * X.T @ (p - y) / len(y)
                b = b - lr * np.mean(p - y)
            return w, b, costs
    """, hint="Your weights differ slightly from the rule's from the very first epoch: the fit here starts from w = 0 and b = 0."),
    Mistake("logistic_regression_fit", "the squared-error gradient, with the sigmoid's slope", """
        def logistic_regression_fit(X, y, lr=0.1, epochs=100):
            X = np.asarray(X, dtype=float)
            w, b, costs = np.zeros(X.shape[1]), 0.0, []
            for _ in range(epochs):
                p = sigmoid(X @ w + b)
                costs.append(binary_cross_entropy(p, y))
                dz = (p - y) * p * (1 - p)
                w = w - lr * X.T @ dz / len(y)
                b = b - lr * np.mean(dz)
            return w, b, costs
    """, hint="Your updates carry an extra factor p(1 - p): with the cross-entropy and a sigmoid, the error term is simply p - y."),
    Mistake("logistic_regression_fit", "one example at a time (stochastic, not full batch)", """
        def logistic_regression_fit(X, y, lr=0.1, epochs=100):
            X = np.asarray(X, dtype=float)
            w, b, costs = np.zeros(X.shape[1]), 0.0, []
            for _ in range(epochs):
                costs.append(binary_cross_entropy(sigmoid(X @ w + b), y))
                for x_i, y_i in zip(X, y):
                    p_i = sigmoid(x_i @ w + b)
                    w = w - lr * (p_i - y_i) * x_i
                    b = b - lr * (p_i - y_i)
            return w, b, costs
    """, hint="You update after every example: this fit is full-batch gradient descent, one update per epoch with the mean gradient."),
    Mistake("logistic_regression_fit", "scales X in place to 'help' training", """
        def logistic_regression_fit(X, y, lr=0.1, epochs=100):
            X /= np.abs(X).max()
            w, b, costs = np.zeros(X.shape[1]), 0.0, []
            for _ in range(epochs):
                p = sigmoid(X @ w + b)
                costs.append(binary_cross_entropy(p, y))
                w = w - lr * X.T @ (p - y) / len(y)
                b = b - lr * np.mean(p - y)
            return w, b, costs
    """, hint="After your call the caller's X has changed: train on X as given, without rescaling it in place."),
    Mistake("logistic_regression_fit", "one epoch too many", """
        def logistic_regression_fit(X, y, lr=0.1, epochs=100):
            X = np.asarray(X, dtype=float)
            w, b, costs = np.zeros(X.shape[1]), 0.0, []
            for _ in range(epochs + 1):
                p = sigmoid(X @ w + b)
                costs.append(binary_cross_entropy(p, y))
                w = w - lr * X.T @ (p - y) / len(y)
                b = b - lr * np.mean(p - y)
            return w, b, costs
    """, hint="Your list of costs has epochs + 1 entries: run exactly `epochs` updates."),
]

CORRECT = [
    Correct("mse", "np.square and np.subtract", """
        def mse(y_hat, y):
            return np.mean(np.square(np.subtract(y_hat, y, dtype=float)))
    """),
    Correct("mse", "sum over the number of entries", """
        def mse(y_hat, y):
            d = np.asarray(y_hat, dtype=float) - np.asarray(y, dtype=float)
            return (d * d).sum() / d.size
    """),
    Correct("mse_grad", "scale factor first", """
        def mse_grad(y_hat, y):
            return (np.asarray(y_hat, dtype=float) - y) * (2.0 / np.size(y_hat))
    """),
    Correct("mse_grad", "np.subtract with a float dtype", """
        def mse_grad(y_hat, y):
            return 2 * np.subtract(y_hat, y, dtype=float) / np.asarray(y).size
    """),
    Correct("binary_cross_entropy", "eps added inside the logs", """
        def binary_cross_entropy(p, y, eps=1e-12):
            p = np.asarray(p, dtype=float)
            return -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
    """),
    Correct("binary_cross_entropy", "choose the log-probability of what happened", """
        def binary_cross_entropy(p, y, eps=1e-12):
            p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
            y = np.asarray(y)
            return float(np.mean(np.where(y == 1, -np.log(p), -np.log1p(-p))))
    """),
    Correct("gradient_descent", "preallocated path", """
        def gradient_descent(grad_fn, w0, lr, steps):
            path = np.empty((steps + 1, np.size(w0)))
            path[0] = w0
            for t in range(steps):
                path[t + 1] = path[t] - lr * np.asarray(grad_fn(path[t].copy()))
            return path
    """),
    Correct("gradient_descent", "in-place update on a copy, storing copies", """
        def gradient_descent(grad_fn, w0, lr, steps):
            w = np.asarray(w0, dtype=float).copy()
            path = [w.copy()]
            for _ in range(steps):
                w -= lr * grad_fn(w.copy())
                path.append(w.copy())
            return np.vstack(path)
    """),
    Correct("logistic_regression_fit", "bias folded into the weights as a column of ones", """
        def logistic_regression_fit(X, y, lr=0.1, epochs=100):
            Xb = np.hstack([np.asarray(X, dtype=float), np.ones((len(X), 1))])
            theta = np.zeros(Xb.shape[1])
            costs = np.empty(epochs)
            for i in range(epochs):
                p = sigmoid(Xb @ theta)
                costs[i] = binary_cross_entropy(p, y)
                theta -= lr * Xb.T @ (p - y) / len(y)
            return theta[:-1], theta[-1], costs
    """),
    Correct("logistic_regression_fit", "means over the examples with broadcasting", """
        def logistic_regression_fit(X, y, lr=0.1, epochs=100):
            X = np.asarray(X, dtype=float)
            y = np.asarray(y, dtype=float)
            w = np.zeros(X.shape[1])
            b = 0.0
            costs = []
            for epoch in range(epochs):
                z = np.einsum("nd,d->n", X, w) + b
                p = 1 / (1 + np.exp(-np.clip(z, -500, 500)))
                costs.append(binary_cross_entropy(p, y))
                err = p - y
                w -= lr * np.mean(X * err[:, None], axis=0)
                b -= lr * err.mean()
            return w, b, costs
    """),
]
