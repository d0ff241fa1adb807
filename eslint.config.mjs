// ESLint for the whole repository (`npm run lint`, a stage of `npm test`; no warnings allowed).
// TypeScript files get typescript-eslint's type-aware recommended rules (through the project
// service, with tsconfig.json's strict settings), the panels add the Lit and lit-a11y rule sets,
// and the plain JavaScript files (scripts, bench, demo, configs) get the JavaScript rules.
// Formatting is Prettier's job (`npm run format`): the only layout rule here is the line length.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import lit from 'eslint-plugin-lit';
import litA11y from 'eslint-plugin-lit-a11y';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['**/dist/', '**/node_modules/', '.test-results/', 'bench/results/', 'packages/panels/custom-elements.json'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },

  // Every file: the JavaScript recommended rules, Node and browser globals (tests and the demo
  // page's scripts run in both).
  js.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      // `catch {}` and `() => {}` placeholders are written on purpose; say so with a comment.
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      'no-var': 'error',
      // Lines at most 140 characters. Prettier wraps code at 140 but never breaks a string, a
      // template literal or a comment: comments are checked here, long strings stay whole.
      // (Deprecated in ESLint core but kept until ESLint 11; @stylistic/max-len is its successor.)
      'max-len': [
        'error',
        { code: 140, tabWidth: 2, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true },
      ],
    },
  },

  // TypeScript: type-aware rules. The project service reads tsconfig.json (packages/*/src,
  // packages/*/test, test/, vitest.config.ts).
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // No `any` (the project's rule); `unknown` and a check instead.
      '@typescript-eslint/no-explicit-any': 'error',
      // Type-only imports say so (tsconfig has verbatimModuleSyntax).
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // A promise nobody awaits hides its rejection: await it, return it, or mark it with `void`.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      // A switch over a union or a const-object enum handles every member (or has a default).
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // `return promise` inside try/catch skips the catch when it rejects: await it there.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      // Deprecated APIs (Node's, the DOM's, our own `@deprecated`) are not used.
      '@typescript-eslint/no-deprecated': 'error',
      // `a || b` also replaces 0 and '': `??` says "only when missing".
      '@typescript-eslint/prefer-nullish-coalescing': 'error',
      '@typescript-eslint/prefer-optional-chain': 'error',
      '@typescript-eslint/prefer-includes': 'error',
      '@typescript-eslint/no-unnecessary-boolean-literal-compare': 'error',
      // With verbatimModuleSyntax, `import { type A } from 'x'` still loads 'x': write `import type`.
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // An async method that implements an async interface need not await; the promise rules above
      // catch the real mistakes.
      '@typescript-eslint/require-await': 'off',
      // `LevelName | string` keeps the known names in editors' completions on purpose.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // Written for `const self = this` in pre-arrow code; here `this` is stored on purpose (a default instance).
      '@typescript-eslint/no-this-alias': 'off',
      // Template literals interpolate numbers and booleans freely; objects and `undefined` are a bug.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: false }],
    },
  },

  // Tests: JSON read from the wire or from files is checked by assertions, not by types.
  {
    files: ['packages/*/test/**/*.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // `expect(object.method).toBe(…)` and spies reference methods without calling them.
      '@typescript-eslint/unbound-method': 'off',
      // Messages of failed assertions may print `undefined`; `raw.toString()` of a ws frame is a Buffer's.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },

  // The panels are Lit elements: template rules and accessibility rules for their templates.
  {
    files: ['packages/panels/src/**/*.ts'],
    extends: [lit.configs['flat/recommended'], litA11y.configs.recommended],
    rules: {
      // Lit calls the listeners of a template (`@click=${this.resume}`) with the element as `this`.
      '@typescript-eslint/unbound-method': 'off',
    },
  },

  // Browser tests run under @web/test-runner's mocha.
  {
    files: ['test/browser/**/*.ts', 'packages/*/test/**/*.browser.test.ts'],
    languageOptions: { globals: globals.mocha },
  },
);
