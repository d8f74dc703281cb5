"""The graded interface of ../shared/SYLLABUS.md, in a form tests can check.

Lesson id -> {name: signature}. A signature is the parameter list as written
in the syllabus; "class" marks a graded class.
"""

SYLLABUS = {
    "01-perceptron": {
        "weighted_sum": "(X, w, b)",
        "step": "(z)",
        "perceptron_predict": "(X, w, b)",
        "perceptron_train": "(X, y, lr=1.0, epochs=10)",
    },
    "02-activations": {
        "sigmoid": "(z)", "sigmoid_grad": "(z)", "tanh": "(z)", "tanh_grad": "(z)",
        "relu": "(z)", "relu_grad": "(z)",
        "leaky_relu": "(z, alpha=0.01)", "leaky_relu_grad": "(z, alpha=0.01)",
        "collapse_linear_layers": "(weights, biases)",
    },
    "03-loss-and-gradient-descent": {
        "mse": "(y_hat, y)", "mse_grad": "(y_hat, y)",
        "binary_cross_entropy": "(p, y, eps=1e-12)",
        "gradient_descent": "(grad_fn, w0, lr, steps)",
        "logistic_regression_fit": "(X, y, lr=0.1, epochs=100)",
    },
    "04-backprop": {
        "numerical_gradient": "(f, x, h=1e-5)", "relative_error": "(a, b)",
        "neuron_forward_backward": "(x, w, b, y)", "Value": "class",
    },
    "05-neural-network": {
        "init_params": "(layer_sizes, seed=0)", "linear_forward": "(X, W, b)",
        "linear_backward": "(dZ, cache)", "relu_forward": "(Z)", "relu_backward": "(dA, cache)",
        "mlp_forward": "(X, params)", "mlp_backward": "(dout, caches)", "sgd_step": "(params, grads, lr)",
    },
    "06-minibatch-sgd": {
        "iterate_minibatches": "(X, y, batch_size, shuffle=True, rng=None)",
        "momentum_update": "(w, dw, v, lr, beta=0.9)",
        "adam_update": "(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)",
        "cosine_lr": "(step, total_steps, lr_max, lr_min=0.0)",
    },
    "07-softmax-mnist": {
        "one_hot": "(y, num_classes)", "softmax": "(Z)", "cross_entropy": "(probs, y, eps=1e-12)",
        "softmax_cross_entropy_backward": "(Z, y)", "accuracy": "(scores, y)",
    },
    "08-regularization": {
        "train_val_split": "(X, y, val_fraction=0.2, seed=0)", "l2_penalty": "(params, lam)",
        "l2_grad": "(W, lam)", "dropout_forward": "(A, p, rng, training=True)",
        "dropout_backward": "(dout, mask)", "early_stopping_epoch": "(val_losses, patience)",
    },
    "09-pytorch-mnist": {
        "get_device": "()", "manual_sgd_step": "(params, lr)", "MLP": "class",
        "train_one_epoch": "(model, loader, loss_fn, optimizer, device)",
        "evaluate": "(model, loader, loss_fn, device)",
    },
    "10-cnn-mnist": {
        "conv_output_size": "(n, f, padding=0, stride=1)",
        "conv2d_forward": "(X, W, b, stride=1, padding=0)",
        "maxpool2d_forward": "(X, size=2, stride=2)",
        "batchnorm_forward": "(X, gamma, beta, eps=1e-5)",
        "SmallCNN": "class",
    },
}
