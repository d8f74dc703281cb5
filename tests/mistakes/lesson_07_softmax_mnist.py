"""Lesson 07: mistakes students make with softmax, cross-entropy and the training loop,
and right answers in other styles."""

from . import Correct, Mistake

LESSON = "07-softmax-mnist"

MISTAKES = [
    # one_hot
    Mistake("one_hot", "number of classes from the largest label", """
        def one_hot(y, num_classes):
            return np.eye(np.max(y) + 1)[y]
    """, hint="Your array has fewer columns than num_classes when the largest class is missing "
              "from the batch. Where does your number of columns come from?"),
    Mistake("one_hot", "classes as rows: shape (num_classes, n)", """
        def one_hot(y, num_classes):
            Y = np.zeros((num_classes, len(y)))
            Y[y, np.arange(len(y))] = 1
            return Y
    """, hint="Your array has one row per class and one column per label. Which axis should hold "
              "the examples?"),
    Mistake("one_hot", "labels treated as starting at 1", """
        def one_hot(y, num_classes):
            return np.eye(num_classes)[np.asarray(y) - 1]
    """, hint="The 1 of each row sits one column to the left of its label (label 0 lands in the "
              "last column). Do the classes start at 0 or at 1?"),
    Mistake("one_hot", "number of classes from the labels present", """
        def one_hot(y, num_classes):
            return np.eye(len(np.unique(y)))[y]
    """, hint="Your number of columns depends on how many different labels the batch holds, and a "
              "batch may miss some classes. What tells you how many classes there are?"),
    Mistake("one_hot", "sets a whole column instead of one entry per row", """
        def one_hot(y, num_classes):
            Y = np.zeros((len(y), num_classes))
            Y[:, y] = 1
            return Y
    """, hint="Some rows hold several 1s: each label switches on its column in every row. How do "
              "you pick exactly one entry per row?"),
    # softmax
    Mistake("softmax", "no max subtraction: overflows for large logits", """
        def softmax(Z):
            E = np.exp(Z)
            return E / E.sum(axis=1, keepdims=True)
    """, hint="Logits of about 1000 give nan and an overflow warning. What can you subtract from "
              "every logit of a row without changing its probabilities?"),
    Mistake("softmax", "subtracts the maximum of the whole batch, not of each row", """
        def softmax(Z):
            E = np.exp(Z - np.max(Z))
            return E / E.sum(axis=1, keepdims=True)
    """, hint="When one row's logits are near 1000 and another's near 0, the second row becomes "
              "nan. Does each row use its own maximum?"),
    Mistake("softmax", "normalises over the columns (axis 0)", """
        def softmax(Z):
            E = np.exp(Z - Z.max(axis=0, keepdims=True))
            return E / E.sum(axis=0, keepdims=True)
    """, hint="Your columns sum to 1, not your rows. Each row is one example: along which axis do "
              "you take the maximum and the sum?"),
    Mistake("softmax", "divides by the sum of the whole batch", """
        def softmax(Z):
            E = np.exp(Z - Z.max(axis=1, keepdims=True))
            return E / E.sum()
    """, hint="All the probabilities of the batch together add up to 1, so no single row does. "
              "What should each row be divided by?"),
    Mistake("softmax", "subtracts the maximum in place", """
        def softmax(Z):
            Z -= Z.max(axis=1, keepdims=True)
            E = np.exp(Z)
            return E / E.sum(axis=1, keepdims=True)
    """, cells=("test_softmax_edge",), hint="Your softmax changes the Z it is given. Do you "
                                            "subtract into Z itself instead of computing a new "
                                            "array?"),
    Mistake("softmax", "subtracts the row mean instead of the maximum", """
        def softmax(Z):
            E = np.exp(Z - Z.mean(axis=1, keepdims=True))
            return E / E.sum(axis=1, keepdims=True)
    """, hint="A row like (-800, 800, 0) still overflows. Which number must you subtract so that "
              "no exponent is above 0?"),
    Mistake("softmax", "forgets keepdims: the row maxima do not broadcast", """
        def softmax(Z):
            E = np.exp(Z - Z.max(axis=1))
            return E / E.sum(axis=1)
    """, hint="A batch whose number of rows differs from its number of classes raises a "
              "broadcasting error, and a square one gives wrong probabilities. What shape do your "
              "row maxima and row sums have?"),
    # cross_entropy
    Mistake("cross_entropy", "sum over the batch instead of the mean", """
        def cross_entropy(probs, y, eps=1e-12):
            return float(-np.sum(np.log(np.maximum(probs[np.arange(len(y)), y], eps))))
    """, hint="Your cost grows with the number of examples. Is it a sum where the mean is meant?"),
    Mistake("cross_entropy", "no clipping: log(0) is -inf with a warning", """
        def cross_entropy(probs, y, eps=1e-12):
            return float(-np.mean(np.log(probs[np.arange(len(y)), y])))
    """, hint="A probability of exactly 0 for the right class gives inf and a warning. What "
              "should happen to tiny probabilities before the log?"),
    Mistake("cross_entropy", "mean over all entries of one-hot times log p", """
        def cross_entropy(probs, y, eps=1e-12):
            T = np.eye(probs.shape[1])[y]
            return float(-np.mean(T * np.log(np.clip(probs, eps, 1.0))))
    """, hint="Your cost is K times too small (K classes): you average over every entry of the "
              "array. Over what should the mean run?"),
    Mistake("cross_entropy", "uses every class's probability, not only the correct one", """
        def cross_entropy(probs, y, eps=1e-12):
            return float(-np.mean(np.sum(np.log(np.clip(probs, eps, 1.0)), axis=1)))
    """, hint="Your cost changes when only the probabilities of wrong classes change. Which "
              "single probability of each row counts?"),
    Mistake("cross_entropy", "forgets the minus sign", """
        def cross_entropy(probs, y, eps=1e-12):
            return float(np.mean(np.log(np.maximum(probs[np.arange(len(y)), y], eps))))
    """, hint="Your cost is negative. The log of a probability is at most 0: what turns it into a "
              "positive loss?"),
    Mistake("cross_entropy", "clips the caller's array in place", """
        def cross_entropy(probs, y, eps=1e-12):
            np.clip(probs, eps, 1.0, out=probs)
            return float(-np.mean(np.log(probs[np.arange(len(y)), y])))
    """, cells=("test_cross_entropy_edge",), hint="Your cross_entropy changes the probs it is "
                                                  "given. Does the clipping write into the "
                                                  "caller's array?"),
    Mistake("cross_entropy", "probs[:, y] picks a whole column per label", """
        def cross_entropy(probs, y, eps=1e-12):
            return float(-np.mean(np.log(np.maximum(probs[:, y], eps))))
    """, hint="Your cost mixes in the probabilities of other rows: each label picks a whole "
              "column. How do you pick one entry per row, the one in column y[i]?"),
    Mistake("cross_entropy", "hard-codes eps", """
        def cross_entropy(probs, y, eps=1e-12):
            return float(-np.mean(np.log(np.maximum(probs[np.arange(len(y)), y], 1e-12))))
    """, cells=("test_cross_entropy_edge",), hint="Your cost stays the same when another eps is "
                                                  "passed. Does your code use the argument eps?"),
    # softmax_cross_entropy_backward
    Mistake("softmax_cross_entropy_backward", "forgets to divide by n", """
        def softmax_cross_entropy_backward(Z, y):
            return softmax(Z) - one_hot(y, Z.shape[1])
    """, hint="Your gradient is n times too large: doubling the batch does not halve its rows. "
              "The cost is a mean over the batch: what does that do to the gradient?"),
    Mistake("softmax_cross_entropy_backward", "one-hot minus softmax: wrong sign", """
        def softmax_cross_entropy_backward(Z, y):
            return (one_hot(y, Z.shape[1]) - softmax(Z)) / len(y)
    """, hint="Your gradient has the wrong sign everywhere: it points uphill. Which comes first "
              "in the subtraction, the probabilities or the targets?"),
    Mistake("softmax_cross_entropy_backward", "number of classes from the labels", """
        def softmax_cross_entropy_backward(Z, y):
            return (softmax(Z) - one_hot(y, int(np.max(y)) + 1)) / len(y)
    """, hint="Your function fails when the largest class does not occur in y. Where should the "
              "number of classes come from: Z or y?"),
    Mistake("softmax_cross_entropy_backward", "its own softmax without the max subtraction", """
        def softmax_cross_entropy_backward(Z, y):
            E = np.exp(Z)
            P = E / E.sum(axis=1, keepdims=True)
            P[np.arange(len(y)), y] -= 1
            return P / len(y)
    """, cells=("test_softmax_cross_entropy_backward_edge",), hint="Logits of about 1000 give "
                                                                   "nan. Are the probabilities in "
                                                                   "your gradient computed "
                                                                   "stably, for instance by your "
                                                                   "softmax?"),
    Mistake("softmax_cross_entropy_backward", "divides by the number of classes", """
        def softmax_cross_entropy_backward(Z, y):
            return (softmax(Z) - one_hot(y, Z.shape[1])) / Z.shape[1]
    """, hint="Your gradient is divided by the number of classes, not by the number of examples. "
              "Over what does the mean of the cost run?"),
    Mistake("softmax_cross_entropy_backward", "only the correct class gets a gradient", """
        def softmax_cross_entropy_backward(Z, y):
            T = one_hot(y, Z.shape[1])
            return T * (softmax(Z) - 1) / len(y)
    """, hint="The wrong classes get no gradient at all. Probabilities minus one-hot: what does a "
              "wrong class k get?"),
    # accuracy
    Mistake("accuracy", "argmax over the batch (axis 0)", """
        def accuracy(scores, y):
            return float(np.mean(np.argmax(scores, axis=0) == y))
    """, hint="Your function fails when the batch size differs from the number of classes, and "
              "gives wrong values when they are equal. Along which axis does one example's "
              "prediction run?"),
    Mistake("accuracy", "counts instead of a fraction", """
        def accuracy(scores, y):
            return int(np.sum(np.argmax(scores, axis=1) == y))
    """, hint="You return a whole number, a count of right answers. Accuracy is a fraction "
              "between 0 and 1: what should the count be divided by?"),
    Mistake("accuracy", "a percentage", """
        def accuracy(scores, y):
            return 100.0 * np.mean(np.argmax(scores, axis=1) == y)
    """, hint="Your accuracy goes above 1: it is a percentage. Return a fraction between 0 and 1."),
    Mistake("accuracy", "argmax of the flattened array", """
        def accuracy(scores, y):
            return float(np.mean(np.argmax(scores) == y))
    """, hint="You take a single argmax for the whole batch. How do you get one prediction per "
              "row?"),
    Mistake("accuracy", "thresholds the scores at 0.5 as if there were two classes", """
        def accuracy(scores, y):
            return float(np.mean((scores[:, 1] >= 0.5).astype(int) == y))
    """, hint="You compare one column of scores with 0.5, as for two classes. With K classes the "
              "prediction is the class with the largest score: how do you find it for each row?"),
    # mlp_loss_and_grads
    Mistake("mlp_loss_and_grads", "backward pass started from the probabilities, not the logits", """
        def mlp_loss_and_grads(params, X, y):
            logits, caches = mlp_forward(X, params)
            probs = softmax(logits)
            return cross_entropy(probs, y), mlp_backward(softmax_cross_entropy_backward(probs, y), caches)
    """, hint="Your cost is right but your gradients are not: the backward pass starts from "
              "probabilities. What does softmax_cross_entropy_backward expect as its first "
              "argument?"),
    Mistake("mlp_loss_and_grads", "cross-entropy of the logits, not of the probabilities", """
        def mlp_loss_and_grads(params, X, y):
            logits, caches = mlp_forward(X, params)
            loss = cross_entropy(logits, y)
            return loss, mlp_backward(softmax_cross_entropy_backward(logits, y), caches)
    """, hint="Your gradients are right but your cost is not: it is computed from the raw logits. "
              "What must the logits go through before cross_entropy?"),
    Mistake("mlp_loss_and_grads", "gradients listed from the last layer to the first", """
        def mlp_loss_and_grads(params, X, y):
            logits, caches = mlp_forward(X, params)
            grads = mlp_backward(softmax_cross_entropy_backward(logits, y), caches)
            return cross_entropy(softmax(logits), y), grads[::-1]
    """, hint="Your first (dW, db) has the shapes of the last layer. In which order does "
              "mlp_backward already return the gradients, and do you reorder them?"),
    Mistake("mlp_loss_and_grads", "backpropagates softmax minus one-hot without the 1/n", """
        def mlp_loss_and_grads(params, X, y):
            logits, caches = mlp_forward(X, params)
            probs = softmax(logits)
            dout = probs - one_hot(y, probs.shape[1])
            return cross_entropy(probs, y), mlp_backward(dout, caches)
    """, hint="Your gradients are n times too large (right only for a batch of one). The cost is "
              "a mean: is the gradient at the logits divided by the number of examples?"),
    # train_epoch
    Mistake("train_epoch", "records the cost after the update", """
        def train_epoch(params, X, y, lr, batch_size, rng):
            losses = []
            for Xb, yb in iterate_minibatches(X, y, batch_size, shuffle=True, rng=rng):
                _, grads = mlp_loss_and_grads(params, Xb, yb)
                params = sgd_step(params, grads, lr)
                losses.append(mlp_loss_and_grads(params, Xb, yb)[0])
            return params, losses
    """, hint="The costs you record are measured after each update. Each batch's cost belongs to "
              "the parameters its gradients were computed at: which call gives you both at once?"),
    Mistake("train_epoch", "does not shuffle", """
        def train_epoch(params, X, y, lr, batch_size, rng):
            losses = []
            for Xb, yb in iterate_minibatches(X, y, batch_size, shuffle=False):
                loss, grads = mlp_loss_and_grads(params, Xb, yb)
                params = sgd_step(params, grads, lr)
                losses.append(loss)
            return params, losses
    """, hint="Your batches come in the same order whatever rng you pass: nothing is shuffled. "
              "How should iterate_minibatches be asked to draw the order from rng?"),
    Mistake("train_epoch", "a fresh generator instead of the rng given", """
        def train_epoch(params, X, y, lr, batch_size, rng):
            losses = []
            for Xb, yb in iterate_minibatches(X, y, batch_size, rng=np.random.default_rng()):
                loss, grads = mlp_loss_and_grads(params, Xb, yb)
                params = sgd_step(params, grads, lr)
                losses.append(loss)
            return params, losses
    """, hint="The same seed gives a different training run every time, and the rng you are given "
              "is never used. Where does your batch order come from?"),
    Mistake("train_epoch", "forgets to keep the updated parameters", """
        def train_epoch(params, X, y, lr, batch_size, rng):
            losses = []
            for Xb, yb in iterate_minibatches(X, y, batch_size, rng=rng):
                loss, grads = mlp_loss_and_grads(params, Xb, yb)
                sgd_step(params, grads, lr)
                losses.append(loss)
            return params, losses
    """, hint="Your parameters come back unchanged. sgd_step returns new parameters: what happens "
              "to its result?"),
    Mistake("train_epoch", "gradient of the whole data set at every step", """
        def train_epoch(params, X, y, lr, batch_size, rng):
            losses = []
            for Xb, yb in iterate_minibatches(X, y, batch_size, rng=rng):
                loss, grads = mlp_loss_and_grads(params, X, y)
                params = sgd_step(params, grads, lr)
                losses.append(loss)
            return params, losses
    """, hint="Every step uses the gradient of the whole data set, not of its batch. Which arrays "
              "do you pass to mlp_loss_and_grads?"),
    Mistake("train_epoch", "updates the parameters in place", """
        def train_epoch(params, X, y, lr, batch_size, rng):
            losses = []
            for Xb, yb in iterate_minibatches(X, y, batch_size, rng=rng):
                loss, grads = mlp_loss_and_grads(params, Xb, yb)
                for (W, b), (dW, db) in zip(params, grads):
                    W -= lr * dW
                    b -= lr * db
                losses.append(loss)
            return params, losses
    """, cells=("test_train_epoch_edge",), hint="The parameters you were given change. Do you "
                                                "subtract into W and b themselves instead of "
                                                "letting sgd_step make new ones?"),
]

CORRECT = [
    Correct("one_hot", "indexing with two arrays", """
        def one_hot(y, num_classes):
            y = np.asarray(y).astype(int)
            Y = np.zeros((y.shape[0], num_classes))
            Y[np.arange(y.shape[0]), y] = 1.0
            return Y
    """),
    Correct("one_hot", "comparison with a row of class numbers", """
        def one_hot(y, num_classes):
            return (np.asarray(y)[:, None] == np.arange(num_classes)[None, :]).astype(float)
    """),
    Correct("softmax", "log-sum-exp", """
        def softmax(Z):
            Z = np.asarray(Z, dtype=float)
            m = np.max(Z, axis=1, keepdims=True)
            log_norm = m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))
            return np.exp(Z - log_norm)
    """),
    Correct("softmax", "explicit column vectors", """
        def softmax(Z):
            shifted = Z - np.max(Z, axis=1).reshape(-1, 1)
            E = np.exp(shifted)
            return E / np.sum(E, axis=1).reshape(-1, 1)
    """),
    Correct("cross_entropy", "one-hot mask and clip", """
        def cross_entropy(probs, y, eps=1e-12):
            T = np.eye(probs.shape[1])[y]
            per_example = -np.sum(T * np.log(np.clip(probs, eps, None)), axis=1)
            return per_example.mean()
    """),
    Correct("cross_entropy", "take_along_axis and log(p + eps)", """
        def cross_entropy(probs, y, eps=1e-12):
            p = np.take_along_axis(probs, np.asarray(y)[:, None], axis=1)[:, 0]
            return float(np.mean(-np.log(p + eps)))
    """),
    Correct("softmax_cross_entropy_backward", "probabilities with the one subtracted by indexing", """
        def softmax_cross_entropy_backward(Z, y):
            n = Z.shape[0]
            dZ = softmax(Z).copy()
            dZ[np.arange(n), y] -= 1.0
            dZ /= n
            return dZ
    """),
    Correct("accuracy", "count divided by n", """
        def accuracy(scores, y):
            predictions = scores.argmax(axis=-1)
            return np.count_nonzero(predictions == np.asarray(y)) / len(y)
    """),
    Correct("mlp_loss_and_grads", "gradient at the logits written out", """
        def mlp_loss_and_grads(params, X, y):
            out, caches = mlp_forward(X, params)
            probs = softmax(out)
            dout = (probs - one_hot(y, out.shape[1])) / out.shape[0]
            return cross_entropy(probs, y), mlp_backward(dout, caches)
    """),
    Correct("train_epoch", "an explicit list of costs as floats", """
        def train_epoch(params, X, y, lr, batch_size, rng):
            costs = []
            batches = iterate_minibatches(X, y, batch_size, shuffle=True, rng=rng)
            for X_batch, y_batch in batches:
                cost, grads = mlp_loss_and_grads(params, X_batch, y_batch)
                costs.append(float(cost))
                params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]
            return params, costs
    """),
]
