/**
 * The WebAssembly SIMD (f64x2) kernels' workspaces, whatever loaded the compiled module: in Node, ./wasm.ts reads
 * dist/kernels/linear.wasm from disk; in the explorer page, web/shims/wasm.ts compiles the same bytes inlined into the
 * bundle. Each solver call gets its own linear memory sized for its problem up front, so nothing grows inside a step
 * loop and typed-array views never detach. The plain TypeScript kernels stay the reference: a test holds these to
 * them at 1e-12 relative on odd shapes.
 */
import type { KernelChoice } from './choice.js';

interface KernelExports {
  gemv(a: number, rows: number, cols: number, x: number, out: number): void;
  residualAndGradient(x: number, n: number, d: number, w: number, y: number, r: number, g: number): number;
  rankOneUpdateGemvT(w: number, rows: number, cols: number, a: number, step: number, h: number, v: number, out: number): void;
  diagonalStep(wp: number, vp: number, wm: number, vm: number, beta: number, acc: number, g: number, d: number, scale: number, lr: number): void;
}

const PAGE = 65536;
const RESERVED = PAGE; // the module's own (stub runtime) data lives below this offset

/** A float64 array inside a workspace's linear memory. */
export interface WasmArray {
  /** Byte offset, as the kernels take it. */
  readonly ptr: number;
  readonly length: number;
  /** A view on the memory (valid for the workspace's lifetime: its memory never grows). */
  readonly view: Float64Array;
}

/** A kernel instance with a fixed-size memory holding the arrays of one solver call. */
export class WasmWorkspace {
  private readonly memory: WebAssembly.Memory;
  private readonly kernels: KernelExports;
  private next = RESERVED;
  private readonly end: number;

  constructor(module: WebAssembly.Module, floats: number) {
    const bytes = RESERVED + floats * 8 + 64 * 8; // a little slack for alignment
    const pages = Math.ceil(bytes / PAGE);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.end = pages * PAGE;
    const instance = new WebAssembly.Instance(module, {
      env: {
        memory: this.memory,
        abort: () => {
          throw new Error('wasm kernel aborted');
        },
      },
    });
    this.kernels = instance.exports as unknown as KernelExports;
  }

  /** Reserve an array (16-byte aligned), optionally filled from `from`. */
  alloc(length: number, from?: ArrayLike<number>): WasmArray {
    const ptr = (this.next + 15) & ~15;
    if (ptr + length * 8 > this.end) throw new RangeError('WasmWorkspace: out of reserved memory');
    this.next = ptr + length * 8;
    const view = new Float64Array(this.memory.buffer, ptr, length);
    if (from) view.set(from);
    return { ptr, length, view };
  }

  gemv(a: WasmArray, rows: number, cols: number, x: WasmArray, out: WasmArray): void {
    this.kernels.gemv(a.ptr, rows, cols, x.ptr, out.ptr);
  }

  residualAndGradient(x: WasmArray, n: number, d: number, w: WasmArray, y: WasmArray, r: WasmArray, g: WasmArray): number {
    return this.kernels.residualAndGradient(x.ptr, n, d, w.ptr, y.ptr, r.ptr, g.ptr);
  }

  /** W ← W − step · a hᵀ and out = Wᵀ v in one pass (see `rankOneUpdateGemvT` in ./linear.ts). */
  rankOneUpdateGemvT(w: WasmArray, rows: number, cols: number, a: WasmArray, step: number, h: WasmArray, v: WasmArray, out: WasmArray): void {
    this.kernels.rankOneUpdateGemvT(w.ptr, rows, cols, a.ptr, step, h.ptr, v.ptr, out.ptr);
  }

  /** One diagonal-network GD step in place (see `diagonalStep` in ./linear.ts). */
  diagonalStep(wp: WasmArray, vp: WasmArray, wm: WasmArray, vm: WasmArray, beta: WasmArray, acc: WasmArray, g: WasmArray, d: number, scale: number, lr: number): void {
    this.kernels.diagonalStep(wp.ptr, vp.ptr, wm.ptr, vm.ptr, beta.ptr, acc.ptr, g.ptr, d, scale, lr);
  }
}

/** How many solver workspaces ran on the WebAssembly kernels, and how many solver calls fell back to TypeScript. */
export interface KernelUse {
  wasm: number;
  js: number;
}

/** The workspace functions of ./wasm.ts over one way of loading the compiled module. */
export interface KernelWorkspaces {
  /** A workspace for `floats` float64 values, or null when the WASM kernels are unavailable. */
  create(floats: number): WasmWorkspace | null;
  /** See `workspaceFor` in ./wasm.ts. */
  workspaceFor(kernel: KernelChoice, floats: number, problem: string): WasmWorkspace | null;
  /** Counts since start-up (a snapshot). */
  use(): KernelUse;
}

/**
 * Workspaces on the module that `moduleOf` loads (null where it is missing or unsupported); `unavailable` is the
 * message for an explicit 'wasm' request that cannot be met.
 */
export function kernelWorkspaces(moduleOf: () => WebAssembly.Module | null, unavailable: string): KernelWorkspaces {
  const counts: KernelUse = { wasm: 0, js: 0 };
  const create = (floats: number): WasmWorkspace | null => {
    const module = moduleOf();
    if (!module) return null;
    const ws = new WasmWorkspace(module, floats);
    counts.wasm++;
    return ws;
  };
  return {
    create,
    workspaceFor(kernel, floats, problem) {
      if (kernel === 'js') {
        counts.js++;
        return null;
      }
      let ws: WasmWorkspace | null = null;
      try {
        ws = create(floats);
      } catch (e) {
        if (kernel === 'wasm') throw new RangeError(`kernel: 'wasm' cannot hold ${problem} (${(e as Error).message})`);
      }
      if (kernel === 'wasm' && !ws) throw new RangeError(unavailable);
      if (!ws) counts.js++;
      return ws;
    },
    use: () => ({ ...counts }),
  };
}
