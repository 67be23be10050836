"""NumPy twin of bench/diagonal-gd.mjs: full-batch GD on L = (1/n)||X beta - y||^2 for the diagonal network
beta = w+ * v+ - w- * v-, the step of ftlab's trainDiagonalGD (same data, bit-identical up to libm's last
bits; same simultaneous update, same running sum of the gradient for the fixed-point test). Median steps/s
over --repeats runs of --steps steps, one JSON line per size."""
import argparse
import json
import sys
import time

sys.dont_write_bytecode = True  # no bench/__pycache__ from importing bench_common
from bench_common import normals, np, threads  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--d", type=int, default=5000)
p.add_argument("--n", default="250,1500")
p.add_argument("--steps", default="300,80")
p.add_argument("--repeats", type=int, default=7)
a = p.parse_args()
d = a.d
ns = [int(v) for v in a.n.split(",") if v]
steps = [int(v) for v in a.steps.split(",") if v]
LR, RHO = 0.5, 0.1

for c, n in enumerate(ns):
    K = steps[min(c, len(steps) - 1)]
    X = normals(n * d, 1, 1 / np.sqrt(d)).reshape(n, d)
    z = normals(d, 2, 1 / np.sqrt(RHO))
    beta_star = np.where(np.arange(d) % 10 == 0, z, 0.0)
    y = X @ beta_star
    w0 = np.sqrt(0.5)  # (c, lambda) = (1, 0): w = v = sqrt(c/2)

    def run(K):
        wp, vp, wm, vm = (np.full(d, w0) for _ in range(4))
        beta = wp * vp - wm * vm
        acc = np.zeros(d)
        for _ in range(K):
            r = X @ beta - y
            g = (2.0 / n) * (X.T @ r)  # dL/dbeta for the mean squared error
            step = LR * g
            wp, vp, wm, vm = wp - step * vp, vp - step * wp, wm + step * vm, vm + step * wm
            beta = wp * vp - wm * vm
            acc += g
        return beta

    mse = lambda b: float(np.mean((X @ b - y) ** 2))
    run(K)  # warm-up
    rates = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        beta = run(K)
        rates.append(K / (time.perf_counter() - t0))
    print(json.dumps({
        "bench": "diagonal-gd", "case": f"d={d} n={n}", "impl": "numpy", "threads": threads(),
        "d": d, "n": n, "steps": K, "repeats": a.repeats,
        "steps_per_s": float(np.median(rates)),
        "runs": [round(x, 2) for x in rates],
        "initial_mse": mse(np.zeros(d)),
        "final_mse": mse(beta),
        "numpy": np.__version__,
    }), flush=True)
