// ESLint for the whole tree (`make lint`, part of `make test`). Product code (kube-client/, core/, plugin/, webhook/)
// is held to typescript-eslint's strict, type-aware rules and to size limits that keep each
// function one readable step; tests to the type-aware rules that catch real mistakes (floating
// promises, misused promises), reading raw API JSON as `any` where they must.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SOURCE = ['kube-client/**/*.ts', 'core/**/*.ts', 'plugin/**/*.ts', 'webhook/**/*.ts'];
// `_name` marks a binding kept for its position, or taken out of a rest spread on purpose.
const UNUSED = ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'test/images/**'] },
  js.configs.recommended,
  { languageOptions: { parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname } } },
  {
    // Plain JavaScript (the bin's launcher, the bundle's stand-in, this file, the test report, the
    // example server of docs/sigterm.md) is outside the TypeScript project: no type-aware rules,
    // Node's globals.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        __filename: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
  {
    files: SOURCE,
    extends: [tseslint.configs.strictTypeChecked],
    rules: {
      // Numbers in messages are the common case; objects and nullish values stay refused.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': UNUSED,
      // With noUncheckedIndexedAccess, `xs[i]!` after a length or find check is the idiom.
      '@typescript-eslint/no-non-null-assertion': 'off',
      complexity: ['error', 20],
      'max-depth': ['error', 4],
      'max-params': ['error', 5],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['test/**/*.ts', 'vitest.config.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    rules: {
      // Tests read the API server's JSON as it comes, untyped.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      '@typescript-eslint/no-unused-vars': UNUSED,
      // Fakes implement async interfaces without awaiting anything.
      '@typescript-eslint/require-await': 'off',
      // Retry loops start `let last = ''` and overwrite it on every path, for the reader.
      'no-useless-assignment': 'off',
    },
  },
);
