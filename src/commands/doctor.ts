import {Flags} from '@oclif/core'
import {ExitCode} from '../base/exit-codes.js'
import {BaseCommand} from '../cli/command-base.js'
import {diagnose, type Finding} from '../diagnose/index.js'
import {writeStdout} from '../base/output-target.js'

const MARK: Record<Finding['status'], string> = {fail: '✗', ok: '✓', warn: '⚠'}

export default class Doctor extends BaseCommand {
  static override summary =
    'Check what this CLI depends on here (secret store, files, proxy, TLS, clock, a profile), and say how to fix what is wrong.'

  static override description = `Checks, each reported as ✓, ⚠ or ✗ with its fix: which secret store is in use and why the others are not (no D-Bus session, a locked keyring, WSL); the modes of the home folder and its files; the proxy variables in effect; whether NODE_EXTRA_CA_CERTS names a readable PEM file; whether the authority's OpenID metadata answers through that proxy over a TLS chain this machine trusts (naming the root CA to add to NODE_EXTRA_CA_CERTS when not); the clock against the server's Date header; and with -p, whether the profile's secret, certificate (and its expiry) or federated token file is there. Secrets are never shown.

Exit 0 when nothing failed (warnings allowed), 10 when any check failed (✗).`

  static override examples = [
    {command: '<%= config.bin %> doctor', description: 'Check this machine, and the authorities of all profiles'},
    {command: '<%= config.bin %> doctor -p myapp', description: "Also check myapp's authority and credential"},
    {
      command: '<%= config.bin %> doctor -p myapp --json | jq \'.findings[] | select(.status != "ok")\'',
      description: 'What is wrong, for scripts',
    },
  ]

  static override flags = {
    json: Flags.boolean({description: 'Print {ok, findings: [{check, status, message, fix}]} on stdout.'}),
    profile: Flags.string({char: 'p', description: 'Also check this profile: its authority and its credential.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Doctor)
    const findings = await diagnose({bin: this.config.bin, hooks: this.hooks, profile: flags.profile})
    const failed = findings.some((f) => f.status === 'fail')
    if (flags.json) await writeStdout(`${JSON.stringify({findings, ok: !failed}, null, 2)}\n`, 'the findings')
    else {
      const lines = findings.flatMap((f) => [
        `${MARK[f.status]} ${f.check}: ${f.message}`,
        ...(f.fix && f.status !== 'ok' ? [`    fix: ${f.fix}`] : []),
      ])
      await writeStdout(`${lines.join('\n')}\n`, 'the findings')
    }
    if (failed) process.exitCode = ExitCode.DoctorFailed
  }
}
