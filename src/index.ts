/** Public entry for plugin authors: `import {defineFlow, type Flow} from 'entra-auth-cli/plugin'`. */
export * from './plugin.js'
