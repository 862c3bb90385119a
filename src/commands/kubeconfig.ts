import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/command-base.js'
import {kubeconfigUser, kubeconfigUserYaml} from '../cli/kubeconfig.js'
import {parseScopes} from '../profile/model.js'
import {ProfileStore} from '../profile/store.js'
import {writeStdout} from '../base/output-target.js'

export default class Kubeconfig extends BaseCommand {
  static override summary = 'Print the kubeconfig user entry that makes kubectl get its tokens from a profile.'

  static override description = `Prints a users[] entry (YAML, or --json) whose exec stanza runs 'get-token --output-format exec-credential' for the profile. kubectl runs it whenever it needs a token; cached tokens are served without starting the full CLI. Prompts of user flows (device code, browser, passphrase) go to stderr, which kubectl shows.

Add it to ~/.kube/config (or merge it with KUBECONFIG=...), then point a context at it. For AKS clusters with Entra ID integration, the scope is 6dae42f8-4368-4678-94ff-3960e28e3630/.default (the AKS server application).`

  static override examples = [
    {
      command: '<%= config.bin %> kubeconfig -p aks -s 6dae42f8-4368-4678-94ff-3960e28e3630/.default',
      description: 'The user entry for an AKS cluster',
    },
    {
      command: 'kubectl config set-context --current --user=entra-aks',
      description: 'After pasting the entry into ~/.kube/config: use it in the current context',
    },
  ]

  static override flags = {
    command: Flags.string({
      description:
        "The command kubectl runs; default the CLI's name, found on kubectl's PATH. Give the absolute path when it is not there.",
      helpValue: 'PATH',
    }),
    json: Flags.boolean({description: 'Print the entry as JSON ({name, user: {exec}}) instead of YAML.'}),
    name: Flags.string({description: 'Name of the kubeconfig user; default entra-PROFILE.', helpValue: 'NAME'}),
    profile: Flags.string({char: 'p', description: 'Profile kubectl gets its tokens from.', required: true}),
    scope: Flags.string({
      char: 's',
      description: "Scope(s) the token is for, space- or comma-separated; repeatable. Default: the profile's scopes.",
      multiple: true,
    }),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Kubeconfig)
    // An unknown profile is reported now rather than by kubectl on its first request.
    const profile = await new ProfileStore(this.home).get(flags.profile)
    const entry = kubeconfigUser({
      bin: flags.command ?? this.config.bin,
      name: flags.name,
      profile: profile.name,
      scopes: parseScopes(flags.scope),
    })
    await writeStdout(
      flags.json ? `${JSON.stringify(entry, null, 2)}\n` : kubeconfigUserYaml(entry),
      'the kubeconfig entry',
    )
  }
}
