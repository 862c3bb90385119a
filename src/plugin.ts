/** The package's `entra-auth-cli/plugin` entry: the contract flows and secret stores are written against. */
export * from './contract/index.js'
