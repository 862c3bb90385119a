/**
 * kubectl: `get-token --output-format exec-credential` answers as a client.authentication.k8s.io exec plugin must,
 * from the cache like any output, and `kubeconfig` prints the users[] entry that runs it.
 */
import {expect} from 'chai'
import type {Idp} from '../support/idp/index.js'
import {useWorld, type World} from '../support/world.js'

describe('kubectl: get-token --output-format exec-credential, and kubeconfig', function () {
  this.timeout(60_000)
  const suite = useWorld({profile: 'aks'})
  let idp: Idp
  let world: World
  beforeEach(() => ({idp, world} = suite))

  /** What client-go checks in an exec plugin's answer (k8s.io/client-go/plugin/pkg/client/auth/exec). */
  function expectExecCredential(
    stdout: string,
    apiVersion = 'client.authentication.k8s.io/v1',
  ): {token: string; expirationTimestamp: string} {
    expect(stdout.endsWith('\n')).to.equal(true)
    const credential = JSON.parse(stdout) as {
      apiVersion: string
      kind: string
      status: {token: string; expirationTimestamp: string}
    }
    expect(Object.keys(credential)).to.deep.equal(['apiVersion', 'kind', 'status'])
    expect(credential.apiVersion).to.equal(apiVersion)
    expect(credential.kind).to.equal('ExecCredential')
    expect(Object.keys(credential.status).sort()).to.deep.equal(['expirationTimestamp', 'token'])
    expect(credential.status.token.split('.')).to.have.length(3)
    // RFC 3339 in UTC, whole seconds, as Kubernetes writes metav1.Time.
    expect(credential.status.expirationTimestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    return credential.status
  }

  it('prints an ExecCredential whose token and expiry are the ones get-token --json serves', async () => {
    const first = await world.cli(['get-token', '-p', 'aks', '--output-format', 'exec-credential', '--silent'])
    expect(first.code, first.stderr).to.equal(0)
    expect(first.stderr).to.equal('')
    const status = expectExecCredential(first.stdout)

    idp.resetCounts()
    const json = await world.cli(['get-token', '-p', 'aks', '--json'])
    const served = JSON.parse(json.stdout) as {accessToken: string; expiresOn: string}
    expect(served.accessToken).to.equal(status.token)
    expect(Date.parse(status.expirationTimestamp)).to.equal(Math.floor(Date.parse(served.expiresOn) / 1000) * 1000)

    // Served from the cache (by the fast path) with the provider stopped.
    await idp.stop()
    const cached = await world.cli(['get-token', '--profile=aks', '--output-format=exec-credential'])
    expect(cached.code, cached.stderr).to.equal(0)
    expect(cached.stderr).to.equal("Authenticating with profile 'aks'...\n✓ Token acquired successfully (from cache)\n")
    expect(expectExecCredential(cached.stdout).token).to.equal(status.token)
    expect(idp.requestCount()).to.equal(0)
  })

  it('answers in the API version kubectl asks for in KUBERNETES_EXEC_INFO (v1beta1 kubeconfigs keep working)', async () => {
    const info = (apiVersion: string) =>
      JSON.stringify({apiVersion, kind: 'ExecCredential', spec: {interactive: false}})
    const beta = await world.cli(['get-token', '-p', 'aks', '--output-format', 'exec-credential'], {
      extraEnv: {KUBERNETES_EXEC_INFO: info('client.authentication.k8s.io/v1beta1')},
    })
    expect(beta.code, beta.stderr).to.equal(0)
    expectExecCredential(beta.stdout, 'client.authentication.k8s.io/v1beta1')
    // The cached answer (fast path) follows it too; an unknown version gets v1 (kubectl then says what is wrong).
    const cachedBeta = await world.cli(['get-token', '-p', 'aks', '--output-format', 'exec-credential'], {
      extraEnv: {KUBERNETES_EXEC_INFO: info('client.authentication.k8s.io/v1beta1')},
    })
    expectExecCredential(cachedBeta.stdout, 'client.authentication.k8s.io/v1beta1')
    const odd = await world.cli(['get-token', '-p', 'aks', '--output-format', 'exec-credential'], {
      extraEnv: {KUBERNETES_EXEC_INFO: '{not json'},
    })
    expectExecCredential(odd.stdout)
  })

  it('refuses --json together with --output-format, and an unknown format, as usage errors', async () => {
    const both = await world.cli(['get-token', '-p', 'aks', '--json', '--output-format', 'exec-credential'])
    expect(both.code).to.equal(2)
    // With --json, errors are JSON on stdout as well; never a credential.
    expect(both.stdout).not.to.include('ExecCredential')
    expect(both.stderr).to.match(/^Error: .*--json.*\n$/)
    const unknown = await world.cli(['get-token', '-p', 'aks', '--output-format', 'yaml'])
    expect(unknown.code).to.equal(2)
    expect(unknown.stderr).to.match(/^Error: .*exec-credential.*\n$/)
  })

  it('kubeconfig prints the users[] entry: YAML whose values are strings, or --json', async () => {
    const yaml = await world.cli(['kubeconfig', '-p', 'aks', '-s', '6dae42f8-4368-4678-94ff-3960e28e3630/.default'])
    expect(yaml.code, yaml.stderr).to.equal(0)
    expect(yaml.stdout).to.equal(
      [
        'users:',
        '- name: "entra-aks"',
        '  user:',
        '    exec:',
        '      apiVersion: "client.authentication.k8s.io/v1"',
        '      command: "entra-auth-cli"',
        '      args:',
        '      - "get-token"',
        '      - "--profile"',
        '      - "aks"',
        '      - "--scope"',
        '      - "6dae42f8-4368-4678-94ff-3960e28e3630/.default"',
        '      - "--output-format"',
        '      - "exec-credential"',
        '      - "--silent"',
        '      interactiveMode: IfAvailable',
        '      provideClusterInfo: false',
        '',
      ].join('\n'),
    )
    const json = await world.cli([
      'kubeconfig',
      '-p',
      'aks',
      '--json',
      '--name',
      'me@aks',
      '--command',
      '/opt/entra/bin/entra-auth-cli',
    ])
    expect(json.code, json.stderr).to.equal(0)
    const entry = JSON.parse(json.stdout) as {name: string; user: {exec: {args: string[]; command: string}}}
    expect(entry.name).to.equal('me@aks')
    expect(entry.user.exec.command).to.equal('/opt/entra/bin/entra-auth-cli')

    // The stanza's own command line, run as kubectl runs it, yields an ExecCredential.
    const run = await world.cli(entry.user.exec.args, {
      extraEnv: {
        KUBERNETES_EXEC_INFO: JSON.stringify({
          apiVersion: 'client.authentication.k8s.io/v1',
          kind: 'ExecCredential',
          spec: {interactive: false},
        }),
      },
    })
    expect(run.code, run.stderr).to.equal(0)
    expect(run.stderr).to.equal('')
    expectExecCredential(run.stdout)

    const missing = await world.cli(['kubeconfig', '-p', 'nope'])
    expect(missing.code).to.equal(3)
    expect(missing.stdout).to.equal('')
  })
})
