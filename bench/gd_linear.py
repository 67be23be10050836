"""Measures NumPy full-batch gradient descent on l(w) = (1/2n)||Xw - y||^2: median steps/s of
`r = X @ w - y; g = X.T @ r; w -= (lr/n) * g` (X: n x d float64). Prints one JSON line."""
import argparse
import json
import os
import sys
import time

try:
    import numpy as np
except ImportError:
    print("gd_linear.py: numpy is not installed (pip install numpy)", file=sys.stderr)
    sys.exit(3)

p = argparse.ArgumentParser()
p.add_argument("--d", type=int, default=1000)
p.add_argument("--n", type=int, default=500)
p.add_argument("--steps", type=int, default=200)
p.add_argument("--repeats", type=int, default=7)
a = p.parse_args()
n, d, K = a.n, a.d, a.steps

rng = np.random.default_rng(12345)
X = rng.standard_normal((n, d))
theta_t = rng.standard_normal(d) / np.sqrt(d)
theta_s = rng.standard_normal(d) / np.sqrt(d)
y = X @ theta_t
lr = 1.0 / (np.linalg.norm(X, 2) ** 2 / n)  # 1 / lambda_max(X^T X / n), computed once
step = lr / n


def run(w):
    for _ in range(K):
        r = X @ w - y
        g = X.T @ r
        w -= step * g
    return w


run(theta_s.copy())  # warm-up
rates = []
for _ in range(a.repeats):
    w = theta_s.copy()
    t0 = time.perf_counter()
    run(w)
    rates.append(K / (time.perf_counter() - t0))

loss = lambda v: 0.5 / n * float(np.sum((X @ v - y) ** 2))
print(json.dumps({
    "impl": "numpy",
    "threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
    "d": d, "n": n, "steps": K, "repeats": a.repeats,
    "steps_per_s": float(np.median(rates)),
    "runs": [round(x, 2) for x in rates],
    "rel_loss": loss(w) / loss(theta_s),  # final / initial loss of the last repeat (sanity check)
    "numpy": np.__version__,
}))
