import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The analyst console, bundled into dist/console/ and served by the API process under /console/.
 * NOTE: the server sends a strict CSP (script-src 'self'; style-src 'self'), so nothing may be
 * inlined: CSS is emitted as files (uPlot's included), assets are never turned into inline modules,
 * and no module-preload polyfill script is injected.
 */
export default defineConfig({
  root: here,
  base: '/console/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: 'es2022',
  },
});
