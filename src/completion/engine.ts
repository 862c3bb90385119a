/**
 * The completion engine: given the words typed after the binary name (the last one is the word being completed,
 * possibly empty), what may come next.
 *
 * The protocol is cobra's (gh, kubectl, helm): the shell script runs `<bin> __complete <words…> <partial>` and
 * reads one candidate per line, `value<TAB>description`, then a last line `:<directive>`. All the logic lives
 * here, so the four shell scripts stay thin and a new flag or value needs no script change. This module is pure:
 * commands come as oclif manifest entries, values from the `ValueSources` the caller gives.
 */

/** cobra's ShellCompDirective bits; the scripts read them. */
export const Directive = {
  /** The candidates are all there is; the shell may complete file names when there are none. */
  Default: 0,
  Error: 1,
  NoSpace: 2,
  /** Never fall back to file names. */
  NoFileComp: 4,
  /** Keep the order given instead of sorting. */
  KeepOrder: 32,
} as const

export interface Candidate {
  value: string
  description?: string
}

export interface Answer {
  candidates: Candidate[]
  directive: number
}

/** The parts of an oclif manifest flag the engine reads. */
export interface FlagSpec {
  name: string
  char?: string
  type: 'boolean' | 'option'
  summary?: string
  description?: string
  hidden?: boolean
  multiple?: boolean
  allowNo?: boolean
  options?: readonly string[]
  helpValue?: string | string[]
}

export interface ArgSpec {
  name: string
  description?: string
  options?: readonly string[]
  hidden?: boolean
}

/** The parts of an oclif manifest command (Command.Cached) the engine reads. */
export interface CommandSpec {
  id: string
  summary?: string
  description?: string
  hidden?: boolean
  aliases?: string[]
  flags?: Record<string, FlagSpec>
  args?: Record<string, ArgSpec>
}

/** Values that depend on the user's data, looked up only when the cursor is on such a value. */
export interface ValueSources {
  profiles(): Promise<Candidate[]>
  flows(): Promise<Candidate[]>
  stores(): Promise<Candidate[]>
  /** Installed and linked plugins, for `plugins uninstall|inspect`. */
  plugins(): Promise<Candidate[]>
  /** Fixed choices the manifest does not list as `options` (they are checked case-insensitively by the commands). */
  choices(flag: string): Candidate[] | undefined
  /** Descriptions for topics that are not commands themselves (`config`). */
  topics: Record<string, string>
}

/** What a flag's or argument's value is, by its name and help value; `files` lets the shell complete paths. */
type ValueKind = 'profile' | 'flow' | 'store' | 'files' | 'none'

/** The plugin-plugins commands whose `plugin` argument names an installed plugin (`install` takes a new one). */
const PLUGIN_NAME_COMMANDS = new Set(['plugins:uninstall', 'plugins:inspect'])

const FILE_HELP_VALUES = new Set(['FILE', 'PATH', 'DIR'])
const FILE_NAMES = new Set(['file', 'output', 'certificate', 'out', 'input', 'path'])

function valueKind(spec: {name: string; helpValue?: string | string[]}): ValueKind {
  if (spec.name === 'profile') return 'profile'
  if (spec.name === 'flow') return 'flow'
  if (spec.name === 'store') return 'store'
  const help = typeof spec.helpValue === 'string' ? spec.helpValue.replace(/[<>[\]]/g, '').toUpperCase() : undefined
  if ((help && FILE_HELP_VALUES.has(help)) || FILE_NAMES.has(spec.name)) return 'files'
  return 'none'
}

export async function complete(words: string[], commands: CommandSpec[], sources: ValueSources): Promise<Answer> {
  const typed = words.length > 0 ? words.slice(0, -1) : []
  const partial = words.length > 0 ? words.at(-1)! : ''
  const byId = commandIndex(commands)

  // The command: as many leading words as name a topic or command (topic separator is a space).
  const path: string[] = []
  while (path.length < typed.length && isPrefix(byId, [...path, typed[path.length]])) path.push(typed[path.length])
  const command = byId.get(path.join(':'))
  const rest = typed.slice(path.length)

  // `help config cr<TAB>`: help takes a command, so complete the words after it as one (names only, no flags).
  if (command?.id === 'help') {
    const inner = await complete(
      words.slice(path.length),
      commands.filter((c) => c.id !== 'help'),
      sources,
    )
    return {candidates: inner.candidates.filter((c) => !c.value.startsWith('-')), directive: Directive.NoFileComp}
  }
  if (rest.length === 0) {
    // Still at the command position: subcommands and topics below what is typed; with none, the command's own
    // flags and arguments; a first argument with fixed choices (`autocomplete bash`) is offered beside them.
    const below = filter(subcommands(commands, path, sources.topics), partial)
    if (command && (partial.startsWith('-') || below.length === 0)) return completeAfter(command, [], partial, sources)
    const firstArg = Object.values(command?.args ?? {}).find((a) => !a.hidden)
    const choices = firstArg?.options
      ? filter(
          firstArg.options.map((value) => ({value})),
          partial,
        )
      : []
    return {candidates: [...below, ...choices], directive: Directive.NoFileComp}
  }
  if (!command) return {candidates: [], directive: Directive.NoFileComp}
  return completeAfter(command, rest, partial, sources)
}

/** Completion once the command is known: `rest` are the words after the command id, `partial` the current one. */
async function completeAfter(
  command: CommandSpec,
  rest: string[],
  partial: string,
  sources: ValueSources,
): Promise<Answer> {
  const flags = Object.values(command.flags ?? {})
  const byLong = new Map(flags.map((f) => [f.name, f]))
  const byChar = new Map(flags.filter((f) => f.char).map((f) => [f.char!, f]))
  const used = new Set<string>()
  let positional = 0
  let pendingValue: FlagSpec | undefined
  let onlyArgs = false

  for (const word of rest) {
    if (pendingValue) {
      pendingValue = undefined
      continue
    }
    if (onlyArgs || word === '-' || !word.startsWith('-')) {
      positional++
      continue
    }
    if (word === '--') {
      onlyArgs = true
      continue
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=')
      const name = word.slice(2, eq > 0 ? eq : undefined)
      const flag = byLong.get(name) ?? (name.startsWith('no-') ? byLong.get(name.slice(3)) : undefined)
      if (!flag) continue
      used.add(flag.name)
      if (flag.type === 'option' && eq < 0) pendingValue = flag
      continue
    }
    // A cluster of short flags (`-sj`); the first one that takes a value takes the rest of the word or the next.
    for (let i = 1; i < word.length; i++) {
      const flag = byChar.get(word[i])
      if (!flag) break
      used.add(flag.name)
      if (flag.type === 'option') {
        if (i === word.length - 1) pendingValue = flag
        break
      }
    }
  }

  if (pendingValue) return completeValue(pendingValue, partial, '', sources)
  if (!onlyArgs && partial.startsWith('--') && partial.includes('=')) {
    const eq = partial.indexOf('=')
    const flag = byLong.get(partial.slice(2, eq))
    if (!flag || flag.type !== 'option') return {candidates: [], directive: Directive.NoFileComp}
    return completeValue(flag, partial.slice(eq + 1), partial.slice(0, eq + 1), sources)
  }
  if (!onlyArgs && partial.startsWith('-')) {
    return {candidates: flagCandidates(command, partial, used), directive: Directive.NoFileComp}
  }

  // A positional argument, or (when the command takes none, or no more) the flags still unused.
  const args = Object.values(command.args ?? {}).filter((a) => !a.hidden)
  const arg = args[positional]
  if (arg) {
    if (arg.options)
      return {
        candidates: filter(
          arg.options.map((value) => ({value})),
          partial,
        ),
        directive: Directive.NoFileComp,
      }
    if (arg.name === 'plugin' && PLUGIN_NAME_COMMANDS.has(command.id))
      return {candidates: filter(await sources.plugins(), partial), directive: Directive.NoFileComp}
    if (valueKind(arg) === 'files') return {candidates: [], directive: Directive.Default}
    return {candidates: [], directive: Directive.NoFileComp}
  }
  // After `--` come arguments the CLI does not know (`exec -- kubectl …`): leave them to the shell's file names.
  if (onlyArgs) return {candidates: [], directive: Directive.Default}
  return {
    candidates: flagCandidates(command, partial || '--', used).filter((c) => c.value.startsWith('--')),
    directive: Directive.NoFileComp,
  }
}

async function completeValue(flag: FlagSpec, partial: string, prefix: string, sources: ValueSources): Promise<Answer> {
  let candidates: Candidate[]
  if (flag.options) candidates = flag.options.map((value) => ({value}))
  else {
    const choices = sources.choices(flag.name)
    const kind = valueKind(flag)
    if (choices) candidates = choices
    else if (kind === 'profile') candidates = await sources.profiles()
    else if (kind === 'flow') candidates = await sources.flows()
    else if (kind === 'store') candidates = await sources.stores()
    else if (kind === 'files' && !prefix) return {candidates: [], directive: Directive.Default}
    else return {candidates: [], directive: Directive.NoFileComp}
  }
  const matching = filter(candidates, partial)
  return {candidates: matching.map((c) => ({...c, value: prefix + c.value})), directive: Directive.NoFileComp}
}

/** Long and short forms of the flags not given yet (a flag that may repeat stays), matching what is typed. */
function flagCandidates(command: CommandSpec, partial: string, used: Set<string>): Candidate[] {
  const out: Candidate[] = []
  const flags = Object.values(command.flags ?? {})
    .filter((f) => !f.hidden && (f.multiple || !used.has(f.name)))
    .sort((a, b) => byText(a.name, b.name))
  for (const flag of flags) {
    const description = firstLine(flag.summary ?? flag.description)
    out.push({description, value: `--${flag.name}`})
    if (flag.allowNo) out.push({description, value: `--no-${flag.name}`})
    if (flag.char && !partial.startsWith('--')) out.push({description, value: `-${flag.char}`})
  }
  return out.filter((c) => c.value.startsWith(partial))
}

function subcommands(commands: CommandSpec[], path: string[], topics: Record<string, string>): Candidate[] {
  const depth = path.length
  const prefix = path.join(':')
  const found = new Map<string, Candidate>()
  for (const command of commands) {
    if (command.hidden) continue
    const parts = command.id.split(':')
    if (parts.length <= depth || (depth > 0 && parts.slice(0, depth).join(':') !== prefix)) continue
    const name = parts[depth]
    const id = parts.slice(0, depth + 1).join(':')
    const isCommand = parts.length === depth + 1
    const description = isCommand ? firstLine(command.summary ?? command.description) : topics[id]
    const known = found.get(name)
    if (!known || (isCommand && description))
      found.set(name, {description: description ?? known?.description, value: name})
  }
  return [...found.values()].sort((a, b) => byText(a.value, b.value))
}

function commandIndex(commands: CommandSpec[]): Map<string, CommandSpec> {
  const byId = new Map<string, CommandSpec>()
  for (const command of commands) {
    byId.set(command.id, command)
    for (const alias of command.aliases ?? []) if (!byId.has(alias)) byId.set(alias, command)
  }
  return byId
}

function isPrefix(byId: Map<string, CommandSpec>, path: string[]): boolean {
  if (path.some((p) => p.startsWith('-') || p === '')) return false
  const id = path.join(':')
  for (const key of byId.keys()) if (key === id || key.startsWith(`${id}:`)) return true
  return false
}

/**
 * Plain code-unit order. Not localeCompare: its first call sets up ICU collation, ~40 ms, which would double the
 * cost of every TAB.
 */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function filter(candidates: Candidate[], partial: string): Candidate[] {
  return candidates.filter((c) => c.value.startsWith(partial))
}

function firstLine(text: string | undefined): string | undefined {
  const line = text?.split('\n')[0].trim()
  return line || undefined
}

/**
 * The wire format: `value<TAB>description` lines, then `:<directive>`. A description is its first sentence on one
 * line, with oclif's `<%= config.bin %>` template filled in.
 */
export function formatAnswer(answer: Answer, options: {descriptions?: boolean; bin?: string} = {}): string {
  const {bin = '', descriptions = true} = options
  const lines = answer.candidates.map((c) => {
    const description = descriptions && c.description ? shortDescription(c.description, bin) : ''
    return description ? `${c.value}\t${description}` : c.value
  })
  return [...lines, `:${answer.directive}`].join('\n') + '\n'
}

function shortDescription(text: string, bin: string): string {
  const line = text
    .replaceAll(/<%=\s*config\.bin\s*%>/g, bin)
    .replaceAll(/\s+/g, ' ')
    .trim()
  const end = line.search(/[.;](\s|$)/)
  return end > 0 ? line.slice(0, end) : line
}
