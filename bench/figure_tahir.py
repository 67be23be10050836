"""NumPy twin of the authors' recipe for Tahir et al.'s deep-linear transfer figures (javantahir/features_are_fate,
transfer.py/train.py with launch/phase_diagram.sh and launch/scratch.sh; digest features-are-fate.md §2, §5, §8).

Two-layer linear network f(x) = x^T W_1 w_2 (W_1: d x k, w_2: k), full-batch GD (torch SGD without momentum):
  pretraining  population loss ||beta_s - W_1 w_2||^2, lr 0.01, <= 5000 steps, stop when the loss <= 1e-6;
  fine-tuning  mean squared error (1/n)||X W_1 w_2 - y||^2 from the pretrained weights, lr 0.01, exactly 5000 steps
               (min_err = 0: no early stopping);
  scratch      the same loss from the small initialisation, lr 0.1, <= 10000 steps, stop when the loss <=
               (least-squares floor ||y - X X^+ y||^2 / n, 0 when n < d) + 1e-6;
  linear transfer (lambda = 0.1) the authors' ridge refit of w_2 on the frozen features F = X W_1:
               (F^T F + n lambda I)^{-1} F^T y (here in float64, np.linalg.solve).
As in the authors' trainer, the loss is evaluated before each step and the stopping test runs every 100 steps
(save_freq 100) after that step has been taken.

One step in its fastest NumPy form: matrix-vector chains (beta = W_1 w_2, r = X beta - y, g = (2/n) X^T r,
h = W_1^T g) and an in-place BLAS rank-one update of W_1 (scipy.linalg.blas.dger on the Fortran-ordered W_1,
which is ftlab's row-major W_1^T read without a copy); never an n x d x d product.

Reads the folder written by bench/figure-tahir.mjs (raw float64 files + meta.json), prints one JSON object per line:
the pretraining, then each point (fine-tuning, scratch, linear transfer), each with wall time and steps; writes
the end points as <point>/beta_ft_numpy.f64, beta_sc_numpy.f64, beta_lt_numpy.f64. A wall-time cap per run (argv[2],
seconds) stops a run early ("max-time"): its time is then a lower bound.
"""
import json
import os
import sys
import time

import numpy as np

try:
    from scipy.linalg.blas import dger
except ImportError:  # plain NumPy: the rank-one update through np.outer (a little slower)
    dger = None

FT_LR, FT_STEPS = 0.01, 5000
SC_LR, SC_STEPS = 0.1, 10000
PRE_LR, PRE_STEPS, TOL = 0.01, 5000, 1e-6
CHECK_EVERY = 100


def load(folder, name, shape):
    return np.fromfile(os.path.join(folder, name + ".f64"), dtype="<f8").reshape(shape)


def layers(folder, prefix, d, k):
    """(W_1 as a Fortran-ordered d x k array, w_2) from ftlab's row-major W_1^T (k x d) and w_2 files."""
    w1t = load(folder, prefix + "_w1", (k, d)).copy()
    return w1t.T, load(folder, prefix + "_w2", (k,)).copy()  # w1t.T is F-contiguous: dger updates it in place


def rank_one(W, alpha, x, y):
    """W += alpha * outer(x, y), in place."""
    if dger is not None:
        out = dger(alpha, x, y, a=W, overwrite_a=1)
        if out is not W:  # not in place (should not happen for an F-contiguous float64 W)
            W[...] = out
    else:
        W += alpha * np.outer(x, y)


def train(X, y, W, w2, lr, max_steps, min_err, cap_s):
    """Full-batch GD on (1/n)||X W w2 - y||^2; returns (steps, stop, last loss, seconds)."""
    n = X.shape[0]
    t0 = time.perf_counter()
    stop, loss = "max-steps", np.nan
    for k in range(max_steps):
        beta = W @ w2
        r = X @ beta - y
        loss = float(r @ r) / n
        if not np.isfinite(loss):
            stop = "diverged"
            return k, stop, loss, time.perf_counter() - t0
        g = (2.0 / n) * (X.T @ r)
        h = W.T @ g  # gradient of w2, at the weights before the step
        rank_one(W, -lr, g, w2)  # gradient of W_1 is outer(g, w2)
        w2 -= lr * h
        if k % CHECK_EVERY == 0:
            if loss <= min_err:
                return k + 1, "min-err", loss, time.perf_counter() - t0
            if time.perf_counter() - t0 > cap_s:
                return k + 1, "max-time", loss, time.perf_counter() - t0
    return max_steps, stop, loss, time.perf_counter() - t0


def pretrain(root, meta, cap_s):
    d, k = meta["d"], meta["width"]
    beta_s = load(root, "beta_s", (d,))
    W, w2 = layers(root, "init", d, k)
    t0 = time.perf_counter()
    stop, steps, loss = "max-steps", PRE_STEPS, np.nan
    for it in range(PRE_STEPS):
        e = W @ w2 - beta_s
        loss = float(e @ e)
        g = 2.0 * e
        h = W.T @ g
        rank_one(W, -PRE_LR, g, w2)
        w2 -= PRE_LR * h
        if it % CHECK_EVERY == 0:
            if loss <= TOL:
                steps, stop = it + 1, "min-err"
                break
            if time.perf_counter() - t0 > cap_s:
                steps, stop = it + 1, "max-time"
                break
    wall = time.perf_counter() - t0
    w = W @ w2
    w.astype("<f8").tofile(os.path.join(root, "w0_numpy.f64"))
    return {"kind": "pretrain", "wall_s": wall, "steps": steps, "stop": stop, "loss": loss}


def run_point(root, folder, meta, cap_s):
    d, k = meta["d"], meta["width"]
    p = json.load(open(os.path.join(folder, "meta.json")))
    n = p["n"]
    X = load(root, p["x"], (n, d))
    y = load(folder, "y", (n,))
    out = {"kind": "point", "point": p["label"]}
    # Fine-tuning: every layer from the pretrained weights, a fixed 5000 steps.
    W, w2 = layers(root, "pre", d, k)
    steps, stop, loss, wall = train(X, y, W, w2, FT_LR, FT_STEPS, 0.0, cap_s)
    (W @ w2).astype("<f8").tofile(os.path.join(folder, "beta_ft_numpy.f64"))
    out.update({"ft_s": wall, "ft_steps": steps, "ft_stop": stop, "ft_loss": loss})
    # Scratch: the small initialisation, stop at the least-squares floor + 1e-6 (the floor's cost is counted).
    t0 = time.perf_counter()
    floor = 0.0
    if n >= d:
        coef = np.linalg.lstsq(X, y, rcond=None)[0]
        res = y - X @ coef
        floor = float(res @ res) / n
    floor_s = time.perf_counter() - t0
    W, w2 = layers(root, "scratch", d, k)
    steps, stop, loss, wall = train(X, y, W, w2, SC_LR, SC_STEPS, floor + TOL, cap_s)
    (W @ w2).astype("<f8").tofile(os.path.join(folder, "beta_sc_numpy.f64"))
    out.update({"sc_s": wall + floor_s, "sc_steps": steps, "sc_stop": stop, "sc_loss": loss, "sc_floor": floor})
    # Linear transfer at the plotted lambda = 0.1: the authors' d x d ridge system on the pretrained features.
    lam = 0.1
    t0 = time.perf_counter()
    W, w2 = layers(root, "pre", d, k)
    F = X @ W
    c = np.linalg.solve(F.T @ F + n * lam * np.eye(k), F.T @ y)
    (W @ c).astype("<f8").tofile(os.path.join(folder, "beta_lt_numpy.f64"))
    out["lt_s"] = time.perf_counter() - t0
    return out


if __name__ == "__main__":
    root = sys.argv[1]
    cap = float(sys.argv[2]) if len(sys.argv) > 2 else 120.0
    meta = json.load(open(os.path.join(root, "meta.json")))
    info = {"numpy": np.__version__, "blas_rank_one": "scipy dger" if dger is not None else "np.outer", "threads": os.environ.get("OPENBLAS_NUM_THREADS", "default")}
    print(json.dumps({**pretrain(root, meta, cap), **info}), flush=True)
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        if os.path.isdir(folder):
            print(json.dumps(run_point(root, folder, meta, cap)), flush=True)
