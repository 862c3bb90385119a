import {EXEC_CREDENTIAL_API_VERSIONS} from '../token/output.js'

/**
 * The kubeconfig `users[]` entry that makes kubectl call `get-token --output-format exec-credential` for a profile.
 * Every scalar is written as a JSON string, which YAML reads as the same string: a profile named `true`, `1.0` or
 * `null` stays a string, and a scope's `:` and `/` need no further thought.
 */
export interface KubeconfigUser {
  name: string
  user: {
    exec: {
      apiVersion: string
      command: string
      args: string[]
      interactiveMode: 'IfAvailable'
      provideClusterInfo: false
    }
  }
}

export function kubeconfigUser(options: {
  bin: string
  profile: string
  scopes: string[]
  name?: string
}): KubeconfigUser {
  const args = [
    'get-token',
    '--profile',
    options.profile,
    ...options.scopes.flatMap((s) => ['--scope', s]),
    '--output-format',
    'exec-credential',
    '--silent',
  ]
  return {
    name: options.name ?? `entra-${options.profile}`,
    user: {
      exec: {
        apiVersion: EXEC_CREDENTIAL_API_VERSIONS[0],
        command: options.bin,
        args,
        // A sign-in (device code, browser, a passphrase prompt) needs kubectl to pass the terminal through when it has one.
        interactiveMode: 'IfAvailable',
        provideClusterInfo: false,
      },
    },
  }
}

/** `users:` with one entry, as YAML to paste into (or merge with) ~/.kube/config. */
export function kubeconfigUserYaml(entry: KubeconfigUser): string {
  const q = (value: string) => JSON.stringify(value)
  const {exec} = entry.user
  return [
    'users:',
    `- name: ${q(entry.name)}`,
    '  user:',
    '    exec:',
    `      apiVersion: ${q(exec.apiVersion)}`,
    `      command: ${q(exec.command)}`,
    '      args:',
    ...exec.args.map((arg) => `      - ${q(arg)}`),
    `      interactiveMode: ${exec.interactiveMode}`,
    `      provideClusterInfo: ${exec.provideClusterInfo}`,
    '',
  ].join('\n')
}
