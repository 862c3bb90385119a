import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/command-base.js'
import {writeStdout} from '../base/output-target.js'
import {renderTable} from '../cli/table.js'
import {loadAll, shadowWarnings} from '../extensions/registry.js'
import {flowNeeds} from '../profile/rules.js'
import type {FlowRegistration} from '../contract/index.js'

export default class Flows extends BaseCommand {
  static override summary = 'List the installed flows: built-in and from plugins.'
  static override description =
    "One row per flow: its name (what -f and --flow take), whether its tokens are app-only or a signed-in user's, the plugin providing it, and its summary. A plugin that fails to register is listed with the reason. --json adds the profile fields and options each flow takes."
  static override examples = [
    {command: '<%= config.bin %> flows', description: 'A table'},
    {command: '<%= config.bin %> flows --json | jq -r ".[].name"', description: 'Flow names, for scripts'},
  ]
  static override flags = {json: Flags.boolean({description: 'Print the flows as a JSON array.'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(Flows)
    const all = await loadAll<FlowRegistration>(this.hooks, 'flow')
    const rows = all.map(({info, problem, registration: r}) => ({
      builtin: info.builtin,
      name: r?.name ?? info.id,
      plugin: info.plugin,
      ...(r
        ? {
            interactive: r.interactive,
            kind: r.kind,
            summary: r.summary,
            supportsRefresh: r.supportsRefresh,
            ...neededBy(r),
          }
        : {problem}),
      ...(info.shadowed.length > 0 ? {ignoredPlugins: info.shadowed} : {}),
    }))
    if (flags.json) {
      await writeStdout(JSON.stringify(rows, null, 2) + '\n', 'the flow list')
      return
    }
    const table = rows.map((r) => [
      r.name,
      'kind' in r ? r.kind : '-',
      r.builtin ? 'built-in' : r.plugin,
      'summary' in r ? r.summary : `broken: ${r.problem}`,
    ])
    await writeStdout(renderTable(['FLOW', 'TOKENS', 'PLUGIN', 'SUMMARY'], table), 'the flow list')
    for (const {info} of all) for (const line of shadowWarnings(info)) process.stderr.write(`Warning: ${line}\n`)
  }
}

function neededBy(registration: FlowRegistration) {
  const {clientId, credential, options, tenant} = flowNeeds(registration)
  return {options, profileFields: {clientId, credential, tenant}}
}
