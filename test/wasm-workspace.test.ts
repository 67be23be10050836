// The kernel workspaces over a module loader (src/kernels/wasmWorkspace.ts), as the Node loader and the explorer's
// browser loader use them: the kernel choice, the message of an unmet 'wasm' request, and the counts of solver calls.
import { describe, expect, it } from 'vitest';
import { wasmKernelModule } from '../src/kernels/wasm.js';
import { kernelWorkspaces } from '../src/kernels/wasmWorkspace.js';

describe('kernelWorkspaces', () => {
  it('runs on the module where it loads and counts each solver call by kernel', () => {
    const module = wasmKernelModule();
    expect(module).not.toBeNull();
    const ws = kernelWorkspaces(() => module, 'unavailable');
    expect(ws.workspaceFor('auto', 16, 'a 4×4 problem')).not.toBeNull();
    expect(ws.workspaceFor('wasm', 16, 'a 4×4 problem')).not.toBeNull();
    expect(ws.workspaceFor('js', 16, 'a 4×4 problem')).toBeNull();
    expect(ws.create(16)).not.toBeNull();
    expect(ws.use()).toEqual({ wasm: 3, js: 1 });
  });

  it('falls back to TypeScript for auto without a module, and names the reason for an explicit wasm request', () => {
    let loads = 0;
    const ws = kernelWorkspaces(() => {
      loads++;
      return null;
    }, "kernel: 'wasm' requested but this browser cannot run the WebAssembly SIMD kernels (use 'auto' or 'js')");
    expect(ws.workspaceFor('js', 16, 'a 4×4 problem')).toBeNull();
    expect(loads).toBe(0);
    expect(ws.workspaceFor('auto', 16, 'a 4×4 problem')).toBeNull();
    expect(() => ws.workspaceFor('wasm', 16, 'a 4×4 problem')).toThrow("kernel: 'wasm' requested but this browser cannot run the WebAssembly SIMD kernels (use 'auto' or 'js')");
    expect(ws.use()).toEqual({ wasm: 0, js: 2 });
  });

  it("says which problem does not fit for an explicit 'wasm' request, and falls back for 'auto'", () => {
    const ws = kernelWorkspaces(wasmKernelModule, 'unavailable');
    const huge = 2 ** 30; // 8 GiB of float64: more than one 32-bit linear memory
    expect(() => ws.workspaceFor('wasm', huge, 'a 32768×32768 problem')).toThrow(/^kernel: 'wasm' cannot hold a 32768×32768 problem \(/);
    expect(ws.workspaceFor('auto', huge, 'a 32768×32768 problem')).toBeNull();
    expect(ws.use()).toEqual({ wasm: 0, js: 1 });
  });
});
