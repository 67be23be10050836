// Vite build of the explorer page (web/). `vite build` writes dist/web, served by `ftlab serve`; `vite build --mode
// site` (`npm run build:site`) writes the same page as a self-contained static site into site/: relative URLs
// throughout, so it works from any static file server at any sub-path, with theory and simulations in the browser
// and no stored results (the page knows it is the static site from `import.meta.env.MODE`). The page imports
// ftlab's own TypeScript modules (src/) directly; the WebAssembly kernel loader reads a file from disk, so in the
// browser it is replaced by web/shims/wasm.ts, which inlines the compiled kernels (dist/kernels/linear.wasm).
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(fileURLToPath(new URL('./package.json', import.meta.url)), 'utf8')) as { version: string };

/** The mode of `vite build --mode site`: the static site. */
const SITE_MODE = 'site';

export default defineConfig(({ mode }) => ({
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
    outDir: fileURLToPath(new URL(mode === SITE_MODE ? './site' : './dist/web', import.meta.url)),
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
}));
