/**
 * Browser stand-in for src/kernels/wasm.ts: no WebAssembly kernel is loaded in the page, so every solver falls back
 * to its plain TypeScript kernel (the reference the WebAssembly twins are tested against).
 */
import type { KernelChoice } from '../../src/kernels/choice.js';

export type { WasmArray, WasmWorkspace } from '../../src/kernels/wasm.js';
export { checkKernelChoice, type KernelChoice } from '../../src/kernels/choice.js';

export function wasmKernelModule(): null {
  return null;
}

export function createWasmWorkspace(_floats: number): null {
  return null;
}

/** As in src/kernels/wasm.ts: 'auto' and 'js' run the TypeScript kernels; 'wasm' is an error here. */
export function workspaceFor(kernel: KernelChoice, _floats: number, _problem: string): null {
  if (kernel === 'wasm') throw new RangeError("kernel: 'wasm' is not available in the browser build (use 'auto' or 'js')");
  return null;
}
