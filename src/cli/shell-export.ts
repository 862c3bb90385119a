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

/**
 * One line that sets an exported variable in `shell`, the value quoted so that the shell takes it literally: single
 * quotes everywhere, with each shell's own way of writing a quote (or backslash) inside them.
 */
export function exportLine(shell: Shell, name: string, value: string): string {
  switch (shell) {
    case 'fish': {
      return `set -gx ${name} '${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
    }
    case 'pwsh': {
      return `$env:${name} = '${value.replaceAll("'", "''")}'`
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
