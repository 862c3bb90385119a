import {CliError} from '../base/errors.js'

/** The shells `env` writes for; sh covers dash, ksh and any POSIX shell. */
export const SHELLS = ['bash', 'zsh', 'sh', 'fish', 'pwsh'] as const
export type Shell = (typeof SHELLS)[number]

/** The shell the user runs, from $SHELL (PowerShell on Windows, where $SHELL is usually unset); bash when unknown. */
export function defaultShell(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Shell {
  const name = (env.SHELL?.split(/[\\/]/).pop() ?? '').replace(/\.exe$/i, '').toLowerCase()
  if (name === 'fish' || name === 'zsh' || name === 'bash') return name
  if (name === 'pwsh' || name === 'powershell') return 'pwsh'
  if (['sh', 'dash', 'ksh', 'mksh', 'ash'].includes(name)) return 'sh'
  return !name && platform === 'win32' ? 'pwsh' : 'bash'
}

/** An access token is printable ASCII; anything else (a plugin may return anything) is not written into a shell line. */
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/

/** The characters PowerShell takes as a single quote: ' and the typographic ones U+2018..U+201B. */
const PWSH_QUOTES = /['\u2018\u2019\u201A\u201B]/g

/**
 * One line that sets an exported variable in `shell`, the value quoted so that the shell takes it literally: single
 * quotes everywhere, with each shell's own way of writing a quote (or backslash) inside them. A value outside
 * printable ASCII is refused: shells differ in what else they take as a quote or a line end.
 */
export function exportLine(shell: Shell, name: string, value: string): string {
  if (!PRINTABLE_ASCII.test(value)) {
    throw new CliError(
      `The value for ${name} has characters other than printable ASCII, which a shell line cannot carry safely; nothing was written. Use get-token to read it instead.`,
      undefined,
      'UNSAFE_EXPORT',
    )
  }
  switch (shell) {
    case 'fish': {
      return `set -gx ${name} '${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
    }
    case 'pwsh': {
      // Doubling each of them keeps the line safe even for the typographic quotes the ASCII rule already refuses.
      return `$env:${name} = '${value.replaceAll(PWSH_QUOTES, '$&$&')}'`
    }
    default: {
      return `export ${name}='${value.replaceAll("'", "'\\''")}'`
    }
  }
}

/** How to load the output into the current shell, for the help and the hint on a terminal. */
export function evalHint(shell: Shell, commandLine: string): string {
  if (shell === 'fish') return `${commandLine} | source`
  if (shell === 'pwsh') return `${commandLine} | Invoke-Expression`
  return `eval "$(${commandLine})"`
}
