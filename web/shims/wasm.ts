/**
 * Browser twin of src/kernels/wasm.ts (the page's build aliases that module here): the compiled WebAssembly SIMD
 * kernels (dist/kernels/linear.wasm, about 4 KB) are inlined into the bundle and compiled synchronously on first use,
 * so the simulations in the Web Worker run on them wherever the browser supports WebAssembly SIMD; elsewhere every
 * solver falls back to its plain TypeScript kernel (the reference the WebAssembly twins are tested against).
 */
import kernelDataUrl from '../../dist/kernels/linear.wasm?url&inline';
import type { KernelChoice } from '../../src/kernels/choice.js';
import { kernelWorkspaces, type KernelUse, type WasmWorkspace } from '../../src/kernels/wasmWorkspace.js';

export { WasmWorkspace, type WasmArray, type KernelUse } from '../../src/kernels/wasmWorkspace.js';
export { checkKernelChoice, type KernelChoice } from '../../src/kernels/choice.js';

let cached: WebAssembly.Module | null | undefined;

/** The bytes of a base64 `data:` URL. */
function dataUrlBytes(url: string): Uint8Array<ArrayBuffer> {
  const text = atob(url.slice(url.indexOf(',') + 1));
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The compiled kernel module, or null where this browser cannot compile it (no WebAssembly, or no SIMD). */
export function wasmKernelModule(): WebAssembly.Module | null {
  if (cached !== undefined) return cached;
  try {
    cached = new WebAssembly.Module(dataUrlBytes(kernelDataUrl));
  } catch {
    cached = null;
  }
  return cached;
}

const workspaces = kernelWorkspaces(wasmKernelModule, "kernel: 'wasm' requested but this browser cannot run the WebAssembly SIMD kernels (use 'auto' or 'js')");

/** A workspace for `floats` float64 values, or null when the WASM kernels are unavailable. */
export function createWasmWorkspace(floats: number): WasmWorkspace | null {
  return workspaces.create(floats);
}

/** As in src/kernels/wasm.ts: 'auto' runs on the WebAssembly kernels where this browser has them, else TypeScript. */
export function workspaceFor(kernel: KernelChoice, floats: number, problem: string): WasmWorkspace | null {
  return workspaces.workspaceFor(kernel, floats, problem);
}

/** How many solver calls of this page (or worker) ran on the WebAssembly kernels and how many on TypeScript. */
export function kernelUse(): KernelUse {
  return workspaces.use();
}

/** The kernels counted in `use` (the difference of two `kernelUse()` snapshots), in words ("" when no solver ran). */
export function describeKernels(use: KernelUse): string {
  if (use.wasm > 0 && use.js === 0) return 'on the WebAssembly SIMD kernels';
  if (use.wasm === 0 && use.js > 0) return 'on the TypeScript kernels';
  if (use.wasm > 0) return `on the WebAssembly SIMD kernels (${use.js} of ${use.wasm + use.js} solver calls on the TypeScript ones)`;
  return '';
}

/** The solver calls counted in `after` and not in `before` (two `kernelUse()` snapshots). */
export function kernelUseSince(before: KernelUse, after: KernelUse = kernelUse()): KernelUse {
  return { wasm: after.wasm - before.wasm, js: after.js - before.js };
}
