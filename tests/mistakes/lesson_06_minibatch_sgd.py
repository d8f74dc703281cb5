"""Lesson 06: mistakes students make with mini-batches, momentum, Adam and schedules,
and right answers in other styles."""

from . import Correct, Mistake

LESSON = "06-minibatch-sgd"

MISTAKES = [
    # iterate_minibatches
    Mistake("iterate_minibatches", "drops the last, smaller batch", """
        def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
            rng = np.random.default_rng() if rng is None else rng
            order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
            for i in range(len(X) // batch_size):
                batch = order[i * batch_size:(i + 1) * batch_size]
                yield X[batch], y[batch]
    """, hint="An epoch misses its last examples: is the smaller batch at the end yielded too?"),
    Mistake("iterate_minibatches", "off by one in the range: stops before the last batch", """
        def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
            rng = np.random.default_rng() if rng is None else rng
            order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
            for start in range(0, len(X) - batch_size, batch_size):
                batch = order[start:start + batch_size]
                yield X[batch], y[batch]
    """, hint="An epoch misses its last batch: where does your range of start positions stop?"),
    Mistake("iterate_minibatches", "samples batches with replacement", """
        def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
            rng = np.random.default_rng() if rng is None else rng
            n = len(X)
            for start in range(0, n, batch_size):
                if shuffle:
                    batch = rng.integers(0, n, size=min(batch_size, n - start))
                else:
                    batch = np.arange(start, min(start + batch_size, n))
                yield X[batch], y[batch]
    """, hint="Some examples come twice in an epoch and others never: is the order a permutation of all the indices?"),
    Mistake("iterate_minibatches", "shuffles X and y with two different permutations", """
        def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
            rng = np.random.default_rng() if rng is None else rng
            if shuffle:
                X = X[rng.permutation(len(X))]
                y = y[rng.permutation(len(y))]
            for start in range(0, len(X), batch_size):
                yield X[start:start + batch_size], y[start:start + batch_size]
    """, hint="The rows of your batches no longer match their labels: are X and y put in the same order?"),
    Mistake("iterate_minibatches", "shuffles the caller's arrays in place", """
        def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
            rng = np.random.default_rng() if rng is None else rng
            if shuffle:
                state = rng.bit_generator.state
                rng.shuffle(X)
                rng.bit_generator.state = state
                rng.shuffle(y)
            for start in range(0, len(X), batch_size):
                yield X[start:start + batch_size], y[start:start + batch_size]
    """, cells=("test_iterate_minibatches_edge",), hint="After an epoch the caller's X and y are reordered: could you shuffle an array of indices instead?"),
    Mistake("iterate_minibatches", "uses numpy's global random state instead of rng", """
        def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
            order = np.random.permutation(len(X)) if shuffle else np.arange(len(X))
            for start in range(0, len(X), batch_size):
                batch = order[start:start + batch_size]
                yield X[batch], y[batch]
    """, hint="The same rng seed gives different orders: do you draw from the rng you are given?"),
    Mistake("iterate_minibatches", "makes a new generator with a fixed seed every call", """
        def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
            order = np.random.default_rng(0).permutation(len(X)) if shuffle else np.arange(len(X))
            for start in range(0, len(X), batch_size):
                batch = order[start:start + batch_size]
                yield X[batch], y[batch]
    """, hint="Every epoch comes in the same order, whatever rng is passed: is a generator made inside the function?"),
    Mistake("iterate_minibatches", "array_split balances the batch sizes instead of keeping batch_size", """
        def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
            rng = np.random.default_rng() if rng is None else rng
            order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
            for batch in np.array_split(order, int(np.ceil(len(X) / batch_size))):
                yield X[batch], y[batch]
    """, hint="Your batches are evened out in size: every batch holds batch_size examples, except possibly the last."),
    Mistake("iterate_minibatches", "ignores shuffle=False", """
        def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
            rng = np.random.default_rng() if rng is None else rng
            order = rng.permutation(len(X))
            for start in range(0, len(X), batch_size):
                batch = order[start:start + batch_size]
                yield X[batch], y[batch]
    """, hint="With shuffle=False the examples still come in a random order: where is the flag used?"),
    Mistake("iterate_minibatches", "yields every label with each batch", """
        def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
            rng = np.random.default_rng() if rng is None else rng
            order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
            for start in range(0, len(X), batch_size):
                yield X[order[start:start + batch_size]], y
    """, hint="Each batch comes with all the labels: yb holds only the labels of the batch's examples."),
    # momentum_update
    Mistake("momentum_update", "exponential average (1 - beta) * dw instead of the plain sum", """
        def momentum_update(w, dw, v, lr, beta=0.9):
            v = beta * v + (1 - beta) * dw
            return w - lr * v, v
    """, hint="Your velocity is smaller than the lesson's: in this lesson the whole gradient is added to beta times the old velocity."),
    Mistake("momentum_update", "moves w with the old velocity", """
        def momentum_update(w, dw, v, lr, beta=0.9):
            w_new = w - lr * v
            return w_new, beta * v + dw
    """, hint="Your w moves with last step's velocity: which velocity moves w, the old one or the new one?"),
    Mistake("momentum_update", "updates w and v in place", """
        def momentum_update(w, dw, v, lr, beta=0.9):
            v *= beta
            v += dw
            w -= lr * v
            return w, v
    """, cells=("test_momentum_update_edge",), hint="The caller's w and v change after your call: build new arrays."),
    Mistake("momentum_update", "climbs: wrong sign of the step", """
        def momentum_update(w, dw, v, lr, beta=0.9):
            v = beta * v + dw
            return w + lr * v, v
    """, hint="Your step goes uphill: check the sign with which w moves along the velocity."),
    Mistake("momentum_update", "returns (v, w)", """
        def momentum_update(w, dw, v, lr, beta=0.9):
            v = beta * v + dw
            return v, w - lr * v
    """, hint="Your results come back swapped: the function returns (new w, new v)."),
    Mistake("momentum_update", "hard-codes beta = 0.9", """
        def momentum_update(w, dw, v, lr, beta=0.9):
            v = 0.9 * v + dw
            return w - lr * v, v
    """, hint="The beta you pass makes no difference: is the argument used?"),
    Mistake("momentum_update", "scales the gradient by lr inside the velocity, then again in the step", """
        def momentum_update(w, dw, v, lr, beta=0.9):
            v = beta * v + lr * dw
            return w - lr * v, v
    """, hint="Your step shrinks with lr twice over: where does lr come in, in the velocity or in the step?"),
    # adam_update
    Mistake("adam_update", "no bias correction", """
        def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * dw
            v = beta2 * v + (1 - beta2) * dw ** 2
            return w - lr * m / (np.sqrt(v) + eps), m, v
    """, hint="Your first steps are much smaller than lr: are the moments corrected for starting at zero?"),
    Mistake("adam_update", "bias correction as if t started at 0", """
        def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * dw
            v = beta2 * v + (1 - beta2) * dw ** 2
            m_hat = m / (1 - beta1 ** (t + 1))
            v_hat = v / (1 - beta2 ** (t + 1))
            return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    """, hint="Your bias correction is one step late: t is 1 for the first step."),
    Mistake("adam_update", "returns the corrected moments", """
        def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * dw
            v = beta2 * v + (1 - beta2) * dw ** 2
            m = m / (1 - beta1 ** t)
            v = v / (1 - beta2 ** t)
            return w - lr * m / (np.sqrt(v) + eps), m, v
    """, hint="The m and v you return are the bias-corrected ones: return the running averages themselves."),
    Mistake("adam_update", "eps inside the square root", """
        def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * dw
            v = beta2 * v + (1 - beta2) * dw ** 2
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            return w - lr * m_hat / np.sqrt(v_hat + eps), m, v
    """, hint="With tiny gradients your step is wrong: is eps added under the square root or after it?"),
    Mistake("adam_update", "second moment of the gradient, not of its square", """
        def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * dw
            v = beta2 * v + (1 - beta2) * np.abs(dw)
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    """, hint="Your v averages the size of the gradient: the second moment averages its square."),
    Mistake("adam_update", "updates the moments in place", """
        def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m *= beta1
            m += (1 - beta1) * dw
            v *= beta2
            v += (1 - beta2) * dw ** 2
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    """, cells=("test_adam_update_edge",), hint="The caller's m and v change after your call: build new arrays."),
    Mistake("adam_update", "forgets the (1 - beta1) factor on the gradient", """
        def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + dw
            v = beta2 * v + (1 - beta2) * dw ** 2
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    """, hint="Your m grows far too fast: which weight does the new gradient get in the running average?"),
    Mistake("adam_update", "bias correction 1 - beta * t instead of 1 - beta ** t", """
        def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * dw
            v = beta2 * v + (1 - beta2) * dw ** 2
            m_hat = m / (1 - beta1 * t) if beta1 * t < 1 else m
            v_hat = v / (1 - beta2 * t) if beta2 * t < 1 else v
            return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    """, hint="Your bias correction multiplies beta by t: how does the share of the zero start fade, step after step?"),
    Mistake("adam_update", "uses the default hyperparameters whatever is passed", """
        def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = 0.9 * m + 0.1 * dw
            v = 0.999 * v + 0.001 * dw ** 2
            m_hat = m / (1 - 0.9 ** t)
            v_hat = v / (1 - 0.999 ** t)
            return w - lr * m_hat / (np.sqrt(v_hat) + 1e-8), m, v
    """, hint="The lr, betas and eps you pass make no difference: are the arguments used?"),
    # cosine_lr
    Mistake("cosine_lr", "decays to 0 whatever lr_min is", """
        def cosine_lr(step, total_steps, lr_max, lr_min=0.0):
            step = np.minimum(step, total_steps)
            return 0.5 * lr_max * (1 + np.cos(np.pi * step / total_steps))
    """, hint="Your schedule ends at 0 whatever lr_min is: where does lr_min enter the formula?"),
    Mistake("cosine_lr", "no clamp: the cosine rises again after total_steps", """
        def cosine_lr(step, total_steps, lr_max, lr_min=0.0):
            return lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(np.pi * np.asarray(step) / total_steps))
    """, cells=("test_cosine_lr_edge",), hint="After total_steps your learning rate rises again: what should it do once the schedule is over?"),
    Mistake("cosine_lr", "divides by total_steps - 1", """
        def cosine_lr(step, total_steps, lr_max, lr_min=0.0):
            step = np.minimum(step, total_steps - 1)
            return lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(np.pi * step / (total_steps - 1)))
    """, hint="Your schedule reaches lr_min one step early: what fraction of the schedule has passed at a given step?"),
    Mistake("cosine_lr", "forgets the factor 1/2", """
        def cosine_lr(step, total_steps, lr_max, lr_min=0.0):
            step = np.minimum(step, total_steps)
            return lr_min + (lr_max - lr_min) * np.cos(0.5 * np.pi * step / total_steps)
    """, hint="Halfway through, your learning rate is not halfway between lr_max and lr_min: check the factor in front of the cosine."),
    Mistake("cosine_lr", "decays in a straight line", """
        def cosine_lr(step, total_steps, lr_max, lr_min=0.0):
            progress = np.minimum(step, total_steps) / total_steps
            return lr_max - (lr_max - lr_min) * progress
    """, hint="Your learning rate falls in a straight line: the schedule follows half a cosine wave."),
    Mistake("cosine_lr", "math.cos only works for one step", """
        import math

        def cosine_lr(step, total_steps, lr_max, lr_min=0.0):
            step = min(step, total_steps)
            return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * step / total_steps))
    """, cells=("test_cosine_lr_edge",), hint="An array of steps fails: do the functions you use work on whole arrays, or on one number at a time?"),
    Mistake("cosine_lr", "integer division freezes the progress", """
        def cosine_lr(step, total_steps, lr_max, lr_min=0.0):
            progress = np.minimum(step, total_steps) // total_steps
            return lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(np.pi * progress))
    """, hint="Your learning rate stays at lr_max until the very end: does the fraction of the schedule come out as a whole number?"),
]

CORRECT = [
    Correct("iterate_minibatches", "np.split at multiples of batch_size, shuffle of a copy", """
        def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
            X, y = np.asarray(X), np.asarray(y)
            idx = np.arange(len(X))
            if shuffle:
                if rng is None:
                    rng = np.random.default_rng()
                rng.shuffle(idx)
            for part in np.split(idx, np.arange(batch_size, len(X), batch_size)):
                yield X[part], y[part]
    """),
    Correct("iterate_minibatches", "a while loop and take()", """
        def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
            n = X.shape[0]
            order = (rng or np.random.default_rng()).permutation(n) if shuffle else np.arange(n)
            start = 0
            while start < n:
                stop = min(start + batch_size, n)
                yield np.take(X, order[start:stop], axis=0), np.take(y, order[start:stop], axis=0)
                start = stop
    """),
    Correct("momentum_update", "new names, velocity first", """
        def momentum_update(w, dw, v, lr, beta=0.9):
            velocity = np.add(np.multiply(beta, v), dw)
            return np.subtract(w, lr * velocity), velocity
    """),
    Correct("momentum_update", "copies, then in-place arithmetic on the copies", """
        def momentum_update(w, dw, v, lr, beta=0.9):
            v_new = np.array(v, dtype=float, copy=True)
            v_new *= beta
            v_new += dw
            w_new = np.array(w, dtype=float, copy=True)
            w_new -= lr * v_new
            return w_new, v_new
    """),
    Correct("adam_update", "step size folded into the learning rate", """
        def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m_new = beta1 * m + (1.0 - beta1) * dw
            v_new = beta2 * v + (1.0 - beta2) * np.square(dw)
            step = lr / (1.0 - beta1 ** t)
            denom = np.sqrt(v_new / (1.0 - beta2 ** t)) + eps
            return w - step * m_new / denom, m_new, v_new
    """),
    Correct("cosine_lr", "np.clip and the cos of a fraction", """
        def cosine_lr(step, total_steps, lr_max, lr_min=0.0):
            fraction = np.clip(np.asarray(step) / total_steps, 0.0, 1.0)
            cos_part = (np.cos(fraction * np.pi) + 1.0) / 2.0
            return lr_min + (lr_max - lr_min) * cos_part
    """),
    Correct("cosine_lr", "np.where for steps past the end", """
        def cosine_lr(step, total_steps, lr_max, lr_min=0.0):
            s = np.asarray(step, dtype=float)
            lr = lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(np.pi * s / total_steps))
            return np.where(s >= total_steps, lr_min, lr)
    """),
]
