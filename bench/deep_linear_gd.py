"""NumPy twin of bench/deep-linear-gd.mjs: full-batch GD with a fixed lr on l(w) = (1/2n)||Xw - y||^2 for the
deep linear network w = (W_L ... W_1)^T, with the same algorithm as ftlab's trainDeepLinear in its fastest NumPy
form: the rank-one layer gradients grad_j = a_j h_j^T, a_j = (W_L ... W_{j+1})^T, h_j = W_{j-1} ... W_1 g, are kept
as factors and applied in place by BLAS dger (SciPy); the backward chain gives every a_j and w at once; then
r = Xw - y, g = X^T r / n and the forward chain h (same layer shapes, same data up to libm's last bits). ftlab
also computes the norms its stopping test needs each step; this plain loop does not.
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


try:  # BLAS's in-place rank-one update; about 2.5x faster than W -= lr * np.outer(a, h)
    from scipy.linalg.blas import dger
except ImportError:  # pragma: no cover - SciPy is on the benchmark machines
    dger = None


def rank_one_update(W, step, a, h):
    """W -= step * a h^T in place. W is C-contiguous, so W.T is Fortran-contiguous and BLAS updates it in place."""
    if dger is None:
        W -= step * np.outer(a, h)
        return
    out = dger(-step, h, a, a=W.T, overwrite_a=1)
    assert np.shares_memory(out, W)


def evaluate(Ws):
    """The rank-one factors (a_j, h_j) of every layer gradient and the residual norm ||Xw - y||: a_j by the
    backward chain a_{j-1} = W_j^T a_j (whose last product is w), r = Xw - y, g = X^T r / n, h_{j+1} = W_j h_j."""
    L = len(Ws)
    a = [None] * L
    a[L - 1] = np.ones(1)
    for j in range(L - 1, 0, -1):
        a[j - 1] = Ws[j].T @ a[j]
    w = Ws[0].T @ a[0]
    r = X @ w - y
    g = (X.T @ r) / n
    h = [g]
    for W in Ws[:-1]:
        h.append(W @ h[-1])
    return a, h, float(np.sqrt(r @ r))


for L in [int(v) for v in a.depths.split(",") if v]:
    dims = [d] + [k] * (L - 1) + [1]
    W0 = [normals(dims[j + 1] * dims[j], 20 + j, 1 / np.sqrt(dims[j])).reshape(dims[j + 1], dims[j]) for j in range(L)]

    def run(K):
        Ws = [W.copy() for W in W0]
        fa, fh, res = evaluate(Ws)  # the first evaluation, outside the timing (as ftlab's set-up)
        t0 = time.perf_counter()
        for _ in range(K):
            for W, aj, hj in zip(Ws, fa, fh):
                rank_one_update(W, lr, aj, hj)
            fa, fh, res = evaluate(Ws)
        return time.perf_counter() - t0, res

    res0 = evaluate(W0)[2]
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
