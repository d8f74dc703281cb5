"""Lesson 08: mistakes students make with splits, L2, dropout and early stopping,
and right answers in other styles."""

from . import Correct, Mistake

LESSON = "08-regularization"

MISTAKES = [
    # train_val_split
    Mistake("train_val_split", "no shuffle: the last rows become the validation set", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            n_val = int(round(val_fraction * len(X)))
            return X[:-n_val], X[-n_val:], y[:-n_val], y[-n_val:]
    """, hint="Your validation set is the last rows, whatever the seed. Data often arrive sorted: "
              "where do you shuffle?"),
    Mistake("train_val_split", "shuffles X and y with different permutations", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            rng = np.random.default_rng(seed)
            X, y = X[rng.permutation(len(X))], y[rng.permutation(len(y))]
            n_val = int(round(val_fraction * len(X)))
            return X[n_val:], X[:n_val], y[n_val:], y[:n_val]
    """, hint="Labels no longer stay with their examples. Do X and y go through the same order, "
              "or does each get a permutation of its own?"),
    Mistake("train_val_split", "draws the validation indices with replacement", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            rng = np.random.default_rng(seed)
            n_val = int(round(val_fraction * len(X)))
            val = rng.choice(len(X), n_val)
            train = np.setdiff1d(np.arange(len(X)), val)
            return X[train], X[val], y[train], y[val]
    """, hint="Some examples are drawn twice for validation, so the two sets are not a partition. "
              "Does your way of choosing indices draw without replacement?"),
    Mistake("train_val_split", "val_fraction read as the training fraction", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            order = np.random.default_rng(seed).permutation(len(X))
            n_train = int(round(val_fraction * len(X)))
            return X[order[:n_train]], X[order[n_train:]], y[order[:n_train]], y[order[n_train:]]
    """, hint="Your validation set holds 1 - val_fraction of the examples. Which of the two sets "
              "should get the fraction val_fraction?"),
    Mistake("train_val_split", "returns (X_train, y_train, X_val, y_val)", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            order = np.random.default_rng(seed).permutation(len(X))
            n_val = int(round(val_fraction * len(X)))
            return X[order[n_val:]], y[order[n_val:]], X[order[:n_val]], y[order[:n_val]]
    """, hint="Your second array is a vector of labels. The function returns (X_train, X_val, "
              "y_train, y_val): in what order do you return yours?"),
    Mistake("train_val_split", "shuffles the caller's arrays in place", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            np.random.default_rng(seed).shuffle(X)
            np.random.default_rng(seed).shuffle(y)
            n_val = int(round(val_fraction * len(X)))
            return X[n_val:].copy(), X[:n_val].copy(), y[n_val:].copy(), y[:n_val].copy()
    """, cells=("test_train_val_split_edge",), hint="After the call the caller's X and y are "
                                                    "shuffled. Do you shuffle the arrays "
                                                    "themselves, or an array of indices?"),
    Mistake("train_val_split", "ignores the seed", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            order = np.random.default_rng(0).permutation(len(X))
            n_val = int(round(val_fraction * len(X)))
            return X[order[n_val:]], X[order[:n_val]], y[order[n_val:]], y[order[:n_val]]
    """, hint="Different seeds give the same split. Does your generator get the seed argument?"),
    # l2_penalty
    Mistake("l2_penalty", "penalises the biases too", """
        def l2_penalty(params, lam):
            return float(lam / 2 * sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b in params))
    """, hint="Your penalty changes when only the biases change. Which arrays does the L2 penalty "
              "sum over?"),
    Mistake("l2_penalty", "forgets the 1/2", """
        def l2_penalty(params, lam):
            return float(lam * sum(np.sum(W ** 2) for W, _ in params))
    """, hint="Your penalty is twice too large. Look at the factor in front of the sum in the "
              "lesson's formula."),
    Mistake("l2_penalty", "sum of norms, not of squares", """
        def l2_penalty(params, lam):
            return float(lam / 2 * sum(np.linalg.norm(W) for W, _ in params))
    """, hint="Your penalty grows like the size of the weights, not like their square. Is each "
              "layer's share a norm, or the sum of the squared entries?"),
    Mistake("l2_penalty", "absolute values (L1)", """
        def l2_penalty(params, lam):
            return float(lam / 2 * sum(np.sum(np.abs(W)) for W, _ in params))
    """, hint="Your penalty adds up the sizes |w| of the weights. What of each weight does the L2 "
              "penalty add up?"),
    Mistake("l2_penalty", "returns inside the loop: only the first layer counts", """
        def l2_penalty(params, lam):
            for W, b in params:
                return float(lam / 2 * np.sum(W ** 2))
    """, hint="Only the first layer counts in your penalty. Where does your return sit: inside "
              "the loop over the layers?"),
    Mistake("l2_penalty", "mean of the squares instead of the sum", """
        def l2_penalty(params, lam):
            return float(lam / 2 * sum(np.mean(W ** 2) for W, _ in params))
    """, hint="Each layer adds the average of its squared weights, so bigger layers weigh less. "
              "Is it the mean of the squares, or their sum?"),
    Mistake("l2_penalty", "only the last layer", """
        def l2_penalty(params, lam):
            W, _ = params[-1]
            return float(lam / 2 * np.sum(W ** 2))
    """, hint="Only the last layer counts in your penalty. Does your sum run over every (W, b) in "
              "params?"),
    Mistake("l2_penalty", "squares the weights in place", cells=("test_l2_penalty_edge",), code="""
        def l2_penalty(params, lam):
            total = 0.0
            for W, _ in params:
                W **= 2
                total += np.sum(W)
            return float(lam / 2 * total)
    """, hint="The caller's weights come back squared. Do you square W into itself instead of "
              "computing a new array?"),
    # l2_grad
    Mistake("l2_grad", "2 * lam * W: differentiates lam * W**2", """
        def l2_grad(W, lam):
            return 2 * lam * W
    """, hint="Your gradient is twice too large. The penalty is lam/2 times the sum of squares: "
              "what is the derivative of lam/2 * w**2?"),
    Mistake("l2_grad", "lam/2 * W", """
        def l2_grad(W, lam):
            return lam / 2 * W
    """, hint="Your gradient is half the right size. What is the derivative of lam/2 * w**2 with "
              "respect to w?"),
    Mistake("l2_grad", "scales W in place", """
        def l2_grad(W, lam):
            W *= lam
            return W
    """, hint="W itself changes after the call (and integer weights raise an error). Do you "
              "multiply into W instead of computing a new array?"),
    Mistake("l2_grad", "the gradient of L1: lam * sign(W)", """
        def l2_grad(W, lam):
            return lam * np.sign(W)
    """, hint="Your gradient has the same size for every weight; only its sign follows w. That is "
              "the gradient of L1: what is the derivative of lam/2 * w**2?"),
    Mistake("l2_grad", "returns the penalty, not its gradient", """
        def l2_grad(W, lam):
            return lam / 2 * np.sum(W ** 2)
    """, hint="You return a single number. The gradient has one entry per weight: the shape of W."),
    # dropout_forward
    Mistake("dropout_forward", "no rescaling of the survivors", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A, np.ones_like(A)
            mask = (rng.random(A.shape) >= p).astype(float)
            return A * mask, mask
    """, hint="Your kept units keep their value, so the mean activation falls by a factor 1 - p. "
              "By how much should inverted dropout scale the survivors?"),
    Mistake("dropout_forward", "scales at test time instead (classic dropout at the wrong place)", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A * (1 - p), np.full(A.shape, 1 - p)
            mask = (rng.random(A.shape) >= p) / (1 - p)
            return A * mask, mask
    """, hint="When training is false your output is A times (1 - p). With inverted dropout, what "
              "does dropout do at test time?"),
    Mistake("dropout_forward", "p used as the probability of keeping", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A, np.ones_like(A)
            mask = (rng.random(A.shape) < p) / p if p > 0 else np.zeros_like(A)
            return A * mask, mask
    """, hint="About a fraction 1 - p of your units are dropped. p is the probability of dropping "
              "a unit: which random numbers should keep their unit?"),
    Mistake("dropout_forward", "multiplies by (1 - p) instead of dividing", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A, np.ones_like(A)
            mask = (rng.random(A.shape) >= p) * (1 - p)
            return A * mask, mask
    """, hint="Your kept units are multiplied by 1 - p, which makes them smaller. To keep the "
              "mean activation unchanged, should the survivors grow or shrink?"),
    Mistake("dropout_forward", "one mask for the whole batch (one draw per unit)", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A, np.ones_like(A)
            mask = np.broadcast_to((rng.random(A.shape[-1]) >= p) / (1 - p), A.shape)
            return A * mask, mask
    """, hint="Every example gets the same pattern of dropped units. How many random numbers do "
              "you draw: one per unit, or one per entry of A?"),
    Mistake("dropout_forward", "numpy's global random state instead of rng", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A, np.ones_like(A)
            mask = (np.random.random(A.shape) >= p) / (1 - p)
            return A * mask, mask
    """, cells=("test_dropout_forward_edge",), hint="The same seed gives a different mask each "
                                                    "time: the randomness does not come from rng. "
                                                    "Which generator do you draw from?"),
    Mistake("dropout_forward", "drops units in place", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A, np.ones_like(A)
            mask = (rng.random(A.shape) >= p) / (1 - p)
            A *= mask
            return A, mask
    """, hint="The caller's A changes: its dropped units are zeroed. Do you multiply into A "
              "instead of computing a new array?"),
    Mistake("dropout_forward", "drops units at test time too", """
        def dropout_forward(A, p, rng, training=True):
            rng = rng if rng is not None else np.random.default_rng(0)
            mask = (rng.random(A.shape) >= p) / (1 - p)
            return A * mask, mask
    """, hint="Units are dropped even when training is false. What should dropout do at test "
              "time?"),
    Mistake("dropout_forward", "returns the boolean keep mask", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A, np.ones(A.shape, dtype=bool)
            keep = rng.random(A.shape) >= p
            return A * keep / (1 - p), keep
    """, hint="Your mask holds True and False. The backward pass multiplies by the mask, so it "
              "must hold each unit's factor: which values are those?"),
    # dropout_backward
    Mistake("dropout_backward", "passes the gradient through unchanged", """
        def dropout_backward(dout, mask):
            return dout
    """, hint="Your gradient ignores the mask: dropped units still receive gradient. Since out = "
              "A * mask, what is the derivative with respect to A?"),
    Mistake("dropout_backward", "zeroes dropped units but forgets the scale", """
        def dropout_backward(dout, mask):
            return dout * (mask > 0)
    """, hint="Dropped units rightly get no gradient, but the kept ones are not scaled. Since out "
              "= A * mask, by what is a kept unit's gradient multiplied?"),
    Mistake("dropout_backward", "divides by the mask", """
        def dropout_backward(dout, mask):
            return np.where(mask > 0, dout / np.where(mask > 0, mask, 1), 0.0)
    """, hint="The gradients of your kept units shrink by the scale factor. Since out = A * mask, "
              "do you divide by the mask or multiply?"),
    Mistake("dropout_backward", "multiplies dout in place", """
        def dropout_backward(dout, mask):
            dout *= mask
            return dout
    """, hint="The dout you are given changes after the call. Do you multiply into dout itself "
              "instead of computing a new array?"),
    # early_stopping_epoch
    Mistake("early_stopping_epoch", "returns the epoch where training stops", """
        def early_stopping_epoch(val_losses, patience):
            best = 0
            for epoch in range(1, len(val_losses)):
                if val_losses[epoch] < val_losses[best]:
                    best = epoch
                elif epoch - best >= patience:
                    return epoch
            return best
    """, hint="You return the epoch at which training stops. Which epoch's weights does early "
              "stopping keep?"),
    Mistake("early_stopping_epoch", "returns the epoch as a float", cells=("test_early_stopping_epoch_edge",), code="""
        def early_stopping_epoch(val_losses, patience):
            best = 0
            for epoch in range(1, len(val_losses)):
                if val_losses[epoch] < val_losses[best]:
                    best = epoch
                elif epoch - best >= patience:
                    break
            return float(best)
    """, hint="You return a float such as 2.0. An epoch is an index: return an integer."),
    Mistake("early_stopping_epoch", "the lowest loss of all, ignoring the stop", """
        def early_stopping_epoch(val_losses, patience):
            return int(np.argmin(val_losses))
    """, hint="You can return an epoch that comes after training stopped. Those epochs are never "
              "trained: does your search end when the patience runs out?"),
    Mistake("early_stopping_epoch", "returns the last epoch trained", """
        def early_stopping_epoch(val_losses, patience):
            best, wait = 0, 0
            for epoch in range(1, len(val_losses)):
                if val_losses[epoch] < val_losses[best]:
                    best, wait = epoch, 0
                else:
                    wait += 1
                    if wait >= patience:
                        return epoch
            return len(val_losses) - 1
    """, hint="You return the last epoch trained, even when it was not the best. Which epoch's "
              "weights are kept?"),
    Mistake("early_stopping_epoch", "off by one: waits patience + 1 epochs", """
        def early_stopping_epoch(val_losses, patience):
            best, wait = 0, 0
            for epoch in range(1, len(val_losses)):
                if val_losses[epoch] < val_losses[best]:
                    best, wait = epoch, 0
                else:
                    wait += 1
                    if wait > patience:
                        break
            return best
    """, hint="Your training goes on one epoch too long: with patience 2 it still looks at a "
              "third epoch without a new best. When exactly has the patience run out?"),
    Mistake("early_stopping_epoch", "off by one: stops after patience - 1 epochs", """
        def early_stopping_epoch(val_losses, patience):
            best = 0
            for epoch in range(1, len(val_losses)):
                if val_losses[epoch] < val_losses[best]:
                    best = epoch
                elif epoch - best >= patience - 1:
                    break
            return best
    """, hint="You stop one epoch too early: with patience 2 you stop after a single epoch "
              "without a new best. Compare your stopping condition with the patience."),
    Mistake("early_stopping_epoch", "ties count as improvements", """
        def early_stopping_epoch(val_losses, patience):
            best = 0
            for epoch in range(1, len(val_losses)):
                if val_losses[epoch] <= val_losses[best]:
                    best = epoch
                elif epoch - best >= patience:
                    break
            return best
    """, hint="An epoch whose loss equals the best so far counts as a new best in your code. A "
              "new best must be strictly lower: check your comparison."),
    Mistake("early_stopping_epoch", "counts all epochs without improvement, never resets", """
        def early_stopping_epoch(val_losses, patience):
            best, bad = 0, 0
            for epoch in range(1, len(val_losses)):
                if val_losses[epoch] < val_losses[best]:
                    best = epoch
                else:
                    bad += 1
                    if bad >= patience:
                        break
            return best
    """, hint="Your count of epochs without a new best keeps growing across new bests. What "
              "should happen to the count when a new best arrives?"),
    Mistake("early_stopping_epoch", "compares with the previous epoch, not the best so far", """
        def early_stopping_epoch(val_losses, patience):
            best, wait = 0, 0
            for epoch in range(1, len(val_losses)):
                if val_losses[epoch] < val_losses[epoch - 1]:
                    wait = 0
                    if val_losses[epoch] < val_losses[best]:
                        best = epoch
                else:
                    wait += 1
                    if wait >= patience:
                        break
            return best
    """, hint="An epoch that only beats the epoch before it restarts your count. A new best must "
              "beat the best loss so far: what do you compare with?"),
]

CORRECT = [
    Correct("train_val_split", "a boolean mask and the rng's shuffle of an index array", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            X, y = np.asarray(X), np.asarray(y)
            idx = np.arange(X.shape[0])
            np.random.default_rng(seed).shuffle(idx)
            is_val = np.zeros(X.shape[0], dtype=bool)
            is_val[idx[:round(val_fraction * X.shape[0])]] = True
            return X[~is_val], X[is_val], y[~is_val], y[is_val]
    """),
    Correct("train_val_split", "floor instead of round, validation taken from the end", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            perm = np.random.default_rng(seed).permutation(len(y))
            cut = len(y) - int(val_fraction * len(y))
            return X[perm[:cut]], X[perm[cut:]], y[perm[:cut]], y[perm[cut:]]
    """),
    Correct("l2_penalty", "a loop with np.vdot", """
        def l2_penalty(params, lam):
            total = 0.0
            for layer in params:
                W = layer[0]
                total += np.vdot(W, W)
            return 0.5 * lam * total
    """),
    Correct("l2_grad", "np.multiply", """
        def l2_grad(W, lam):
            return np.multiply(W, lam)
    """),
    Correct("dropout_forward", "np.where and an explicit keep probability", """
        def dropout_forward(A, p, rng, training=True):
            A = np.asarray(A)
            if training:
                keep_prob = 1.0 - p
                mask = np.where(rng.random(A.shape) < p, 0.0, 1.0 / keep_prob)
                return A * mask, mask
            return A.copy(), np.ones(A.shape)
    """),
    Correct("dropout_backward", "np.multiply", """
        def dropout_backward(dout, mask):
            return np.multiply(dout, mask)
    """),
    Correct("early_stopping_epoch", "a counter of epochs without improvement", """
        def early_stopping_epoch(val_losses, patience):
            best_epoch, best_loss, waited = 0, float("inf"), 0
            for epoch, loss in enumerate(val_losses):
                if loss < best_loss:
                    best_epoch, best_loss, waited = epoch, loss, 0
                else:
                    waited += 1
                    if waited == patience:
                        break
            return best_epoch
    """),
    Correct("early_stopping_epoch", "a while loop", """
        def early_stopping_epoch(val_losses, patience):
            losses = list(val_losses)
            best, epoch = 0, 1
            while epoch < len(losses) and epoch - best < patience + 1:
                if losses[epoch] < losses[best]:
                    best = epoch
                elif epoch - best == patience:
                    break
                epoch += 1
            return best
    """),
]
