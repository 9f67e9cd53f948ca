/**
 * Builds the console into console/dist: hashed assets, nothing inline and nothing from elsewhere, so
 * local mode (and the deployment) can serve it under a strict Content-Security-Policy.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  resolve: {
    alias: [{ find: /^url$/, replacement: fileURLToPath(new URL('src/shims/node-url.ts', import.meta.url)) }],
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline script: the module-preload polyfill would be one, and every supported browser has it.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
