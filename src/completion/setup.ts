import {readFile} from 'node:fs/promises'
import {writeFileAtomic} from '../base/fs-atomic.js'
import {UsageError} from '../base/errors.js'
import {scriptFiles, SHELLS, type Shell} from './scripts.js'

/**
 * What `autocomplete` does: write the scripts where the start-up line looks for them, and tell the user the
 * one-time step for their shell. The scripts carry no data, so this is needed once (and after an upgrade).
 */
export async function writeCompletionScripts(cacheDir: string, bin: string): Promise<void> {
  for (const {files} of Object.values(scriptFiles(cacheDir, bin))) {
    for (const [path, text] of Object.entries(files)) await writeFileAtomic(path, text, {privateDir: true})
  }
}

/**
 * Brings scripts already set up up to date: each one that exists and differs from this version's (an older version,
 * or @oclif/plugin-autocomplete's static script before it) is rewritten; nothing is created for a shell never set
 * up. Run from the `init` hook, so an upgrade needs no step and old start-up lines load the new scripts.
 */
export async function refreshInstalledScripts(cacheDir: string, bin: string): Promise<string[]> {
  const rewritten: string[] = []
  for (const {files} of Object.values(scriptFiles(cacheDir, bin))) {
    for (const [path, text] of Object.entries(files)) {
      let current: string
      try {
        current = await readFile(path, 'utf8')
      } catch {
        continue
      }
      if (current === text) continue
      await writeFileAtomic(path, text, {privateDir: true})
      rewritten.push(path)
    }
  }
  return rewritten
}

/** The shell named by $SHELL (oclif's `config.shell`): `/usr/bin/zsh` → zsh, `pwsh` → powershell. */
export function detectShell(shell: string): Shell {
  const name = shell
    .replace(/\.exe$/i, '')
    .split(/[/\\]/)
    .at(-1)
    ?.toLowerCase()
  if (name === 'pwsh') return 'powershell'
  if (SHELLS.includes(name as Shell)) return name as Shell
  throw new UsageError(
    `Cannot tell which shell you use ('${shell}'); name it: autocomplete bash, zsh, fish or powershell.`,
  )
}

export function completionSetupSteps(shell: Shell, bin: string): string {
  const script = `${bin} autocomplete script ${shell}`
  const step1: Record<Shell, string> = {
    bash: `Add the loader to ~/.bashrc and reload it:\n\n  printf "$(${script})" >> ~/.bashrc; source ~/.bashrc\n\n  (A login shell may read ~/.bash_profile or ~/.profile instead.)`,
    fish: `Add the loader to your fish config and reload it:\n\n  ${script} >> ~/.config/fish/config.fish; source ~/.config/fish/config.fish`,
    powershell: `Add the loader to your profile and reload it:\n\n  New-Item -Type Directory -Path (Split-Path -Parent $PROFILE) -ErrorAction SilentlyContinue\n  Add-Content -Path $PROFILE -Value (Invoke-Expression -Command "${script}"); .$PROFILE`,
    zsh: `Add the loader to ~/.zshrc and reload it:\n\n  printf "$(${script})" >> ~/.zshrc; source ~/.zshrc`,
  }
  const tab = shell === 'bash' ? '<TAB><TAB>' : '<TAB>'
  return `Tab completion for ${shell}: the scripts are written.

1) ${step1[shell]}

2) Try it:

  ${bin} ${tab}                    commands
  ${bin} get-token -${tab}         flags
  ${bin} get-token -p ${tab}       your profiles
  ${bin} get-token -f ${tab}       flows, plugins' included

Completion asks ${bin} at each TAB, so new profiles and plugins show up at once, and the scripts are brought up
to date by the first command run after an upgrade.
`
}
