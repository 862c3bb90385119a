/**
 * The version of the plugin contract these types describe. Every registration carries the version it was written
 * against (`defineFlow`/`defineStore` fill it in); entra-auth-cli refuses a registration whose version it does not
 * speak, naming the plugin and both versions. It changes only when an old plugin would misbehave under a new CLI.
 */
export const CONTRACT_VERSION = 1
