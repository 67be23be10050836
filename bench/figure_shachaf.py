"""NumPy recipe for Shachaf et al.'s deep-linear depth figure (ftlab `shachaf-depth`; digest shachaf-linear-teachers.md
§4 and §6.3 — the paper released no code, so the recipe is the digest's reimplementation protocol): fine-tune every
layer of a depth-L linear network f(x) = W_L ... W_1 x from its pretrained (balanced rank-one) weights by full-batch GD
with one fixed learning rate on l(w) = (1/2n)||X w - y||^2, until the training residual ||X w - y|| is below 1e-10 of
its start (checked every step), or the step limit, or the wall-time cap.

One step: w by a vector-matrix chain (v = W_L, v = v W_j), r = X w - y, g = X^T r / n, the forward chain h_1 = g,
h_{j+1} = W_j h_j, the backward chain a_L = 1, a_j = W_{j+1}^T a_{j+1}, then W_j -= lr * outer(a_j, h_j) for every
layer (all gradients at the same point).

Reads the folder written by bench/figure-shachaf.mjs: meta.json (lr, tolerance, step limit) and one sub-folder per
point (x, y, layer files, meta.json). Prints one JSON object per point; writes <point>/w_numpy.f64. argv: root, cap (s).
"""
import json
import os
import sys
import time

import numpy as np


def load(folder, name, shape):
    return np.fromfile(os.path.join(folder, name + ".f64"), dtype="<f8").reshape(shape)


def run_point(folder, lr, tol, max_steps, cap_s):
    p = json.load(open(os.path.join(folder, "meta.json")))
    n, d = p["n"], p["d"]
    X = load(folder, "x", (n, d))
    y = load(folder, "y", (n,))
    Ws = [load(folder, f"w{j}", tuple(shape)).copy() for j, shape in enumerate(p["shapes"])]
    L = len(Ws)
    t0 = time.perf_counter()
    stop, it, r0, rn = "max-steps", 0, None, np.nan
    while True:
        v = Ws[-1][0]
        for W in reversed(Ws[:-1]):
            v = v @ W
        r = X @ v - y
        rn = float(np.sqrt(r @ r))
        if r0 is None:
            r0 = rn
        if not np.isfinite(rn) or rn > 1e8 * r0:
            stop = "diverged"
            break
        if rn <= tol * r0:
            stop = "residual"
            break
        if it >= max_steps:
            break
        if it % 1000 == 0 and time.perf_counter() - t0 > cap_s:
            stop = "max-time"
            break
        h = [(X.T @ r) / n]
        for W in Ws[:-1]:
            h.append(W @ h[-1])
        a = np.ones(1)
        for j in range(L - 1, -1, -1):
            a_next = Ws[j].T @ a if j > 0 else None  # the backward chain uses W_j before its update
            Ws[j] -= lr * np.outer(a, h[j])
            a = a_next
        it += 1
    wall = time.perf_counter() - t0
    v.astype("<f8").tofile(os.path.join(folder, "w_numpy.f64"))
    return {"point": p["label"], "steps": it, "stop": stop, "wall_s": wall, "rel_residual": rn / r0 if r0 else 0.0}


if __name__ == "__main__":
    root = sys.argv[1]
    cap = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    meta = json.load(open(os.path.join(root, "meta.json")))
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        if os.path.isdir(folder):
            out = run_point(folder, meta["lr"], meta["tol"], meta["max_steps"], cap)
            out.update({"numpy": np.__version__, "threads": os.environ.get("OPENBLAS_NUM_THREADS", "default")})
            print(json.dumps(out), flush=True)
