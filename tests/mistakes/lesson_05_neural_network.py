"""Lesson 05: mistakes students make with layers, caches and initialisation, and right answers
written in other styles."""

from . import Correct, Mistake, variant

LESSON = "05-neural-network"

# A correct training loop; the fit mistakes below change one thing in it.
FIT = """
def fit(params, X, y, steps, lr, batch_size=32, X_test=None, y_test=None, seed=0):
    rng = np.random.default_rng(seed)
    cost = lambda X_, y_: logistic_loss(mlp_forward(X_, params)[0], y_)[0]
    train_costs = [cost(X, y)]
    test_costs = [cost(X_test, y_test)] if X_test is not None else []
    for _ in range(steps):
        batch = rng.choice(len(X), size=min(batch_size, len(X)), replace=False)
        out, caches = mlp_forward(X[batch], params)
        _, dout = logistic_loss(out, y[batch])
        params = sgd_step(params, mlp_backward(dout, caches), lr)
        train_costs.append(cost(X, y))
        if X_test is not None:
            test_costs.append(cost(X_test, y_test))
    return params, train_costs, test_costs
"""

MISTAKES = [
    # init_params
    Mistake("init_params", "scaled by 1 / sqrt(fan_in) (LeCun) instead of sqrt(2 / fan_in)", """
        def init_params(layer_sizes, seed=0):
            rng = np.random.default_rng(seed)
            return [(rng.standard_normal((a, b)) / np.sqrt(a), np.zeros(b))
                    for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    """, hint="Your weights spread about 0.7 times as wide as they should: which number sits above fan_in under He's square root?"),
    Mistake("init_params", "scaled by the fan-out", """
        def init_params(layer_sizes, seed=0):
            rng = np.random.default_rng(seed)
            return [(rng.standard_normal((a, b)) * np.sqrt(2 / b), np.zeros(b))
                    for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    """, hint="The spread of your weights follows each layer's number of outputs: which layer size does He's scale use?"),
    Mistake("init_params", "Glorot: sqrt(2 / (fan_in + fan_out))", """
        def init_params(layer_sizes, seed=0):
            rng = np.random.default_rng(seed)
            return [(rng.normal(0, np.sqrt(2 / (a + b)), (a, b)), np.zeros(b))
                    for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    """, hint="Your weights are narrower than He's scale: does your formula mix in the number of outputs, where only fan_in belongs?"),
    Mistake("init_params", "the global np.random, seeded with np.random.seed", """
        def init_params(layer_sizes, seed=0):
            np.random.seed(seed)
            return [(np.random.randn(a, b) * np.sqrt(2 / a), np.zeros(b))
                    for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    """, cells=("test_init_params_edge",), hint="Your function changes numpy's global random state: are the weights drawn from a generator made from seed?"),
    Mistake("init_params", "a fresh generator for every layer: equal-shaped layers get equal weights", """
        def init_params(layer_sizes, seed=0):
            params = []
            for a, b in zip(layer_sizes[:-1], layer_sizes[1:]):
                rng = np.random.default_rng(seed)
                params.append((rng.standard_normal((a, b)) * np.sqrt(2 / a), np.zeros(b)))
            return params
    """, cells=("test_init_params_edge",), hint="Layers of the same shape start with identical weights: is a new generator made for every layer?"),
    Mistake("init_params", "W stored as (fan_out, fan_in)", """
        def init_params(layer_sizes, seed=0):
            rng = np.random.default_rng(seed)
            return [(rng.standard_normal((b, a)) * np.sqrt(2 / a), np.zeros(b))
                    for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    """, hint="Your W has shape (d_out, d_in): in this course W is (d_in, d_out), so that X @ W works."),
    Mistake("init_params", "uniform in [-sqrt(2/fan_in), sqrt(2/fan_in)]: too narrow by sqrt(3)", """
        def init_params(layer_sizes, seed=0):
            rng = np.random.default_rng(seed)
            return [(rng.uniform(-np.sqrt(2 / a), np.sqrt(2 / a), (a, b)), np.zeros(b))
                    for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    """, hint="Your weights spread √3 times too narrowly: what is the standard deviation of a uniform distribution on [-s, s]?"),
    Mistake("init_params", "random biases too", """
        def init_params(layer_sizes, seed=0):
            rng = np.random.default_rng(seed)
            return [(rng.standard_normal((a, b)) * np.sqrt(2 / a), rng.standard_normal(b) * 0.01)
                    for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    """, hint="Your biases are not zero: in this lesson they start at exactly 0."),
    Mistake("init_params", "one shared weight value per layer (symmetric)", """
        def init_params(layer_sizes, seed=0):
            rng = np.random.default_rng(seed)
            return [(np.full((a, b), rng.standard_normal() * np.sqrt(2 / a)), np.zeros(b))
                    for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    """, hint="All the weights of a layer are the same number, so every unit learns the same thing: how many random numbers do you draw per layer?"),
    # linear_forward
    Mistake("linear_forward", "forgets the bias", """
        def linear_forward(X, W, b):
            return X @ W, (X, W, b)
    """, hint="Your Z misses a constant in each column: where does b come in?"),
    Mistake("linear_forward", "X @ W.T: only works when W is square", """
        def linear_forward(X, W, b):
            return X @ W.T + b, (X, W, b)
    """, hint="Your layer only works when W is square: with W of shape (d_in, d_out), which product of X and W gives (n, d_out)?"),
    Mistake("linear_forward", "bias added along the wrong axis", """
        def linear_forward(X, W, b):
            return X @ W + b.reshape(-1, 1)[: X.shape[0]], (X, W, b)
    """, hint="Your bias is added per example instead of per unit: b has one entry for each output column of Z."),
    Mistake("linear_forward", "caches Z instead of (X, W, b)", """
        def linear_forward(X, W, b):
            Z = X @ W + b
            return Z, Z
    """, hint="Your cache holds the output Z: the backward pass needs the layer's inputs, (X, W, b)."),
    Mistake("linear_forward", "caches only (X, W)", """
        def linear_forward(X, W, b):
            return X @ W + b, (X, W)
    """, hint="Your cache holds two arrays: the lesson's cache is the triple (X, W, b)."),
    Mistake("linear_forward", "cache in another order (W, X, b)", """
        def linear_forward(X, W, b):
            return X @ W + b, (W, X, b)
    """, hint="Your cache holds the right arrays in another order: linear_backward unpacks it as (X, W, b)."),
    # linear_backward
    Mistake("linear_backward", "dW transposed: dZ.T @ X", """
        def linear_backward(dZ, cache):
            X, W, b = cache
            return dZ @ W.T, dZ.T @ X, dZ.sum(axis=0)
    """, hint="Your dW has the shape of W transposed: dW must have W's shape, (d_in, d_out)."),
    Mistake("linear_backward", "db not summed over the batch", """
        def linear_backward(dZ, cache):
            X, W, b = cache
            return dZ @ W.T, X.T @ dZ, dZ
    """, hint="Your db has one row per example: every example uses the same b, so its gradient collects all the rows of dZ."),
    Mistake("linear_backward", "db averaged over the batch (divides by n twice)", """
        def linear_backward(dZ, cache):
            X, W, b = cache
            return dZ @ W.T, X.T @ dZ, dZ.mean(axis=0)
    """, hint="Your db is n times too small: dZ already carries the 1/n of the mean cost."),
    Mistake("linear_backward", "dW averaged over the batch again", """
        def linear_backward(dZ, cache):
            X, W, b = cache
            return dZ @ W.T, X.T @ dZ / len(X), dZ.sum(axis=0)
    """, hint="Your dW is n times too small: dZ already carries the 1/n of the mean cost."),
    Mistake("linear_backward", "dX = dZ @ W (not transposed)", """
        def linear_backward(dZ, cache):
            X, W, b = cache
            return dZ @ W, X.T @ dZ, dZ.sum(axis=0)
    """, hint="Your dX fails or has wrong values: which product of dZ (n, d_out) and W (d_in, d_out) has the shape of X, (n, d_in)?"),
    Mistake("linear_backward", "db summed over the wrong axis", """
        def linear_backward(dZ, cache):
            X, W, b = cache
            return dZ @ W.T, X.T @ dZ, dZ.sum(axis=1)
    """, hint="Your db has one entry per example: along which axis of dZ do the examples run?"),
    Mistake("linear_backward", "db summed over everything", """
        def linear_backward(dZ, cache):
            X, W, b = cache
            return dZ @ W.T, X.T @ dZ, dZ.sum()
    """, hint="Your db is a single number: b has one entry per unit, so db has shape (d_out,)."),
    # relu_forward
    Mistake("relu_forward", "clips Z in place", """
        def relu_forward(Z):
            Z[Z < 0] = 0
            return Z, Z
    """, hint="Your relu_forward changes Z itself, so the cache no longer shows where Z was negative: is the result written into the input?"),
    Mistake("relu_forward", "np.max instead of np.maximum", """
        def relu_forward(Z):
            return np.max(Z, 0), Z
    """, hint="Your A has lost a dimension: does your function take the largest entry along an axis, or compare every entry with 0?"),
    Mistake("relu_forward", "returns the mask Z > 0", """
        def relu_forward(Z):
            return Z > 0, Z
    """, hint="Your A holds True and False: ReLU keeps the positive values themselves."),
    Mistake("relu_forward", "drops the cache", """
        def relu_forward(Z):
            return np.maximum(Z, 0), None
    """, hint="Your cache is None: relu_backward needs to know where Z was positive."),
    Mistake("relu_forward", "np.maximum with out=Z overwrites the input", """
        def relu_forward(Z):
            A = np.maximum(Z, 0, out=Z)
            return A, Z
    """, hint="Your relu_forward changes Z itself, so the cache no longer shows where Z was negative: where does the result go?"),
    # relu_backward
    Mistake("relu_backward", "slope 1 at Z = 0", """
        def relu_backward(dA, cache):
            return dA * (cache >= 0)
    """, hint="Where Z is exactly 0 your gradient passes: in this course the slope at 0 is 0."),
    Mistake("relu_backward", "forgets dA: returns the slope only", """
        def relu_backward(dA, cache):
            return (cache > 0).astype(float)
    """, hint="Your result does not depend on dA: the slope multiplies the gradient arriving from above."),
    Mistake("relu_backward", "multiplies by Z instead of the slope", """
        def relu_backward(dA, cache):
            return dA * np.maximum(cache, 0)
    """, hint="Your gradient grows with Z: the ReLU's slope is 0 or 1, whatever the size of Z."),
    Mistake("relu_backward", "zeroes dA in place", """
        def relu_backward(dA, cache):
            dA[cache <= 0] = 0
            return dA
    """, hint="Your relu_backward changes dA itself: build a new array for dZ."),
    Mistake("relu_backward", "applies ReLU to the gradient", """
        def relu_backward(dA, cache):
            return np.maximum(dA, 0)
    """, hint="Your gradient stops where dA is negative: which array tells where the unit was on, dA or the cached Z?"),
    # mlp_forward
    Mistake("mlp_forward", "ReLU after the last layer too", """
        def mlp_forward(X, params):
            caches, A = [], X
            for W, b in params:
                Z, lc = linear_forward(A, W, b)
                A, rc = relu_forward(Z)
                caches.append((lc, rc))
            return A, caches
    """, hint="Your output has no negative numbers: the last layer has no ReLU (its relu_cache is None)."),
    Mistake("mlp_forward", "no ReLU at all", """
        def mlp_forward(X, params):
            caches, A = [], X
            for W, b in params:
                A, lc = linear_forward(A, W, b)
                caches.append((lc, None))
            return A, caches
    """, hint="Your network is linear from end to end: where do the hidden layers' ReLUs come in?"),
    Mistake("mlp_forward", "keeps only the last layer's cache", """
        def mlp_forward(X, params):
            A = X
            for i, (W, b) in enumerate(params):
                Z, lc = linear_forward(A, W, b)
                if i < len(params) - 1:
                    A, rc = relu_forward(Z)
                else:
                    A, rc = Z, None
                caches = [(lc, rc)]
            return A, caches
    """, hint="Your list of caches has a single entry: mlp_backward needs one (linear_cache, relu_cache) pair per layer."),
    Mistake("mlp_forward", "caches only the linear caches", """
        def mlp_forward(X, params):
            caches, A = [], X
            for i, (W, b) in enumerate(params):
                Z, lc = linear_forward(A, W, b)
                caches.append(lc)
                A = Z if i == len(params) - 1 else relu_forward(Z)[0]
            return A, caches
    """, hint="Your caches hold the linear caches alone: each entry is the pair (linear_cache, relu_cache)."),
    Mistake("mlp_forward", "ReLU before each linear layer instead of after", """
        def mlp_forward(X, params):
            caches, A = [], X
            for W, b in params:
                A, rc = relu_forward(A)
                Z, lc = linear_forward(A, W, b)
                caches.append((lc, rc))
                A = Z
            return A, caches
    """, hint="Your ReLU acts on each layer's input instead of its output: in a layer, which comes first, the linear part or the ReLU?"),
    Mistake("mlp_forward", "every layer reads X instead of the previous layer's output", """
        def mlp_forward(X, params):
            caches, A = [], X
            for i, (W, b) in enumerate(params):
                Z, lc = linear_forward(X, W, b)
                if i < len(params) - 1:
                    A, rc = relu_forward(Z)
                else:
                    A, rc = Z, None
                caches.append((lc, rc))
            return A, caches
    """, hint="Every one of your layers reads X: a layer's input is the output of the layer before it."),
    Mistake("mlp_backward", "forgets to reverse the list of gradients", """
        def mlp_backward(dout, caches):
            grads, dA = [], dout
            for lc, rc in reversed(caches):
                dZ = dA if rc is None else relu_backward(dA, rc)
                dA, dW, db = linear_backward(dZ, lc)
                grads.append((dW, db))
            return grads
    """, hint="Your gradients come in the opposite order to the layers: grads[0] belongs to the first layer."),
    Mistake("mlp_backward", "ReLU undone after the linear part instead of before", """
        def mlp_backward(dout, caches):
            grads, dA = [], dout
            for lc, rc in reversed(caches):
                dA, dW, db = linear_backward(dA, lc)
                if rc is not None:
                    dA = relu_backward(dA, rc)
                grads.insert(0, (dW, db))
            return grads
    """, hint="Your hidden layers' gradients fail or go wrong: going backwards through a layer, which is undone first, its ReLU or its linear part?"),
    Mistake("mlp_backward", "skips the ReLU in the backward pass", """
        def mlp_backward(dout, caches):
            grads, dA = [], dout
            for lc, rc in reversed(caches):
                dA, dW, db = linear_backward(dA, lc)
                grads.insert(0, (dW, db))
            return grads
    """, hint="Your hidden layers' gradients ignore which units were off: does the backward pass go through each ReLU?"),
    Mistake("mlp_backward", "divides every gradient by the batch size again", """
        def mlp_backward(dout, caches):
            n = len(dout)
            grads, dA = [], dout
            for lc, rc in reversed(caches):
                dZ = dA if rc is None else relu_backward(dA, rc)
                dA, dW, db = linear_backward(dZ, lc)
                grads.insert(0, (dW / n, db / n))
            return grads
    """, hint="Your gradients are n times too small: dout already carries the 1/n of the mean cost."),
    Mistake("mlp_backward", "feeds dout to every layer instead of the layer above's dX", """
        def mlp_backward(dout, caches):
            grads = []
            for lc, rc in reversed(caches):
                dZ = dout if rc is None else relu_backward(dout, rc)
                _, dW, db = linear_backward(dZ, lc)
                grads.insert(0, (dW, db))
            return grads
    """, hint="Every layer receives dout itself: a hidden layer's gradient comes from the dX of the layer above it."),
    Mistake("mlp_backward", "returns (dX, dW, db) triples", """
        def mlp_backward(dout, caches):
            grads, dA = [], dout
            for lc, rc in reversed(caches):
                dZ = dA if rc is None else relu_backward(dA, rc)
                dX, dW, db = linear_backward(dZ, lc)
                grads.insert(0, (dX, dW, db))
                dA = dX
            return grads
    """, hint="Your list holds three arrays per layer: each entry is a (dW, db) pair."),
    Mistake("sgd_step", "updates the arrays in place (W -= lr * dW)", """
        def sgd_step(params, grads, lr):
            for (W, b), (dW, db) in zip(params, grads):
                W -= lr * dW
                b -= lr * db
            return params
    """, hint="The old parameters change after your call: does your update write into the arrays it was given?"),
    Mistake("sgd_step", "steps uphill (+ lr * dW)", """
        def sgd_step(params, grads, lr):
            return [(W + lr * dW, b + lr * db) for (W, b), (dW, db) in zip(params, grads)]
    """, hint="Your step raises the cost: which way does a gradient point, and which way should the step go?"),
    Mistake("sgd_step", "forgets the biases", """
        def sgd_step(params, grads, lr):
            return [(W - lr * dW, b) for (W, b), (dW, _) in zip(params, grads)]
    """, hint="Your biases never move: they take a step too."),
    Mistake("sgd_step", "returns a lazy zip, not a list", """
        def sgd_step(params, grads, lr):
            return ((W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads))
    """, hint="Your result cannot be indexed (new[0] fails): sgd_step returns a list."),
    Mistake("sgd_step", "updates the biases in place", """
        def sgd_step(params, grads, lr):
            new = []
            for (W, b), (dW, db) in zip(params, grads):
                b -= lr * db
                new.append((W - lr * dW, b))
            return new
    """, hint="The old biases change after your call: is b updated in the array it was given?"),
    # fit
    Mistake("fit", "records the cost after each step only, not before the first", variant(FIT,
        ("    train_costs = [cost(X, y)]\n    test_costs = [cost(X_test, y_test)] if X_test is not None else []",
         "    train_costs, test_costs = [], []")), hint="Your lists of costs are one entry short: the first cost is that of the starting parameters, before any step."),
    Mistake("fit", "a new generator inside the loop: the same batch every step", variant(FIT,
        ("    for _ in range(steps):\n", "    for _ in range(steps):\n        rng = np.random.default_rng(seed)\n")), hint="Every step trains on the same batch: where is the generator made, once or at every step?"),
    Mistake("fit", "records the cost of the batch instead of the whole training set", variant(FIT,
        ("        _, dout = logistic_loss(out, y[batch])", "        batch_cost, dout = logistic_loss(out, y[batch])"),
        ("        train_costs.append(cost(X, y))", "        train_costs.append(batch_cost)")), hint="Your training costs are those of the batches: each entry is the cost on the whole training set."),
    Mistake("fit", "forgets to keep the new parameters", variant(FIT,
        ("        params = sgd_step(params, mlp_backward(dout, caches), lr)", "        sgd_step(params, mlp_backward(dout, caches), lr)")), hint="Your parameters never change: what happens to the parameters sgd_step returns?"),
    Mistake("fit", "draws the batch with replacement: repeated examples", variant(FIT,
        ("replace=False)", "replace=True)")), hint="A batch can hold one example twice: are the batch's examples drawn with or without replacement?"),
    Mistake("fit", "the global np.random instead of the seed", variant(FIT,
        ("        batch = rng.choice(", "        batch = np.random.choice(")), hint="The same seed gives different runs: are the batches drawn from the generator made from seed?"),
    Mistake("fit", "the test cost measured with the parameters before the step", variant(FIT,
        ("""        params = sgd_step(params, mlp_backward(dout, caches), lr)
        train_costs.append(cost(X, y))
        if X_test is not None:
            test_costs.append(cost(X_test, y_test))""", """        if X_test is not None:
            test_costs.append(cost(X_test, y_test))
        params = sgd_step(params, mlp_backward(dout, caches), lr)
        train_costs.append(cost(X, y))""")), hint="Your test costs lag one step behind the training costs: are both measured with the same parameters?"),
]

CORRECT = [
    Correct("init_params", "rng.normal with scale, explicit loop over indices", """
        def init_params(layer_sizes, seed=0):
            rng = np.random.default_rng(seed)
            params = []
            for i in range(1, len(layer_sizes)):
                fan_in, fan_out = layer_sizes[i - 1], layer_sizes[i]
                params.append((rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out)),
                               np.zeros(fan_out)))
            return params
    """),
    Correct("init_params", "He-uniform: the same spread from a uniform distribution", """
        def init_params(layer_sizes, seed=0):
            rng = np.random.default_rng(seed)
            limits = [np.sqrt(6.0 / a) for a in layer_sizes[:-1]]
            return [(rng.uniform(-lim, lim, size=(a, b)), np.zeros(b))
                    for lim, a, b in zip(limits, layer_sizes[:-1], layer_sizes[1:])]
    """),
    Correct("linear_forward", "np.dot, and a cache of copies", """
        def linear_forward(X, W, b):
            Z = np.dot(X, W) + b[np.newaxis, :]
            return Z, (X.copy(), W.copy(), b.copy())
    """),
    Correct("linear_backward", "einsum", """
        def linear_backward(dZ, cache):
            X, W, b = cache
            dX = np.einsum("nk,jk->nj", dZ, W)
            dW = np.einsum("nj,nk->jk", X, dZ)
            db = np.einsum("nk->k", dZ)
            return dX, dW, db
    """),
    Correct("relu_forward", "np.where, caching the output (A > 0 exactly where Z > 0)", """
        def relu_forward(Z):
            A = np.where(Z > 0, Z, 0.0)
            return A, A
    """),
    Correct("relu_backward", "np.where", """
        def relu_backward(dA, cache):
            return np.where(cache > 0, dA, 0.0)
    """),
    Correct("mlp_forward", "hidden layers in a loop, the output layer after it", """
        def mlp_forward(X, params):
            caches = []
            A = X
            for W, b in params[:-1]:
                Z, lin = linear_forward(A, W, b)
                A, act = relu_forward(Z)
                caches.append((lin, act))
            Z, lin = linear_forward(A, *params[-1])
            caches.append((lin, None))
            return Z, caches
    """),
    Correct("mlp_backward", "index loop and a preallocated list", """
        def mlp_backward(dout, caches):
            grads = [None] * len(caches)
            upstream = dout
            for i in range(len(caches) - 1, -1, -1):
                linear_cache, relu_cache = caches[i]
                if relu_cache is not None:
                    upstream = relu_backward(upstream, relu_cache)
                upstream, dW, db = linear_backward(upstream, linear_cache)
                grads[i] = (dW, db)
            return grads
    """),
    Correct("sgd_step", "explicit loop over layers with np.subtract", """
        def sgd_step(params, grads, lr):
            new_params = []
            for i in range(len(params)):
                W, b = params[i]
                dW, db = grads[i]
                new_params.append((np.subtract(W, lr * dW), np.subtract(b, lr * db)))
            return new_params
    """),
    Correct("fit", "a permutation's first k indices as the batch, the costs collected by a helper", """
        def fit(params, X, y, steps, lr, batch_size=32, X_test=None, y_test=None, seed=0):
            rng = np.random.default_rng(seed)
            k = min(batch_size, len(X))

            def costs_now(p):
                train = logistic_loss(mlp_forward(X, p)[0], y)[0]
                test = None if X_test is None else logistic_loss(mlp_forward(X_test, p)[0], y_test)[0]
                return train, test

            history = [costs_now(params)]
            for step in range(steps):
                idx = rng.permutation(len(X))[:k]
                out, caches = mlp_forward(X[idx], params)
                dout = logistic_loss(out, y[idx])[1]
                params = sgd_step(params, mlp_backward(dout, caches), lr)
                history.append(costs_now(params))
            train_costs = [t for t, _ in history]
            test_costs = [] if X_test is None else [u for _, u in history]
            return params, train_costs, test_costs
    """),
]
