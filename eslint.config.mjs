// ESLint 9 flat config. The workflows/ override makes sandbox purity mechanical (docs/house-style.md §2.12).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/', 'lib/', 'coverage/', 'bench/results/', '.data/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // The lint-probe files exist only as stdin in test/unit/lint (they prove the purity rules fire).
        projectService: { allowDefaultProject: ['workflows/lint-probe.ts', 'activities/lint-probe.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-deprecated': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'object-shorthand': 'error',
      'no-restricted-syntax': ['error', { selector: 'ExportAllDeclaration', message: 'No export * barrels.' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code runs in the deterministic sandbox.' })),
            { name: 'undici', message: 'Workflows do no I/O; call an activity.' },
            { name: '@temporalio/client', message: 'Not sandbox-safe.' },
            { name: '@temporalio/worker', message: 'Not sandbox-safe.' },
            { name: '@temporalio/activity', message: 'Not sandbox-safe.' },
            { name: '@temporalio/testing', message: 'Not sandbox-safe.' },
          ],
          patterns: [
            {
              group: ['../activities', '../activities/*', '../../activities', '../../activities/*'],
              allowTypeImports: true,
              message: 'Workflows may only import activity types (import type).',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'setInterval', 'fetch', 'require'],
      'no-console': 'error',
    },
  },
  {
    files: ['activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: '@temporalio/workflow', message: 'Activities run outside the sandbox.' }] },
      ],
    },
  },
  {
    // The client library is usable without the command line: only client/cli/ knows about it.
    files: ['client/**/*.ts'],
    ignores: ['client/cli/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['./cli', './cli/*', '../cli', '../cli/*'], message: 'Library code must not import the CLI.' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  prettier,
);
