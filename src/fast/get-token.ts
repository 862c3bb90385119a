/**
 * The get-token fast path: serve a cache hit without loading oclif.
 *
 * Scripts and kubectl exec plugins call get-token before every request, and oclif's start-up alone costs ~2.5x a
 * bare `node -e 0`. This module handles exactly one case — `get-token` with plain output flags and a cached token
 * valid for 5 more minutes — with the same code the full command uses (profile store, cache lookup, output), and
 * answers "not handled" for anything else: a miss, an unknown flag, --help, any error. Flows and stores from
 * installed or linked plugins are found as oclif finds them (src/extensions/installed-plugins.ts). Nothing is
 * written until the answer is complete, so falling through never prints anything twice.
 */
import {lookupCachedToken} from '../token/lookup.js'
import {
  canonicalName,
  listExtensions,
  loadFlowRegistration,
  loadStoreRegistration,
  packageHookSource,
} from '../extensions/registry.js'
import {installedPlugins} from '../extensions/installed-plugins.js'
import {privateCliHome} from '../base/paths.js'
import {DEFAULT_FLOW, effectiveScopes, parseScopes} from '../profile/model.js'
import {ProfileStore} from '../profile/store.js'
import {createReporter} from '../cli/reporter.js'
import {writeError} from '../cli/error-output.js'
import {emitToken, messages, OUTPUT_FORMATS, outputFormat, type OutputFormat} from '../token/output.js'
import {OutputError, writeStderr, writeStdout} from '../base/output-target.js'
import type {SecretStore} from '../contract/index.js'
import {builtinHookLoader} from './builtin-hooks.js'

interface FastFlags {
  profile?: string
  scopes: string[]
  silent: boolean
  json: boolean
  output?: string
  format?: OutputFormat
}

/** Only the flags whose meaning needs no oclif; `undefined` means "let oclif handle this command line". */
export function parseFastArgs(argv: string[]): FastFlags | undefined {
  const flags: FastFlags = {json: false, scopes: [], silent: false}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1
    const name = eq > 0 ? arg.slice(0, eq) : arg
    const value = () => (eq > 0 ? arg.slice(eq + 1) : argv[++i])
    switch (name) {
      case '-p':
      case '--profile': {
        if (flags.profile !== undefined) return undefined
        flags.profile = value()
        break
      }
      case '-s':
      case '--scope': {
        flags.scopes.push(value() ?? '')
        break
      }
      case '-o':
      case '--output': {
        if (flags.output !== undefined) return undefined
        flags.output = value()
        break
      }
      case '--output-format': {
        // kubectl's exec plugin calls (`--output-format exec-credential`) are the hottest path of all.
        const format = value()
        if (flags.format !== undefined || !(OUTPUT_FORMATS as readonly string[]).includes(format ?? ''))
          return undefined
        flags.format = format as OutputFormat
        break
      }
      case '--silent': {
        if (eq > 0) return undefined
        flags.silent = true
        break
      }
      case '--json': {
        if (eq > 0) return undefined
        flags.json = true
        break
      }
      default: {
        return undefined
      }
    }
  }
  // --json with --output-format is a usage error: oclif says so.
  if (flags.json && flags.format !== undefined) return undefined
  if (!flags.profile || flags.output === '' || flags.scopes.some((s) => !s || s.startsWith('-'))) return undefined
  if (flags.profile.startsWith('-') || flags.output?.startsWith('-')) return undefined
  return flags
}

export async function tryFastGetToken(
  argv: string[],
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const flags = parseFastArgs(argv)
  if (!flags) return false
  // A home others can write to throws here: oclif's get-token reports it.
  const home = privateCliHome(env)
  const profile = await new ProfileStore(home).find(flags.profile!)
  if (!profile) return false
  // The CLI's own hooks and those of installed and linked plugins, from package.json files: a plugin that cannot be
  // read the way oclif would read it sends the call to oclif.
  let unreadable = false
  const hooks = packageHookSource(
    installedPlugins(root, {env, onProblem: () => (unreadable = true)}),
    builtinHookLoader(root),
  )
  if (unreadable) return false
  // A flow nobody declares (a removed plugin, a typo) is for oclif to report, not for us to paper over; a plugin
  // claiming a built-in's name gets a warning there.
  const flow = profile.defaultFlow ?? DEFAULT_FLOW
  const info = listExtensions(hooks, 'flow').find((e) => canonicalName(e.id) === canonicalName(flow))
  if (!info || info.shadowed.length > 0) return false
  // The registration says whose tokens the flow gets, which decides what counts as a hit.
  const registration = await loadFlowRegistration(hooks, flow)
  const openStore = async (name: string): Promise<SecretStore> =>
    (await loadStoreRegistration(hooks, name)).create({interactive: false})
  const scopes = effectiveScopes(profile, parseScopes(flags.scopes))
  const {hit} = await lookupCachedToken({
    appOnly: registration.kind === 'app-only',
    flow: canonicalName(registration.name),
    home,
    openStore,
    profile,
    scopes,
  })
  if (!hit) return false

  // Buffer both streams so that a late failure (say, -o into a missing folder) falls through with nothing printed.
  const stderr = new BufferedStream()
  const stdout = new BufferedStream()
  const reporter = createReporter({silent: flags.silent, stderr})
  reporter.status(messages.authenticating(profile.name))
  reporter.status(messages.cached)
  await emitToken(
    hit,
    {env, format: outputFormat({json: flags.json, 'output-format': flags.format}), output: flags.output},
    reporter,
    stdout,
  )
  await writeStderr(stderr.text)
  try {
    await writeStdout(stdout.text, 'the token')
  } catch (error) {
    // Answered, and failed: falling through would print the status lines again and fail the same way.
    if (!(error instanceof OutputError)) throw error
    const message = new BufferedStream()
    writeError(error, {json: false, stderr: message})
    await writeStderr(message.text)
    process.exitCode = error.exitCode
  }
  return true
}

class BufferedStream {
  text = ''
  write(chunk: string): boolean {
    this.text += chunk
    return true
  }
}
