/**
 * WebAssembly SIMD (f64x2) twins of the least-squares kernels in ./linear.ts, compiled from
 * assembly/linear.ts by the AssemblyScript compiler at build time (dist/kernels/linear.wasm), loaded here from
 * disk (Node). The workspaces themselves live in ./wasmWorkspace.ts, shared with the explorer page, which compiles
 * the same bytes from its bundle (web/shims/wasm.ts). The plain TypeScript kernels stay the reference: a test holds
 * these to them at 1e-12 relative on odd shapes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KernelChoice } from './choice.js';
import { kernelWorkspaces, type WasmWorkspace } from './wasmWorkspace.js';

export { checkKernelChoice, type KernelChoice } from './choice.js';
export { WasmWorkspace, type WasmArray } from './wasmWorkspace.js';

let cached: WebAssembly.Module | null | undefined;

/** The compiled kernel module, or null where it is missing (not built) or SIMD is unsupported. */
export function wasmKernelModule(): WebAssembly.Module | null {
  if (cached !== undefined) return cached;
  cached = null;
  const candidates = [new URL('./linear.wasm', import.meta.url), new URL('../../dist/kernels/linear.wasm', import.meta.url)];
  for (const url of candidates) {
    const path = fileURLToPath(url);
    if (!existsSync(path)) continue;
    try {
      cached = new WebAssembly.Module(readFileSync(path));
    } catch {
      cached = null; // e.g. a runtime without WebAssembly SIMD
    }
    break;
  }
  return cached;
}

const workspaces = kernelWorkspaces(wasmKernelModule, "kernel: 'wasm' requested but the WebAssembly kernels are not available (build them with `npm run build`)");

/** A workspace for `floats` float64 values, or null when the WASM kernels are unavailable. */
export function createWasmWorkspace(floats: number): WasmWorkspace | null {
  return workspaces.create(floats);
}

/**
 * The workspace a solver call runs on, for `floats` float64 values: null for 'js'; for 'auto', null when the kernels
 * are not built or the problem does not fit one 32-bit linear memory (then the TypeScript kernels run); for 'wasm',
 * a RangeError that names `problem` and the reason instead of a silent fallback.
 */
export function workspaceFor(kernel: KernelChoice, floats: number, problem: string): WasmWorkspace | null {
  return workspaces.workspaceFor(kernel, floats, problem);
}
