/**
 * The shell side of completion: small scripts that, on TAB, run `<bin> __complete <words…> <partial>` and hand the
 * answer to the shell (see engine.ts for the protocol). They hold no command, flag or value: those come from the
 * CLI at each TAB, so nothing needs regenerating when a profile, plugin or command changes.
 *
 * They are written to the same files @oclif/plugin-autocomplete used (`<cacheDir>/autocomplete/…`), so an rc file
 * set up with its `autocomplete script` line keeps working and picks up these scripts at `autocomplete` time.
 */
import {join} from 'node:path'

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const
export type Shell = (typeof SHELLS)[number]

/** A shell-safe function name for the binary: `entra-auth-cli` → `entra_auth_cli`. */
function ident(bin: string): string {
  return bin.replaceAll(/[^A-Za-z0-9_]/g, '_')
}

/** Single-quoted for bash and zsh. */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}

/** Single-quoted for fish, where a backslash and a quote are escaped with a backslash inside quotes. */
function fishQuote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

export function bashScript(bin: string): string {
  const fn = `__${ident(bin)}_complete`
  return `# ${bin} completion for bash: asks '${bin} __complete' at every TAB (see '${bin} autocomplete').
${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} i w n
  local -a words=()
  # Bash splits '--flow=Cl' at '=' (COMP_WORDBREAKS); the CLI wants the word whole.
  for ((i = 1; i <= COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    n=\${#words[@]}
    if ((i > 1)) && [[ $w == '=' || \${COMP_WORDS[i-1]} == '=' ]] && [[ \${words[n-1]} == --* ]]; then
      words[n-1]+=$w
    else
      words+=("$w")
    fi
  done
  local out
  out=$(command ${bin} __completeNoDesc "\${words[@]}" 2>/dev/null) || return 0
  local directive=\${out##*$'\\n'}
  local lines=''
  [[ $out == *$'\\n'* ]] && lines=\${out%$'\\n'*}
  directive=\${directive#:}
  [[ $directive =~ ^[0-9]+$ ]] || return 0
  ((directive & 1)) && return 0
  # What bash replaces is the text after the last '=' of the word, so the candidates lose the '--flag=' part.
  local strip=''
  local partial=\${words[\${#words[@]}-1]}
  [[ $COMP_WORDBREAKS == *=* && $partial == *=* ]] && strip=\${partial%=*}=
  COMPREPLY=()
  local line
  while IFS= read -r line; do
    [[ -n $line ]] && COMPREPLY+=("\${line#"$strip"}")
  done <<<"$lines"
  ((directive & 2)) && compopt -o nospace 2>/dev/null
  if ((\${#COMPREPLY[@]} == 0)) && ! ((directive & 4)); then
    compopt -o filenames 2>/dev/null
    while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen -f -- "$cur")
  fi
  return 0
}
complete -F ${fn} ${bin}
`
}

export function zshScript(bin: string): string {
  const fn = `_${bin}`
  return `#compdef ${bin}
# ${bin} completion for zsh: asks '${bin} __complete' at every TAB (see '${bin} autocomplete').
${fn}() {
  local -a lines specs opts
  local out directive line value desc
  out=$(command ${bin} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
  lines=("\${(@f)out}")
  directive=\${lines[-1]#:}
  lines=("\${(@)lines[1,-2]}")
  [[ $directive == <-> ]] || return 1
  (( directive & 1 )) && return 1
  if (( \${#lines} == 0 )); then
    (( directive & 4 )) && return 1
    _files
    return
  fi
  for line in "\${lines[@]}"; do
    [[ -z $line ]] && continue
    value=\${line%%$'\\t'*}
    desc=''
    [[ $line == *$'\\t'* ]] && desc=\${line#*$'\\t'}
    specs+=("\${value//:/\\\\:}\${desc:+:$desc}")
  done
  (( directive & 2 )) && opts+=(-S '')
  _describe -t values '${bin}' specs "\${opts[@]}"
}
if [[ \${funcstack[1]} == ${quote(fn)} ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${bin}
fi
`
}

export function fishScript(bin: string): string {
  const fn = `__${ident(bin)}_complete`
  return `# ${bin} completion for fish: asks '${bin} __complete' at every TAB (see '${bin} autocomplete').
function ${fn}
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l current (commandline -ct)
    set -l out (command ${bin} __complete $tokens "$current" 2>/dev/null)
    or return
    set -l directive (string replace -r '^:' '' -- $out[-1])
    string match -qr '^[0-9]+$' -- $directive
    or return
    set -e out[-1]
    test (math "bitand($directive, 1)") -eq 0
    or return
    if test (count $out) -eq 0
        if test (math "bitand($directive, 4)") -eq 0
            __fish_complete_path "$current"
        end
        return
    end
    printf '%s\\n' $out
end
complete -c ${bin} -e
complete -c ${bin} -f -a '(${fn})'
`
}

export function powershellScript(bin: string): string {
  return `# ${bin} completion for PowerShell: asks '${bin} __complete' at every TAB (see '${bin} autocomplete').
Register-ArgumentCompleter -Native -CommandName '${bin}' -ScriptBlock {
  param($WordToComplete, $CommandAst, $CursorPosition)
  # The words before the cursor, without the program and without the word being completed.
  $words = @($CommandAst.CommandElements | Where-Object { $_.Extent.EndOffset -le $CursorPosition } | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
  if ($WordToComplete -ne '' -and $words.Count -gt 0 -and $words[-1] -eq $WordToComplete) { $words = @($words | Select-Object -SkipLast 1) }
  # Before 7.3 (or with Legacy argument passing) an empty argument never reaches a native program unless quoted.
  $legacy = $PSVersionTable.PSVersion -lt [version]'7.3' -or $PSNativeCommandArgumentPassing -eq 'Legacy'
  $partial = if ($WordToComplete -ne '') { $WordToComplete } elseif ($legacy) { '""' } else { '' }
  $out = @(& '${bin}' __complete @words $partial 2>$null)
  if ($out.Count -eq 0) { return }
  $directive = 0
  [void][int]::TryParse(($out[-1] -replace '^:', ''), [ref]$directive)
  if ($directive -band 1) { return }
  $lines = @($out | Select-Object -SkipLast 1 | Where-Object { $_ -ne '' })
  if ($lines.Count -eq 0) {
    # An empty string stops PowerShell from completing file names; returning nothing lets it.
    if ($directive -band 4) { '' }
    return
  }
  foreach ($line in $lines) {
    $value, $description = $line -split "\`t", 2
    if (-not $description) { $description = $value }
    [System.Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $description)
  }
}
`
}

/**
 * The files `autocomplete` writes under `<cacheDir>/autocomplete`: the same paths @oclif/plugin-autocomplete used
 * (bash_setup, zsh_setup, functions/<shell>/…), plus fish. `setup` is what the rc line sources.
 */
export function scriptFiles(
  cacheDir: string,
  bin: string,
): Record<Shell, {setup: string; files: Record<string, string>}> {
  const dir = join(cacheDir, 'autocomplete')
  const bashFunction = join(dir, 'functions', 'bash', `${bin}.bash`)
  const zshFunctions = join(dir, 'functions', 'zsh')
  const fishFunction = join(dir, 'functions', 'fish', `${bin}.fish`)
  const pwshFunction = join(dir, 'functions', 'powershell', `${bin}.ps1`)
  const bashSetup = join(dir, 'bash_setup')
  const zshSetup = join(dir, 'zsh_setup')
  return {
    bash: {
      files: {
        [bashFunction]: bashScript(bin),
        [bashSetup]: `test -f ${quote(bashFunction)} && source ${quote(bashFunction)};\n`,
      },
      setup: bashSetup,
    },
    fish: {files: {[fishFunction]: fishScript(bin)}, setup: fishFunction},
    powershell: {files: {[pwshFunction]: powershellScript(bin)}, setup: pwshFunction},
    zsh: {
      files: {
        [join(zshFunctions, `_${bin}`)]: zshScript(bin),
        [zshSetup]: `fpath=(${quote(zshFunctions)} $fpath)\nautoload -Uz compinit\ncompinit\n`,
      },
      setup: zshSetup,
    },
  }
}

/** The environment variable the rc line sets, as @oclif/plugin-autocomplete named it: ENTRA_AUTH_CLI_AC_BASH_SETUP_PATH. */
export function setupVariable(bin: string, shell: Shell): string {
  return `${bin.toUpperCase().replaceAll('-', '_')}_AC_${shell.toUpperCase()}_SETUP_PATH`
}

/**
 * The line an rc file evaluates (`autocomplete script SHELL`): for bash and zsh the plugin's line, quoted; lines the
 * plugin printed before still work, since the files stay where they were.
 */
export function rcLine(shell: Shell, bin: string, setup: string): string {
  if (shell === 'powershell') return `. '${setup.replaceAll("'", "''")}'`
  if (shell === 'fish') return `test -f ${fishQuote(setup)}; and source ${fishQuote(setup)} # ${bin} autocomplete setup`
  const variable = setupVariable(bin, shell)
  return `${variable}=${quote(setup)} && test -f "$${variable}" && source "$${variable}"; # ${bin} autocomplete setup`
}
