// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'models/**', 'test-artifacts/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        window: 'readonly',
        document: 'readonly',
        EventSource: 'readonly',
        fetch: 'readonly',
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        URLSearchParams: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        navigator: 'readonly',
        location: 'readonly',
        localStorage: 'readonly',
        requestAnimationFrame: 'readonly',
        HTMLElement: 'readonly',
      },
    },
  },
  {
    // CommonJS files Node-RED loads (flows/nodes/*.cjs): require() is how they share code.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // core/ is pure: no I/O, clocks or randomness except through injected ports.
    files: ['device/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:fs*',
                'fs',
                'fs/*',
                'node:net',
                'node:http*',
                'node:child_process',
                'node:dgram',
                'node:os',
              ],
              message: 'core/ does no I/O: take a port instead.',
            },
            {
              // Only core's own files and, of protocol/, its errors, validation and record types.
              regex: '^\\.\\./(?!core/)(?!(\\.\\./)+protocol/(errors|validate|records/types)\\.js$)',
              message: 'core/ imports nothing of the other layers (only protocol errors, validation and record types).',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'Date', message: 'core/ takes time from the Clock port.' }],
    },
  },
  // The shared protocol imports neither side; the booth and the central server never import each other.
  {
    files: ['protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/device/*', '**/central/*', '**/provisioning/*', '**/test/*', '**/bench/*'],
              message: 'protocol/ is shared by the booth and the central server: it imports neither.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['central/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/device/*', '**/provisioning/*', '**/test/*'],
              message: 'central/ never imports booth internals: share through protocol/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['device/**/*.ts', 'provisioning/**/*.ts', 'flows/**/*.ts'],
    ignores: ['device/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/central/*'], message: 'the booth never imports the central server.' }] },
      ],
    },
  },
);
