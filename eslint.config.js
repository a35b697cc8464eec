// Lint rules that matter for a protocol codebase: correctness rules from the
// recommended sets, plus layering — the pure protocol folders must not reach
// for I/O (shared/design.md: "Pure protocol code has no I/O").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const pureLayers = ['src/syncml/**', 'src/notification/**', 'src/session/**', 'src/tree/**', 'src/mo/**'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: pureLayers,
    ignores: ['src/tree/file-store.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['node:*', 'fs', 'net', 'http', 'https', 'dgram', 'child_process'], message: 'pure protocol layer: no I/O imports' }],
      }],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'pure protocol layer: time is a parameter' },
        { object: 'Math', property: 'random', message: 'pure protocol layer: randomness is a parameter' },
      ],
    },
  },
  {
    files: ['src/security/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['node:fs', 'node:net', 'node:http', 'node:https', 'node:dgram', 'node:child_process'], message: 'crypto layer: node:crypto only' }],
      }],
    },
  },
);
