import type {PromptApi} from '../contract/index.js'

/**
 * Terminal prompts (inquirer), drawn on stderr so stdout stays clean for the product. @inquirer/prompts is imported
 * on the first question only: commands that never ask pay nothing for it.
 */
export function terminalPrompts(): PromptApi {
  const load = () => import('@inquirer/prompts')
  const context = {output: process.stderr}
  return {
    async confirm(message, options) {
      return (await load()).confirm({default: options?.default ?? false, message}, context)
    },
    async input(message, options) {
      return (await load()).input({default: options?.default, message}, context)
    },
    async password(message) {
      return (await load()).password({mask: '*', message}, context)
    },
  }
}

export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY)
}
