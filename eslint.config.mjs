// Lint: @eslint/js and typescript-eslint's recommended rules; prettier owns layout (.prettierrc.json, oclif's config).
// eslint-config-oclif 7 was tried first: its unicorn plugin needs Node 22 (Set methods), and we run on Node 20.
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/', '**/node_modules/', '**/dist/', 'oclif.manifest.json', '.test-tmp/', 'bench/results/']},
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {globals: {...globals.node}},
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {argsIgnorePattern: '^_', caughtErrors: 'none', varsIgnorePattern: '^_'},
      ],
      eqeqeq: ['error', 'always', {null: 'ignore'}],
      'no-var': 'error',
      'prefer-const': ['error', {ignoreReadBeforeAssign: true}],
    },
  },
  {
    // CommonJS entry points and plugin fixtures: require() is how they load code.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {sourceType: 'commonjs'},
    rules: {'@typescript-eslint/no-require-imports': 'off', 'no-redeclare': ['error', {builtinGlobals: false}]},
  },
  prettier,
)
