import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The lineage page served by `kfm serve` at /ui/ (src/serve/handlers/ui.ts reads dist/ui). One
// script and one stylesheet, everything bundled: nothing is fetched from elsewhere at run time.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  logLevel: 'info',
  clearScreen: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: false,
    sourcemap: false,
    // Files, not data: URLs, so the page's policy needs no `data:` source (handlers/ui.ts).
    assetsInlineLimit: 0,
  },
});
