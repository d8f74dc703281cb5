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
    """),
    Mistake("train_val_split", "shuffles X and y with different permutations", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            rng = np.random.default_rng(seed)
            X, y = X[rng.permutation(len(X))], y[rng.permutation(len(y))]
            n_val = int(round(val_fraction * len(X)))
            return X[n_val:], X[:n_val], y[n_val:], y[:n_val]
    """),
    Mistake("train_val_split", "draws the validation indices with replacement", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            rng = np.random.default_rng(seed)
            n_val = int(round(val_fraction * len(X)))
            val = rng.choice(len(X), n_val)
            train = np.setdiff1d(np.arange(len(X)), val)
            return X[train], X[val], y[train], y[val]
    """),
    Mistake("train_val_split", "val_fraction read as the training fraction", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            order = np.random.default_rng(seed).permutation(len(X))
            n_train = int(round(val_fraction * len(X)))
            return X[order[:n_train]], X[order[n_train:]], y[order[:n_train]], y[order[n_train:]]
    """),
    Mistake("train_val_split", "returns (X_train, y_train, X_val, y_val)", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            order = np.random.default_rng(seed).permutation(len(X))
            n_val = int(round(val_fraction * len(X)))
            return X[order[n_val:]], y[order[n_val:]], X[order[:n_val]], y[order[:n_val]]
    """),
    Mistake("train_val_split", "shuffles the caller's arrays in place", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            np.random.default_rng(seed).shuffle(X)
            np.random.default_rng(seed).shuffle(y)
            n_val = int(round(val_fraction * len(X)))
            return X[n_val:].copy(), X[:n_val].copy(), y[n_val:].copy(), y[:n_val].copy()
    """, cells=("test_train_val_split_edge",)),
    Mistake("train_val_split", "ignores the seed", """
        def train_val_split(X, y, val_fraction=0.2, seed=0):
            order = np.random.default_rng(0).permutation(len(X))
            n_val = int(round(val_fraction * len(X)))
            return X[order[n_val:]], X[order[:n_val]], y[order[n_val:]], y[order[:n_val]]
    """),
    # l2_penalty
    Mistake("l2_penalty", "penalises the biases too", """
        def l2_penalty(params, lam):
            return float(lam / 2 * sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b in params))
    """),
    Mistake("l2_penalty", "forgets the 1/2", """
        def l2_penalty(params, lam):
            return float(lam * sum(np.sum(W ** 2) for W, _ in params))
    """),
    Mistake("l2_penalty", "sum of norms, not of squares", """
        def l2_penalty(params, lam):
            return float(lam / 2 * sum(np.linalg.norm(W) for W, _ in params))
    """),
    Mistake("l2_penalty", "absolute values (L1)", """
        def l2_penalty(params, lam):
            return float(lam / 2 * sum(np.sum(np.abs(W)) for W, _ in params))
    """),
    Mistake("l2_penalty", "returns inside the loop: only the first layer counts", """
        def l2_penalty(params, lam):
            for W, b in params:
                return float(lam / 2 * np.sum(W ** 2))
    """),
    Mistake("l2_penalty", "mean of the squares instead of the sum", """
        def l2_penalty(params, lam):
            return float(lam / 2 * sum(np.mean(W ** 2) for W, _ in params))
    """),
    Mistake("l2_penalty", "only the last layer", """
        def l2_penalty(params, lam):
            W, _ = params[-1]
            return float(lam / 2 * np.sum(W ** 2))
    """),
    Mistake("l2_penalty", "squares the weights in place", cells=("test_l2_penalty_edge",), code="""
        def l2_penalty(params, lam):
            total = 0.0
            for W, _ in params:
                W **= 2
                total += np.sum(W)
            return float(lam / 2 * total)
    """),
    # l2_grad
    Mistake("l2_grad", "2 * lam * W: differentiates lam * W**2", """
        def l2_grad(W, lam):
            return 2 * lam * W
    """),
    Mistake("l2_grad", "lam/2 * W", """
        def l2_grad(W, lam):
            return lam / 2 * W
    """),
    Mistake("l2_grad", "scales W in place", """
        def l2_grad(W, lam):
            W *= lam
            return W
    """),
    Mistake("l2_grad", "the gradient of L1: lam * sign(W)", """
        def l2_grad(W, lam):
            return lam * np.sign(W)
    """),
    Mistake("l2_grad", "returns the penalty, not its gradient", """
        def l2_grad(W, lam):
            return lam / 2 * np.sum(W ** 2)
    """),
    # dropout_forward
    Mistake("dropout_forward", "no rescaling of the survivors", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A, np.ones_like(A)
            mask = (rng.random(A.shape) >= p).astype(float)
            return A * mask, mask
    """),
    Mistake("dropout_forward", "scales at test time instead (classic dropout at the wrong place)", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A * (1 - p), np.full(A.shape, 1 - p)
            mask = (rng.random(A.shape) >= p) / (1 - p)
            return A * mask, mask
    """),
    Mistake("dropout_forward", "p used as the probability of keeping", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A, np.ones_like(A)
            mask = (rng.random(A.shape) < p) / p if p > 0 else np.zeros_like(A)
            return A * mask, mask
    """),
    Mistake("dropout_forward", "multiplies by (1 - p) instead of dividing", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A, np.ones_like(A)
            mask = (rng.random(A.shape) >= p) * (1 - p)
            return A * mask, mask
    """),
    Mistake("dropout_forward", "one mask for the whole batch (one draw per unit)", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A, np.ones_like(A)
            mask = np.broadcast_to((rng.random(A.shape[-1]) >= p) / (1 - p), A.shape)
            return A * mask, mask
    """),
    Mistake("dropout_forward", "numpy's global random state instead of rng", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A, np.ones_like(A)
            mask = (np.random.random(A.shape) >= p) / (1 - p)
            return A * mask, mask
    """, cells=("test_dropout_forward_edge",)),
    Mistake("dropout_forward", "drops units in place", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A, np.ones_like(A)
            mask = (rng.random(A.shape) >= p) / (1 - p)
            A *= mask
            return A, mask
    """),
    Mistake("dropout_forward", "drops units at test time too", """
        def dropout_forward(A, p, rng, training=True):
            rng = rng if rng is not None else np.random.default_rng(0)
            mask = (rng.random(A.shape) >= p) / (1 - p)
            return A * mask, mask
    """),
    Mistake("dropout_forward", "returns the boolean keep mask", """
        def dropout_forward(A, p, rng, training=True):
            if not training:
                return A, np.ones(A.shape, dtype=bool)
            keep = rng.random(A.shape) >= p
            return A * keep / (1 - p), keep
    """),
    # dropout_backward
    Mistake("dropout_backward", "passes the gradient through unchanged", """
        def dropout_backward(dout, mask):
            return dout
    """),
    Mistake("dropout_backward", "zeroes dropped units but forgets the scale", """
        def dropout_backward(dout, mask):
            return dout * (mask > 0)
    """),
    Mistake("dropout_backward", "divides by the mask", """
        def dropout_backward(dout, mask):
            return np.where(mask > 0, dout / np.where(mask > 0, mask, 1), 0.0)
    """),
    Mistake("dropout_backward", "multiplies dout in place", """
        def dropout_backward(dout, mask):
            dout *= mask
            return dout
    """),
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
    """),
    Mistake("early_stopping_epoch", "returns the epoch as a float", cells=("test_early_stopping_epoch_edge",), code="""
        def early_stopping_epoch(val_losses, patience):
            best = 0
            for epoch in range(1, len(val_losses)):
                if val_losses[epoch] < val_losses[best]:
                    best = epoch
                elif epoch - best >= patience:
                    break
            return float(best)
    """),
    Mistake("early_stopping_epoch", "the lowest loss of all, ignoring the stop", """
        def early_stopping_epoch(val_losses, patience):
            return int(np.argmin(val_losses))
    """),
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
    """),
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
    """),
    Mistake("early_stopping_epoch", "off by one: stops after patience - 1 epochs", """
        def early_stopping_epoch(val_losses, patience):
            best = 0
            for epoch in range(1, len(val_losses)):
                if val_losses[epoch] < val_losses[best]:
                    best = epoch
                elif epoch - best >= patience - 1:
                    break
            return best
    """),
    Mistake("early_stopping_epoch", "ties count as improvements", """
        def early_stopping_epoch(val_losses, patience):
            best = 0
            for epoch in range(1, len(val_losses)):
                if val_losses[epoch] <= val_losses[best]:
                    best = epoch
                elif epoch - best >= patience:
                    break
            return best
    """),
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
    """),
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
    """),
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
