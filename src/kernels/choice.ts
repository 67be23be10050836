/**
 * The `kernel` option of the step loops: WebAssembly SIMD ('wasm', kernels/wasm.ts), the TypeScript reference twins
 * ('js', kernels/linear.ts), or wasm when it is built and supported ('auto'). Kept apart from kernels/wasm.ts, which
 * reads the compiled module from disk, so that the browser build can share it.
 */
export type KernelChoice = 'js' | 'wasm' | 'auto';

/** Validate a `kernel` option (undefined → 'auto'). */
export function checkKernelChoice(v: unknown): KernelChoice {
  const k = v ?? 'auto';
  if (k !== 'js' && k !== 'wasm' && k !== 'auto') throw new RangeError(`kernel: expected 'js', 'wasm' or 'auto' (got ${String(v)})`);
  return k;
}
