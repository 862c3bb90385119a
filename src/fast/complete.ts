/**
 * `<bin> __complete <words…> <partial>` (and `__completeNoDesc`, the same without descriptions), called by the shell
 * scripts on every TAB. It is answered before oclif loads: the manifests, package.json files and profiles.json are
 * read directly (no oclif, no msal, no prompts). Only when a plugin ships no manifest (a linked plugin in
 * development) are the commands taken from oclif's own Config, loaded here at oclif's usual cost. Either way no
 * command runs and nothing but the answer is printed: a TAB must never print an error into the command line.
 */
import {writeSync} from 'node:fs'
import type {Config} from '@oclif/core'
import {installedPlugins} from '../extensions/installed-plugins.js'
import {complete, formatAnswer, Directive, type CommandSpec} from '../completion/engine.js'
import {
  manifestCommands,
  pluginEvents,
  rootBin,
  rootTopics,
  valueSources,
  type PluginEvents,
} from '../completion/sources.js'

/**
 * Answers, prints and exits. The answer goes out with fs.writeSync on fd 1, not process.stdout: creating the stdout
 * stream (a net.Socket for a pipe) and waiting for its flush cost about a fifth of Node's own start-up, on every TAB.
 */
export async function runCompletion(argv: string[], root: string): Promise<never> {
  const answer = Buffer.from(await answerCompletion(argv, root))
  let written = 0
  try {
    while (written < answer.length) written += writeSync(1, answer, written)
  } catch {
    // A non-blocking stdout that is full (EAGAIN): let the stream queue the rest, then exit.
    await new Promise((resolve) => process.stdout.write(answer.subarray(written), resolve))
  }
  process.exit(0)
}

export async function answerCompletion(
  argv: string[],
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const descriptions = argv[0] !== '__completeNoDesc'
  const words = argv.slice(1)
  try {
    const installed = installedPlugins(root, {env})
    let commands = manifestCommands(root, installed)
    let plugins = pluginEvents(installed)
    if (!commands) ({commands, plugins} = await fromOclif(root))
    const answer = await complete(words, commands, valueSources(plugins, rootTopics(root), env))
    return formatAnswer(answer, {bin: rootBin(root), descriptions})
  } catch {
    return formatAnswer({candidates: [], directive: Directive.Error})
  }
}

async function fromOclif(root: string): Promise<{commands: CommandSpec[]; plugins: PluginEvents[]}> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const {Config: OclifConfig} = require('@oclif/core') as {Config: typeof Config}
  const config = await OclifConfig.load(root)
  return {
    commands: config.commands as unknown as CommandSpec[],
    // The root package and what the user installed or linked, as installedPlugins() lists them (no core plugins).
    plugins: config
      .getPluginsList()
      .filter((p) => p.isRoot || p.type === 'user' || p.type === 'link')
      .map((p) => ({events: Object.keys(p.hooks ?? {}), isRoot: p.isRoot, name: p.name})),
  }
}
