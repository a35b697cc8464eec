// The web console's build (docs/console.md): Preact through esbuild's JSX
// transform (no plugin needed), emitted into dist/console where
// `dmvisor server` serves it. Vitest runs the pure logic's unit tests.
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
    // One small bundle; no inline scripts or styles, so the server's CSP can forbid them.
    assetsInlineLimit: 0,
  },
  test: {
    root: here,
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
