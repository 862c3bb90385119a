/** The package's `entra-auth-cli/plugin` entry: the same contract as the `entra-auth-cli-plugin-api` package. */
export * from './contract/index.js'
