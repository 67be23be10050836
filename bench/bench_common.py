"""Helpers shared by the NumPy per-step benchmarks: `normals` is the twin of bench/common.mjs (the same
mulberry32 uniforms bit for bit, Box-Muller cos branch), so the NumPy side trains on the same numbers as
ftlab (up to the last-bit differences of libm's log/cos), and thread reporting."""
import os
import sys

try:
    import numpy as np
except ImportError:
    print("numpy is not installed (pip install numpy)", file=sys.stderr)
    sys.exit(3)

_M32 = np.uint64(0xFFFFFFFF)


def _imul(a, b):
    """Low 32 bits of a*b for uint32 arrays (Math.imul on the bit patterns)."""
    return ((a.astype(np.uint64) * b.astype(np.uint64)) & _M32).astype(np.uint32)


def _uniforms(count, seed):
    k = np.arange(1, count + 1, dtype=np.uint64)
    s = ((np.uint64(seed & 0xFFFFFFFF) + k * np.uint64(0x6D2B79F5)) & _M32).astype(np.uint32)
    t = _imul(s ^ (s >> np.uint32(15)), s | np.uint32(1))
    t = ((t.astype(np.uint64) + _imul(t ^ (t >> np.uint32(7)), t | np.uint32(61)).astype(np.uint64)) & _M32).astype(np.uint32) ^ t
    return ((t ^ (t >> np.uint32(14))).astype(np.float64) + 0.5) / 4294967296.0


def normals(length, seed, scale=1.0):
    """N(0, scale^2) draws, the same sequence as normals(length, seed, scale) in bench/common.mjs."""
    u = _uniforms(2 * length, seed)
    return scale * (np.sqrt(-2.0 * np.log(u[0::2])) * np.cos(2.0 * np.pi * u[1::2]))


def threads():
    return os.environ.get("OPENBLAS_NUM_THREADS", "default")
