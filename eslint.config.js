// ESLint for the host side (`make lint`, run by `make test`): host-tools/, bench/, test/ and scripts/.
// firmware/ and app/ are AssemblyScript (their i32 / u8 / @inline are not TypeScript's), and
// test/*/fixtures/*.ts are AssemblyScript too. One layout rule, max-len at .editorconfig's 120 columns;
// the rest of the layout is .editorconfig's.
// Syntax-only (no type information), so a run takes seconds; tsc (`make typecheck`) does the types.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The Node globals the .mjs entries use (TypeScript files get theirs from @types/node via tsc).
const nodeGlobals = { process: 'readonly', console: 'readonly', URL: 'readonly' };

export default tseslint.config(
  { ignores: ['build/', 'node_modules/', 'firmware/', 'app/', 'examples/', 'templates/', 'test/*/fixtures/'] },
  {
    files: ['host-tools/**/*.{ts,mjs}', 'bench/**/*.ts', 'test/**/*.ts', 'scripts/**/*.mjs', '*.{js,ts}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: nodeGlobals },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A leading `_` marks a parameter an interface requires but this implementation does not read.
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_',
        destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true,
      }],
      // `let board: VirtualBoard | undefined` before a callback that reads it (`board?.millis() ?? 0`)
      // and the one assignment after: the callback may run while the board is being built, so a
      // const there would be a TDZ ReferenceError.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // .editorconfig's 120 columns; a regex literal cannot be wrapped, so a line holding one may run longer.
      'max-len': ['error', { code: 120, ignoreRegExpLiterals: true }],
    },
  },
  {
    // Expected CLI output is written as printed: its two-space indents and hex-dump gaps are
    // text to match, not a count to write as ` {2}`.
    files: ['test/**/*.ts'],
    rules: { 'no-regex-spaces': 'off' },
  },
);
