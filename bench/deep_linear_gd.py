"""NumPy twin of bench/deep-linear-gd.mjs: full-batch GD with a fixed lr on l(w) = (1/2n)||Xw - y||^2 for the
deep linear network w = (W_L ... W_1)^T, one step as in ftlab's trainDeepLinear: W_j -= lr * grad_j, then
w by a vector-matrix chain, r = Xw - y, g = X^T r / n, and the rank-one layer gradients
grad_j = a_j (W_{j-1} ... W_1 g)^T, a_j = (W_L ... W_{j+1})^T (same layer shapes, same data up to libm's
last bits). ftlab also computes the norms its stopping test needs each step; this plain loop does not.
Median steps/s over --repeats runs of --steps steps, one JSON line per depth."""
import argparse
import json
import sys
import time

sys.dont_write_bytecode = True  # no bench/__pycache__ from importing bench_common
from bench_common import normals, np, threads  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--d", type=int, default=500)
p.add_argument("--n", type=int, default=250)
p.add_argument("--width", type=int, default=500)
p.add_argument("--depths", default="2,3")
p.add_argument("--steps", type=int, default=200)
p.add_argument("--lr", type=float, default=0.01)
p.add_argument("--repeats", type=int, default=7)
a = p.parse_args()
d, n, k, K, lr = a.d, a.n, a.width, a.steps, a.lr

X = normals(n * d, 11).reshape(n, d)
teacher = normals(d, 12, 1 / np.sqrt(d))
y = X @ teacher


def end_to_end(Ws):
    v = Ws[-1][0]
    for W in reversed(Ws[:-1]):
        v = W.T @ v  # row vector times W_j
    return v


def gradients(Ws):
    """Layer gradients at Ws and the residual norm ||Xw - y||."""
    w = end_to_end(Ws)
    r = X @ w - y
    g = (X.T @ r) / n
    h = [g]
    for W in Ws[:-1]:
        h.append(W @ h[-1])
    grads = [None] * len(Ws)
    av = np.ones(1)
    for j in range(len(Ws) - 1, -1, -1):
        grads[j] = np.outer(av, h[j])
        if j > 0:
            av = Ws[j].T @ av
    return grads, float(np.sqrt(r @ r))


for L in [int(v) for v in a.depths.split(",") if v]:
    dims = [d] + [k] * (L - 1) + [1]
    W0 = [normals(dims[j + 1] * dims[j], 20 + j, 1 / np.sqrt(dims[j])).reshape(dims[j + 1], dims[j]) for j in range(L)]

    def run(K):
        Ws = [W.copy() for W in W0]
        grads, res = gradients(Ws)  # the first evaluation, outside the timing (as ftlab's set-up)
        t0 = time.perf_counter()
        for _ in range(K):
            for W, G in zip(Ws, grads):
                W -= lr * G
            grads, res = gradients(Ws)
        return time.perf_counter() - t0, res

    res0 = gradients(W0)[1]
    run(K)  # warm-up
    rates = []
    for _ in range(a.repeats):
        seconds, res = run(K)
        rates.append(K / seconds)
    print(json.dumps({
        "bench": "deep-linear-gd", "case": f"L={L} d={d} n={n} k={k}", "impl": "numpy", "threads": threads(),
        "depth": L, "d": d, "n": n, "width": k, "lr": lr, "steps": K, "repeats": a.repeats,
        "steps_per_s": float(np.median(rates)),
        "runs": [round(x, 2) for x in rates],
        "initial_rmse": res0 / np.sqrt(n),
        "final_rmse": res / np.sqrt(n),
        "numpy": np.__version__,
    }), flush=True)
