"""Lesson 02: mistakes students make with activations and their slopes, and right answers in other styles."""

from . import Correct, Mistake

LESSON = "02-activations"

MISTAKES = [
    # sigmoid
    Mistake("sigmoid", "the textbook formula: exp overflows for very negative z", """
        def sigmoid(z):
            return 1 / (1 + np.exp(-z))
    """, hint="Your values are right, but exp overflows for very negative z: for each sign of z, which form of the sigmoid only takes exp of a number at most 0?"),
    Mistake("sigmoid", "np.where with both formulas: each branch is computed everywhere", """
        def sigmoid(z):
            z = np.asarray(z, dtype=float)
            return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
    """, hint="Your values are right, but exp still overflows: np.where computes both formulas on every entry before it chooses. Build both from a quantity that can never overflow."),
    Mistake("sigmoid", "exp(z) / (1 + exp(z)): inf / inf = nan for large z", """
        def sigmoid(z):
            e = np.exp(z)
            return e / (1 + e)
    """, hint="Your sigmoid gives nan for large positive z (inf / inf): this form is only safe for negative z; what is safe for the other sign?"),
    Mistake("sigmoid", "empty_like keeps the integer dtype of the input", """
        def sigmoid(z):
            z = np.asarray(z)
            out = np.empty_like(z)
            pos = z >= 0
            out[pos] = 1 / (1 + np.exp(-z[pos]))
            e = np.exp(z[~pos])
            out[~pos] = e / (1 + e)
            return out
    """, cells=("test_sigmoid_edge",), hint="For integer z your results are cut to integers: an output array made like z takes z's integer dtype."),
    Mistake("sigmoid", "flips the sign of z in place (asarray does not copy)", """
        def sigmoid(z):
            z = np.asarray(z, dtype=float)
            neg = z < 0
            z[neg] = -z[neg]
            e = np.exp(-z)
            return np.where(neg, e / (1 + e), 1 / (1 + e))
    """, hint="After your call the caller's z has changed: np.asarray does not copy a float array, so writing into it changes the input."),
    Mistake("sigmoid", "math.exp only works for one number", """
        def sigmoid(z):
            import math
            return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    """, hint="Your sigmoid works for one number but not for arrays: the math module works on single numbers, numpy on whole arrays."),
    # sigmoid_grad
    Mistake("sigmoid_grad", "a(1 - a) with z in place of the second a", """
        def sigmoid_grad(z):
            return sigmoid(z) * (1 - z)
    """, hint="Your slope mixes sigmoid(z) and z: in sigmoid(z) (1 - sigmoid(z)) both factors are values of the sigmoid."),
    Mistake("sigmoid_grad", "applies a(1 - a) to z itself", """
        def sigmoid_grad(z):
            return z * (1 - z)
    """, hint="Your slope leaves [0, 0.25] as soon as |z| is large: the formula is applied to sigmoid(z), not to z."),
    Mistake("sigmoid_grad", "e^-z / (1 + e^-z)^2 overflows for very negative z", """
        def sigmoid_grad(z):
            e = np.exp(-np.asarray(z, dtype=float))
            return e / (1 + e) ** 2
    """, hint="Your slope gives nan (exp overflows) for very negative z: can you build it from your sigmoid, which never overflows?"),
    Mistake("sigmoid_grad", "uses tanh's slope formula", """
        def sigmoid_grad(z):
            return 1 - sigmoid(z) ** 2
    """, hint="At z = 0 your slope is 0.75, not 0.25: is your formula the sigmoid's slope or the one of tanh?"),
    # tanh
    Mistake("tanh", "the exponential definition: inf / inf = nan for large |z|", """
        def tanh(z):
            return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    """, hint="Your tanh gives nan for large |z| (inf / inf): build it from your sigmoid, which never overflows."),
    Mistake("tanh", "2 sigmoid(z) - 1: forgets to double z", """
        def tanh(z):
            return 2 * sigmoid(z) - 1
    """, hint="Your tanh is too flat (tanh(1) is about 0.76): in 2 sigmoid(...) - 1, what goes inside the sigmoid?"),
    Mistake("tanh", "(1 - e^-2z) / (1 + e^-2z) overflows for very negative z", """
        def tanh(z):
            e = np.exp(-2 * np.asarray(z, dtype=float))
            return (1 - e) / (1 + e)
    """, hint="Your tanh gives nan for very negative z, where e^(-2z) overflows: build it from your sigmoid, or use that tanh is odd."),
    # tanh_grad
    Mistake("tanh_grad", "forgets to square", """
        def tanh_grad(z):
            return 1 - tanh(z)
    """, hint="Your slope goes above 1 where tanh(z) is negative: is tanh(z) squared in your formula?"),
    Mistake("tanh_grad", "squares z instead of tanh(z)", """
        def tanh_grad(z):
            return 1 - np.asarray(z, dtype=float) ** 2
    """, hint="Your slope becomes very negative for large |z|: the formula squares tanh(z), not z."),
    Mistake("tanh_grad", "copies the sigmoid pattern t(1 - t)", """
        def tanh_grad(z):
            t = tanh(z)
            return t * (1 - t)
    """, hint="Your slope is 0 at z = 0, where tanh is steepest (slope 1): t(1 - t) is the sigmoid's pattern, not the one of tanh."),
    Mistake("tanh_grad", "1 / cosh(z)^2: cosh overflows for large |z|", """
        def tanh_grad(z):
            return 1 / np.cosh(z) ** 2
    """, hint="Your values are right, but cosh overflows for large |z|: compute the slope from tanh(z) itself, which stays between -1 and 1."),
    # relu
    Mistake("relu", "np.max(z, 0) reduces along axis 0", """
        def relu(z):
            return np.max(z, 0)
    """, hint="Your relu returns fewer numbers than it was given: np.max reduces an array along an axis; the elementwise maximum of two arrays is another function."),
    Mistake("relu", "zeroes the negatives of the input in place", """
        def relu(z):
            z = np.asarray(z)
            z[z < 0] = 0
            return z
    """, hint="After your call the caller's z has its negatives set to 0: np.asarray does not copy, so compute a new array."),
    Mistake("relu", "returns the slope instead of the value", """
        def relu(z):
            return (np.asarray(z) > 0).astype(float)
    """, hint="Your relu returns only 0 and 1: positive values should pass through unchanged."),
    Mistake("relu", "Python's max only works for one number", """
        def relu(z):
            return max(0, z)
    """, hint="Your relu works for one number but not for arrays: Python's max compares whole objects; numpy has an elementwise maximum."),
    # relu_grad
    Mistake("relu_grad", "z >= 0: slope 1 at zero", """
        def relu_grad(z):
            return (np.asarray(z) >= 0).astype(float)
    """, hint="At z = 0 your slope is 1, but by the lesson's convention it is 0 there: look at the comparison."),
    Mistake("relu_grad", "np.sign gives -1 for negative z", """
        def relu_grad(z):
            return np.sign(z)
    """, hint="Your slope is -1 for negative z: ReLU is flat there, so its slope is 0."),
    Mistake("relu_grad", "relu(z) / z: nan at zero", """
        def relu_grad(z):
            z = np.asarray(z, dtype=float)
            return relu(z) / z
    """, hint="Your slope is nan at z = 0 (0 / 0): decide the slope by comparing z with 0 instead of dividing."),
    Mistake("relu_grad", "returns booleans", """
        def relu_grad(z):
            return np.asarray(z) > 0
    """, hint="Your slope is True or False: return the numbers 1.0 and 0.0, something to multiply with."),
    Mistake("relu_grad", "Heaviside with 1 at zero", """
        def relu_grad(z):
            return np.heaviside(z, 1.0)
    """, hint="At z = 0 your slope is 1, but by the lesson's convention it is 0 there: which value does np.heaviside use at exactly zero?"),
    # leaky_relu
    Mistake("leaky_relu", "alpha instead of alpha * z for negatives", """
        def leaky_relu(z, alpha=0.01):
            z = np.asarray(z, dtype=float)
            return np.where(z > 0, z, alpha)
    """, hint="All your negatives become the same number: a leaky ReLU scales each negative z by alpha."),
    Mistake("leaky_relu", "ignores the alpha argument", """
        def leaky_relu(z, alpha=0.01):
            z = np.asarray(z, dtype=float)
            return np.where(z > 0, z, 0.01 * z)
    """, hint="Changing alpha does not change your result: use the alpha you are given."),
    Mistake("leaky_relu", "scales the negatives of the input in place", """
        def leaky_relu(z, alpha=0.01):
            z = np.asarray(z, dtype=float)
            z[z < 0] *= alpha
            return z
    """, hint="After your call the caller's z has changed: compute a new array instead of scaling the input's entries."),
    Mistake("leaky_relu", "maximum with alpha instead of with alpha * z", """
        def leaky_relu(z, alpha=0.01):
            return np.maximum(alpha, z)
    """, hint="Your outputs never go below alpha: a negative z should give alpha times z, which is negative too."),
    # leaky_relu_grad
    Mistake("leaky_relu_grad", "forgets alpha: the ReLU slope", """
        def leaky_relu_grad(z, alpha=0.01):
            return np.where(np.asarray(z) > 0, 1.0, 0.0)
    """, hint="Your slope is 0 for negative z, like ReLU's: a leaky ReLU keeps the slope alpha there."),
    Mistake("leaky_relu_grad", "z >= 0: slope 1 at zero", """
        def leaky_relu_grad(z, alpha=0.01):
            return np.where(np.asarray(z) >= 0, 1.0, alpha)
    """, hint="At z = 0 your slope is 1, but by the lesson's convention it is alpha there: look at the comparison."),
    Mistake("leaky_relu_grad", "alpha * z: the value, not the slope", """
        def leaky_relu_grad(z, alpha=0.01):
            z = np.asarray(z, dtype=float)
            return np.where(z > 0, 1.0, alpha * z)
    """, hint="Your slope for negative z changes with z, yet alpha * z is a straight line: is that the value rather than the slope?"),
    Mistake("leaky_relu_grad", "hard-codes alpha = 0.01", """
        def leaky_relu_grad(z, alpha=0.01):
            return np.where(np.asarray(z) > 0, 1.0, 0.01)
    """, hint="Changing alpha does not change your slope: use the alpha you are given."),
    # collapse_linear_layers
    Mistake("collapse_linear_layers", "multiplies the weights in reverse order", """
        def collapse_linear_layers(weights, biases):
            W, b = weights[0], biases[0]
            for W_k, b_k in zip(weights[1:], biases[1:]):
                W = W_k @ W
                b = b @ W_k + b_k
            return W, b
    """, hint="Your product of weights is in the wrong order (it fails when the shapes differ): inputs are rows multiplied from the left, so the first layer's W comes first."),
    Mistake("collapse_linear_layers", "adds up the biases", """
        def collapse_linear_layers(weights, biases):
            W = weights[0]
            for W_k in weights[1:]:
                W = W @ W_k
            return W, sum(biases)
    """, hint="Your bias skips the weights after each layer: every bias passes through all the layers after it. What does the stack output for an all-zero input?"),
    Mistake("collapse_linear_layers", "keeps only the last bias", """
        def collapse_linear_layers(weights, biases):
            W = weights[0]
            for W_k in weights[1:]:
                W = W @ W_k
            return W, biases[-1]
    """, hint="Your bias leaves out the earlier layers' biases: what does the stack output for an all-zero input?"),
    Mistake("collapse_linear_layers", "passes each bias through one later layer only", """
        def collapse_linear_layers(weights, biases):
            W, b = weights[0], biases[0]
            for k in range(1, len(weights)):
                W = W @ weights[k]
                b = biases[k - 1] @ weights[k] + biases[k]
            return W, b
    """, hint="With three or more layers your bias is wrong: a bias passes through every layer after it, not only the next one."),
    Mistake("collapse_linear_layers", "multi_dot needs at least two matrices", """
        def collapse_linear_layers(weights, biases):
            b = biases[0]
            for W_k, b_k in zip(weights[1:], biases[1:]):
                b = b @ W_k + b_k
            return np.linalg.multi_dot(weights), b
    """, cells=("test_collapse_linear_layers_edge",), hint="A stack of a single layer fails: np.linalg.multi_dot needs at least two matrices. A stack of one layer collapses into that same layer."),
    Mistake("collapse_linear_layers", "accumulates the bias into the given arrays", """
        def collapse_linear_layers(weights, biases):
            W = weights[0]
            for k in range(1, len(weights)):
                W = W @ weights[k]
                biases[k] += biases[k - 1] @ weights[k]
            return W, biases[-1]
    """, hint="After your call the caller's biases have changed: += writes into the arrays you were given; build new ones."),
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
