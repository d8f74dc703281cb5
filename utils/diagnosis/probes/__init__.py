"""Probe inputs per graded function, one module per lesson (lesson_03_loss_and_gradient_descent.py
for 03-loss-and-gradient-descent), each with PROBES = {function: [Call(...) or Probe(...), ...]}.

Good probes are small (the whole set runs in well under a second), different from the hidden
tests' inputs, and varied enough that each catalogued mistake shows itself on at least one:
integers as well as floats, a column (n, 1) as well as a vector, zeros, ties, extremes.
"""
