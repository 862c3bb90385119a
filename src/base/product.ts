/**
 * The command people type, for messages written below the commands and by the get-token fast path (which runs
 * without oclif). Commands take it from oclif (`this.config.bin`). test/unit/base/product.test.ts holds it to
 * package.json's `oclif.bin`. Names of stored formats (keyring service, encryption contexts, bundle format) are
 * not this: they stay as they are when the command is renamed.
 */
export const BIN = 'entra-auth-cli'
