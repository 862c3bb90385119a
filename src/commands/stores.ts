import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/command-base.js'
import {writeStdout} from '../base/output-target.js'
import {renderTable} from '../cli/table.js'
import {loadAll, shadowWarnings} from '../extensions/registry.js'
import {sameStoreName, STORE_ENV} from '../extensions/secret-stores.js'
import type {StoreRegistration} from '../contract/index.js'

export default class Stores extends BaseCommand {
  static override summary = 'List the installed secret stores and whether each can be used here.'
  static override description = `One row per store: its name (what ${STORE_ENV} takes), its priority, whether it is usable on this machine and why not, the plugin providing it, and its summary. The store new secrets go to is marked: the one ${STORE_ENV} names, else the usable one with the highest priority.`
  static override examples = [
    {command: '<%= config.bin %> stores', description: 'A table'},
    {command: '<%= config.bin %> stores --json', description: 'JSON, for scripts'},
  ]
  static override flags = {json: Flags.boolean({description: 'Print the stores as a JSON array.'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(Stores)
    const all = await loadAll<StoreRegistration>(this.hooks, 'store')
    const rows = await Promise.all(
      all.map(async ({info, problem, registration: r}) => {
        const availability = r
          ? await r.isAvailable().catch((error: Error) => ({available: false as const, reason: error.message}))
          : undefined
        return {
          available: availability?.available ?? false,
          builtin: info.builtin,
          name: r?.name ?? info.id,
          plugin: info.plugin,
          priority: r?.priority,
          summary: r?.summary,
          ...(availability && !availability.available ? {reason: availability.reason} : {}),
          ...(problem ? {problem} : {}),
          selected: false,
        }
      }),
    )
    rows.sort((a, b) => (b.priority ?? -Infinity) - (a.priority ?? -Infinity))
    const chosen = process.env[STORE_ENV]
    const selected = chosen
      ? rows.find((r) => sameStoreName(r.name, chosen) && r.available)
      : rows.find((r) => r.available)
    if (selected) selected.selected = true
    if (flags.json) {
      await writeStdout(JSON.stringify(rows, null, 2) + '\n', 'the store list')
      return
    }
    const table = rows.map((r) => [
      r.name + (r.selected ? ' *' : ''),
      r.priority === undefined ? '-' : String(r.priority),
      r.problem ? `no: broken plugin (${r.problem})` : r.available ? 'yes' : `no: ${r.reason}`,
      r.builtin ? 'built-in' : r.plugin,
      r.summary ?? '-',
    ])
    await writeStdout(renderTable(['STORE', 'PRIORITY', 'USABLE', 'PLUGIN', 'SUMMARY'], table), 'the store list')
    const named = chosen ? rows.find((r) => sameStoreName(r.name, chosen)) : undefined
    process.stderr.write(
      selected
        ? `* new secrets go to '${selected.name}'${chosen ? ` (${STORE_ENV})` : ''}\n`
        : named
          ? `'${named.name}', chosen by ${STORE_ENV}, is not usable here.\n`
          : chosen
            ? `${STORE_ENV}=${chosen} names no installed store.\n`
            : 'No store is usable here.\n',
    )
    for (const {info} of all) for (const line of shadowWarnings(info)) process.stderr.write(`Warning: ${line}\n`)
  }
}
