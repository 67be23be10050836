/**
 * Browser stand-in for src/kernels/wasm.ts: no WebAssembly kernel is loaded in the page, so every solver falls back
 * to its plain TypeScript kernel (the reference the WebAssembly twins are tested against).
 */
export type { WasmArray, WasmWorkspace } from '../../src/kernels/wasm.js';

export function wasmKernelModule(): null {
  return null;
}

export function createWasmWorkspace(_floats: number): null {
  return null;
}
