// Vite build of the explorer page (web/) into dist/web, served by `ftlab serve`. The page imports ftlab's own
// TypeScript modules (src/) directly; the WebAssembly kernel loader reads a file from disk, so in the browser it is
// replaced by a stub that reports no kernel, and the solvers use their plain TypeScript kernels (the reference twins).
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(fileURLToPath(new URL('./package.json', import.meta.url)), 'utf8')) as { version: string };

export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: './',
  logLevel: 'warn',
  // The ftlab version every export of the page names.
  define: { __FTLAB_VERSION__: JSON.stringify(version) },
  resolve: {
    alias: [{ find: /^(\.\.\/)+kernels\/wasm\.js$/, replacement: fileURLToPath(new URL('./web/shims/wasm.ts', import.meta.url)) }],
  },
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    sourcemap: true,
    rollupOptions: {
      // zod's sources carry comments Rollup cannot place; they are dropped harmlessly, so the notice is noise.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION') return;
        warn(warning);
      },
    },
  },
});
