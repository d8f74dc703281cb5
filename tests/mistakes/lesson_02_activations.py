"""Lesson 02: mistakes students make with activations and their slopes, and right answers in other styles."""

from . import Correct, Mistake

LESSON = "02-activations"

MISTAKES = [
    # sigmoid
    Mistake("sigmoid", "the textbook formula: exp overflows for very negative z", """
        def sigmoid(z):
            return 1 / (1 + np.exp(-z))
    """),
    Mistake("sigmoid", "np.where with both formulas: each branch is computed everywhere", """
        def sigmoid(z):
            z = np.asarray(z, dtype=float)
            return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
    """),
    Mistake("sigmoid", "exp(z) / (1 + exp(z)): inf / inf = nan for large z", """
        def sigmoid(z):
            e = np.exp(z)
            return e / (1 + e)
    """),
    Mistake("sigmoid", "empty_like keeps the integer dtype of the input", """
        def sigmoid(z):
            z = np.asarray(z)
            out = np.empty_like(z)
            pos = z >= 0
            out[pos] = 1 / (1 + np.exp(-z[pos]))
            e = np.exp(z[~pos])
            out[~pos] = e / (1 + e)
            return out
    """, cells=("test_sigmoid_edge",)),
    Mistake("sigmoid", "flips the sign of z in place (asarray does not copy)", """
        def sigmoid(z):
            z = np.asarray(z, dtype=float)
            neg = z < 0
            z[neg] = -z[neg]
            e = np.exp(-z)
            return np.where(neg, e / (1 + e), 1 / (1 + e))
    """),
    Mistake("sigmoid", "math.exp only works for one number", """
        def sigmoid(z):
            import math
            return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    """),
    # sigmoid_grad
    Mistake("sigmoid_grad", "a(1 - a) with z in place of the second a", """
        def sigmoid_grad(z):
            return sigmoid(z) * (1 - z)
    """),
    Mistake("sigmoid_grad", "applies a(1 - a) to z itself", """
        def sigmoid_grad(z):
            return z * (1 - z)
    """),
    Mistake("sigmoid_grad", "e^-z / (1 + e^-z)^2 overflows for very negative z", """
        def sigmoid_grad(z):
            e = np.exp(-np.asarray(z, dtype=float))
            return e / (1 + e) ** 2
    """),
    Mistake("sigmoid_grad", "uses tanh's slope formula", """
        def sigmoid_grad(z):
            return 1 - sigmoid(z) ** 2
    """),
    # tanh
    Mistake("tanh", "the exponential definition: inf / inf = nan for large |z|", """
        def tanh(z):
            return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    """),
    Mistake("tanh", "2 sigmoid(z) - 1: forgets to double z", """
        def tanh(z):
            return 2 * sigmoid(z) - 1
    """),
    Mistake("tanh", "(1 - e^-2z) / (1 + e^-2z) overflows for very negative z", """
        def tanh(z):
            e = np.exp(-2 * np.asarray(z, dtype=float))
            return (1 - e) / (1 + e)
    """),
    # tanh_grad
    Mistake("tanh_grad", "forgets to square", """
        def tanh_grad(z):
            return 1 - tanh(z)
    """),
    Mistake("tanh_grad", "squares z instead of tanh(z)", """
        def tanh_grad(z):
            return 1 - np.asarray(z, dtype=float) ** 2
    """),
    Mistake("tanh_grad", "copies the sigmoid pattern t(1 - t)", """
        def tanh_grad(z):
            t = tanh(z)
            return t * (1 - t)
    """),
    Mistake("tanh_grad", "1 / cosh(z)^2: cosh overflows for large |z|", """
        def tanh_grad(z):
            return 1 / np.cosh(z) ** 2
    """),
    # relu
    Mistake("relu", "np.max(z, 0) reduces along axis 0", """
        def relu(z):
            return np.max(z, 0)
    """),
    Mistake("relu", "zeroes the negatives of the input in place", """
        def relu(z):
            z = np.asarray(z)
            z[z < 0] = 0
            return z
    """),
    Mistake("relu", "returns the slope instead of the value", """
        def relu(z):
            return (np.asarray(z) > 0).astype(float)
    """),
    Mistake("relu", "Python's max only works for one number", """
        def relu(z):
            return max(0, z)
    """),
    # relu_grad
    Mistake("relu_grad", "z >= 0: slope 1 at zero", """
        def relu_grad(z):
            return (np.asarray(z) >= 0).astype(float)
    """),
    Mistake("relu_grad", "np.sign gives -1 for negative z", """
        def relu_grad(z):
            return np.sign(z)
    """),
    Mistake("relu_grad", "relu(z) / z: nan at zero", """
        def relu_grad(z):
            z = np.asarray(z, dtype=float)
            return relu(z) / z
    """),
    Mistake("relu_grad", "returns booleans", """
        def relu_grad(z):
            return np.asarray(z) > 0
    """),
    Mistake("relu_grad", "Heaviside with 1 at zero", """
        def relu_grad(z):
            return np.heaviside(z, 1.0)
    """),
    # leaky_relu
    Mistake("leaky_relu", "alpha instead of alpha * z for negatives", """
        def leaky_relu(z, alpha=0.01):
            z = np.asarray(z, dtype=float)
            return np.where(z > 0, z, alpha)
    """),
    Mistake("leaky_relu", "ignores the alpha argument", """
        def leaky_relu(z, alpha=0.01):
            z = np.asarray(z, dtype=float)
            return np.where(z > 0, z, 0.01 * z)
    """),
    Mistake("leaky_relu", "scales the negatives of the input in place", """
        def leaky_relu(z, alpha=0.01):
            z = np.asarray(z, dtype=float)
            z[z < 0] *= alpha
            return z
    """),
    Mistake("leaky_relu", "maximum with alpha instead of with alpha * z", """
        def leaky_relu(z, alpha=0.01):
            return np.maximum(alpha, z)
    """),
    # leaky_relu_grad
    Mistake("leaky_relu_grad", "forgets alpha: the ReLU slope", """
        def leaky_relu_grad(z, alpha=0.01):
            return np.where(np.asarray(z) > 0, 1.0, 0.0)
    """),
    Mistake("leaky_relu_grad", "z >= 0: slope 1 at zero", """
        def leaky_relu_grad(z, alpha=0.01):
            return np.where(np.asarray(z) >= 0, 1.0, alpha)
    """),
    Mistake("leaky_relu_grad", "alpha * z: the value, not the slope", """
        def leaky_relu_grad(z, alpha=0.01):
            z = np.asarray(z, dtype=float)
            return np.where(z > 0, 1.0, alpha * z)
    """),
    Mistake("leaky_relu_grad", "hard-codes alpha = 0.01", """
        def leaky_relu_grad(z, alpha=0.01):
            return np.where(np.asarray(z) > 0, 1.0, 0.01)
    """),
    # collapse_linear_layers
    Mistake("collapse_linear_layers", "multiplies the weights in reverse order", """
        def collapse_linear_layers(weights, biases):
            W, b = weights[0], biases[0]
            for W_k, b_k in zip(weights[1:], biases[1:]):
                W = W_k @ W
                b = b @ W_k + b_k
            return W, b
    """),
    Mistake("collapse_linear_layers", "adds up the biases", """
        def collapse_linear_layers(weights, biases):
            W = weights[0]
            for W_k in weights[1:]:
                W = W @ W_k
            return W, sum(biases)
    """),
    Mistake("collapse_linear_layers", "keeps only the last bias", """
        def collapse_linear_layers(weights, biases):
            W = weights[0]
            for W_k in weights[1:]:
                W = W @ W_k
            return W, biases[-1]
    """),
    Mistake("collapse_linear_layers", "passes each bias through one later layer only", """
        def collapse_linear_layers(weights, biases):
            W, b = weights[0], biases[0]
            for k in range(1, len(weights)):
                W = W @ weights[k]
                b = biases[k - 1] @ weights[k] + biases[k]
            return W, b
    """),
    Mistake("collapse_linear_layers", "multi_dot needs at least two matrices", """
        def collapse_linear_layers(weights, biases):
            b = biases[0]
            for W_k, b_k in zip(weights[1:], biases[1:]):
                b = b @ W_k + b_k
            return np.linalg.multi_dot(weights), b
    """, cells=("test_collapse_linear_layers_edge",)),
    Mistake("collapse_linear_layers", "accumulates the bias into the given arrays", """
        def collapse_linear_layers(weights, biases):
            W = weights[0]
            for k in range(1, len(weights)):
                W = W @ weights[k]
                biases[k] += biases[k - 1] @ weights[k]
            return W, biases[-1]
    """),
]

CORRECT = [
    Correct("sigmoid", "the tanh identity", """
        def sigmoid(z):
            return 0.5 * (1 + np.tanh(0.5 * np.asarray(z, dtype=float)))
    """),
    Correct("sigmoid", "masks on a float copy", """
        def sigmoid(z):
            z = np.array(z, dtype=float)
            out = np.empty_like(z)
            pos = z >= 0
            out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
            e = np.exp(z[~pos])
            out[~pos] = e / (1.0 + e)
            return out
    """),
    Correct("sigmoid", "clips z before the textbook formula", """
        def sigmoid(z):
            return 1.0 / (1.0 + np.exp(-np.clip(z, -700, 700)))
    """),
    Correct("sigmoid_grad", "sigmoid(z) * sigmoid(-z)", """
        def sigmoid_grad(z):
            z = np.asarray(z, dtype=float)
            return sigmoid(z) * sigmoid(-z)
    """),
    Correct("sigmoid_grad", "e^-|z| / (1 + e^-|z|)^2 (the slope is symmetric)", """
        def sigmoid_grad(z):
            e = np.exp(-np.abs(np.asarray(z, dtype=float)))
            return e / (1 + e) ** 2
    """),
    Correct("tanh", "numpy's tanh", """
        def tanh(z):
            return np.tanh(z)
    """),
    Correct("tanh", "1 - 2 sigmoid(-2z)", """
        def tanh(z):
            return 1.0 - 2.0 * sigmoid(-2.0 * np.asarray(z, dtype=float))
    """),
    Correct("tanh", "odd symmetry with a safe exponential", """
        def tanh(z):
            z = np.asarray(z, dtype=float)
            e = np.exp(-2 * np.abs(z))
            return np.sign(z) * (1 - e) / (1 + e)
    """),
    Correct("tanh_grad", "chain rule on 2 sigmoid(2z) - 1", """
        def tanh_grad(z):
            return 4 * sigmoid_grad(2 * np.asarray(z, dtype=float))
    """),
    Correct("tanh_grad", "numpy's tanh squared", """
        def tanh_grad(z):
            return 1.0 - np.tanh(z) ** 2
    """),
    Correct("relu", "z times a mask", """
        def relu(z):
            z = np.asarray(z)
            return z * (z > 0)
    """),
    Correct("relu", "clip from below", """
        def relu(z):
            return np.clip(z, 0, None)
    """),
    Correct("relu", "(z + |z|) / 2", """
        def relu(z):
            z = np.asarray(z, dtype=float)
            return (z + np.abs(z)) / 2
    """),
    Correct("relu_grad", "Heaviside with 0 at zero", """
        def relu_grad(z):
            return np.heaviside(z, 0.0)
    """),
    Correct("relu_grad", "np.where on floats", """
        def relu_grad(z):
            return np.where(np.asarray(z) > 0, 1.0, 0.0)
    """),
    Correct("relu_grad", "boolean times 1.0", """
        def relu_grad(z):
            return (np.asarray(z) > 0) * 1.0
    """),
    Correct("leaky_relu", "maximum of z and alpha * z (alpha below 1)", """
        def leaky_relu(z, alpha=0.01):
            z = np.asarray(z, dtype=float)
            return np.maximum(z, alpha * z)
    """),
    Correct("leaky_relu", "built from relu", """
        def leaky_relu(z, alpha=0.01):
            z = np.asarray(z, dtype=float)
            return np.maximum(z, 0) - alpha * np.maximum(-z, 0)
    """),
    Correct("leaky_relu_grad", "mixing the ReLU slope with alpha", """
        def leaky_relu_grad(z, alpha=0.01):
            on = (np.asarray(z) > 0).astype(float)
            return on + alpha * (1.0 - on)
    """),
    Correct("leaky_relu_grad", "fill then overwrite", """
        def leaky_relu_grad(z, alpha=0.01):
            z = np.asarray(z)
            out = np.full(z.shape, float(alpha))
            out[z > 0] = 1.0
            return out
    """),
    Correct("collapse_linear_layers", "functools.reduce over the weights", """
        def collapse_linear_layers(weights, biases):
            from functools import reduce
            W = reduce(np.matmul, weights)
            b = reduce(lambda acc, layer: acc @ layer[0] + layer[1], zip(weights[1:], biases[1:]), biases[0])
            return W, b
    """),
    Correct("collapse_linear_layers", "homogeneous coordinates: one matrix per layer", """
        def collapse_linear_layers(weights, biases):
            M = np.eye(np.shape(weights[0])[0] + 1)
            for W_k, b_k in zip(weights, biases):
                W_k = np.asarray(W_k, dtype=float)
                A = np.zeros((W_k.shape[0] + 1, W_k.shape[1] + 1))
                A[:-1, :-1] = W_k
                A[-1, :-1] = b_k
                A[-1, -1] = 1.0
                M = M @ A
            return M[:-1, :-1], M[-1, :-1]
    """),
    Correct("collapse_linear_layers", "probes the stack with zero and identity inputs", """
        def collapse_linear_layers(weights, biases):
            def run(X):
                for W_k, b_k in zip(weights, biases):
                    X = X @ W_k + b_k
                return X
            d0 = np.shape(weights[0])[0]
            b = run(np.zeros((1, d0)))[0]
            return run(np.eye(d0)) - b, b
    """),
]
