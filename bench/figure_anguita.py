"""NumPy twin of the authors' fine-tuning recipe for Anguita et al.'s figure 3 (digest §8): full-batch GD on the
mean squared error of a two-layer diagonal network, lr 0.5, all four weight vectors updated simultaneously, stop
when the train MSE < 1e-4 or when beta stops moving (relative change < 1e-6 over a 5000-step window, twice).

Reads the points written by bench/figure-anguita.mjs (raw float64 files + meta.json), runs each to its stopping
rule (or a wall-time cap), and prints one JSON object per point on stdout.
"""
import json
import os
import sys
import time

import numpy as np


def run_point(folder, cap_s):
    meta = json.load(open(os.path.join(folder, "meta.json")))
    n, d = meta["n"], meta["d"]
    load = lambda name, shape: np.fromfile(os.path.join(folder, name + ".f64"), dtype="<f8").reshape(shape)
    X = load("x", (n, d))
    y = load("y", (n,))
    wp, vp, wm, vm = (load(k, (d,)).copy() for k in ("wp", "vp", "wm", "vm"))
    lr, tol, window, fp_tol = 0.5, 1e-4, 5000, 1e-6
    beta = wp * vp - wm * vm
    beta_prev = beta.copy()
    passed, it, stop = 0, 0, "max-time"
    t0 = time.perf_counter()
    while True:
        r = X @ beta - y
        mse = float(r @ r) / n
        if not np.isfinite(mse):
            stop = "diverged"
            break
        if mse < tol:
            stop = "residual"
            break
        if it > 0 and it % window == 0:
            den = float(beta_prev @ beta_prev)
            change = np.sqrt(float((beta - beta_prev) @ (beta - beta_prev)) / den) if den > 0 else np.inf
            passed = passed + 1 if change < fp_tol else 0
            beta_prev = beta.copy()
            if passed >= 2:
                stop = "stationary"
                break
            if time.perf_counter() - t0 > cap_s:
                break
        g = (2.0 / n) * (X.T @ r)
        step = lr * g
        wp, vp, wm, vm = wp - step * vp, vp - step * wp, wm + step * vm, vm + step * wm
        beta = wp * vp - wm * vm
        it += 1
    wall = time.perf_counter() - t0
    beta.astype("<f8").tofile(os.path.join(folder, "beta_numpy.f64"))
    return {"point": meta["label"], "iterations": it, "stop": stop, "wall_s": wall, "train_mse": mse}


if __name__ == "__main__":
    cap = float(sys.argv[2]) if len(sys.argv) > 2 else 300.0
    root = sys.argv[1]
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        if os.path.isdir(folder):
            print(json.dumps(run_point(folder, cap)), flush=True)
