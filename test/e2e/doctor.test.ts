import {expect} from 'chai'
import {createServer} from 'node:net'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {createClientCertificate} from '../support/certs.js'
import {startForwardProxy} from '../support/forward-proxy.js'
import type {Idp} from '../support/idp/index.js'
import {useWorld, type World} from '../support/world.js'

interface Finding {
  check: string
  status: 'ok' | 'warn' | 'fail'
  message: string
  fix?: string
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as import('node:net').AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('doctor: each finding ✓, ⚠ or ✗ with its fix; exit 10 on any ✗', function () {
  const suite = useWorld({profile: 'app'})
  let idp: Idp
  let world: World
  beforeEach(() => ({idp, world} = suite))

  async function doctor(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
    const result = await world.cli(['doctor', ...args, '--json'], {
      extraEnv: {NO_PROXY: undefined, no_proxy: undefined, ...extraEnv},
    })
    const report = JSON.parse(result.stdout) as {ok: boolean; findings: Finding[]}
    return {...result, report, failed: report.findings.filter((f) => f.status === 'fail')}
  }

  it('a healthy profile is all ✓, exit 0; the text form marks each line and prints no secret', async () => {
    const {code, report} = await doctor(['-p', 'app'])
    expect(code, JSON.stringify(report.findings, null, 2)).to.equal(0)
    expect(report.ok).to.equal(true)
    expect(report.findings.map((f) => f.status)).to.satisfy((s: string[]) => s.every((x) => x === 'ok'))
    expect(report.findings.map((f) => f.check)).to.include.members([
      'secret store',
      'home folder',
      'proxy',
      'authority',
      'clock',
      "profile 'app'",
    ])
    expect(report.findings.find((f) => f.check === "profile 'app'")!.message).to.equal(
      "Its client secret is stored in the 'encrypted-file' store.",
    )

    // Without -p: every profile's authority, no profile check.
    const all = await doctor([])
    expect(all.code, JSON.stringify(all.report.findings, null, 2)).to.equal(0)
    expect(all.report.findings.filter((f) => f.check === 'authority').map((f) => f.message)).to.deep.equal([
      `${idp.authority(world.tenantId)} answers its OpenID metadata; the TLS chain validates.`,
    ])

    const text = await world.cli(['doctor', '-p', 'app'])
    expect(text.code).to.equal(0)
    for (const line of text.stdout.trimEnd().split('\n')) expect(line).to.match(/^✓ /)
    expect(text.stdout + text.stderr).not.to.include(world.clientSecret)
  })

  it('reports a missing Secret Service when run outside D-Bus, with the fix', async () => {
    const {code, failed} = await doctor(['-p', 'app'], {
      DBUS_SESSION_BUS_ADDRESS: undefined,
      ENTRA_AUTH_CLI_STORE: 'keyring',
    })
    expect(code).to.equal(10)
    expect(failed).to.have.length(1)
    expect(failed[0].check).to.equal('secret store')
    expect(failed[0].message).to.match(
      /^'keyring', chosen by ENTRA_AUTH_CLI_STORE, is not usable: no D-Bus session \(DBUS_SESSION_BUS_ADDRESS is not set/,
    )
    expect(failed[0].fix).to.match(
      /D-Bus session with gnome-keyring.*ENTRA_AUTH_CLI_STORE=encrypted-file with ENTRA_AUTH_CLI_PASSPHRASE/,
    )

    // Nothing chosen and no passphrase either: no store at all.
    const none = await doctor([], {
      DBUS_SESSION_BUS_ADDRESS: undefined,
      ENTRA_AUTH_CLI_PASSPHRASE: undefined,
      ENTRA_AUTH_CLI_STORE: undefined,
    })
    expect(none.code).to.equal(10)
    expect(none.failed.map((f) => f.message)).to.include(
      'No secret store is usable: secrets and the token cache cannot be kept.',
    )
  })

  it('reports a proxy that refuses the CONNECT, with the fix', async () => {
    const proxy = await startForwardProxy({refuseConnect: 403})
    try {
      const {code, report, failed} = await doctor(['-p', 'app'], {HTTPS_PROXY: proxy.url})
      expect(code).to.equal(10)
      expect(report.findings).to.deep.include({
        check: 'proxy',
        message: `In effect: HTTPS_PROXY=${proxy.url}.`,
        status: 'ok',
      })
      expect(failed).to.have.length(1)
      expect(failed[0]).to.include({check: 'proxy'})
      expect(failed[0].message).to.match(/^The proxy refused to connect to 127\.0\.0\.1:\d+ \(HTTP 403\)/)
      expect(failed[0].fix).to.match(/^Fix HTTPS_PROXY .*NO_PROXY/)
      expect(proxy.targets()).to.deep.equal([idp.host])
    } finally {
      await proxy.stop()
    }
  })

  it('reports an untrusted CA, naming it and NODE_EXTRA_CA_CERTS', async () => {
    const {code, failed} = await doctor(['-p', 'app'], {NODE_EXTRA_CA_CERTS: undefined})
    expect(code).to.equal(10)
    expect(failed).to.have.length(1)
    expect(failed[0].check).to.equal('TLS')
    expect(failed[0].message).to.equal(
      `The TLS certificate of ${idp.host} does not validate. Its chain ends at 'CN=entra-auth-cli test identity provider CA', which this machine does not trust.`,
    )
    expect(failed[0].fix).to.match(/save it as PEM and set NODE_EXTRA_CA_CERTS=\/path\/to\/ca\.pem \(not set now\)\.$/)
  })

  it('names the untrusted CA through a proxy too: the chain is read through the same CONNECT tunnel', async () => {
    const proxy = await startForwardProxy()
    try {
      const {code, failed} = await doctor(['-p', 'app'], {HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: undefined})
      expect(code).to.equal(10)
      expect(failed.map((f) => f.message)).to.deep.equal([
        `The TLS certificate of ${idp.host} through the proxy ${proxy.url} does not validate. Its chain ends at 'CN=entra-auth-cli test identity provider CA', which this machine does not trust.`,
      ])
      expect(proxy.targets()).to.deep.equal([idp.host, idp.host])
    } finally {
      await proxy.stop()
    }
  })

  it('a certificate profile: ⚠ when its certificate expires within 30 days (exit 0), ✗ once expired; the fix says how to renew', async () => {
    for (const [validDays, status, code] of [
      [10, 'warn', 0],
      [-1, 'fail', 10],
    ] as const) {
      const cert = createClientCertificate({commonName: `doctor-${validDays}`, password: 'pfx-pass', validDays})
      const pfx = join(world.home.root, `app${validDays}.pfx`)
      writeFileSync(pfx, cert.pfx)
      const name = `cert${validDays}`
      const created = await world.createProfile(name, ['--certificate', pfx, '--certificate-password-stdin'], {
        secret: 'pfx-pass',
      })
      expect(created.code, created.stderr).to.equal(0)
      const result = await doctor(['-p', name])
      expect(result.code, JSON.stringify(result.report)).to.equal(code)
      const finding = result.report.findings.find((f) => f.check === `profile '${name}'`)!
      expect(finding.status).to.equal(status)
      expect(finding.message).to.match(
        validDays > 0
          ? /^Its certificate .* expires in (9|10) day\(s\), on \d{4}-/
          : /^Its certificate .* expired on \d{4}-/,
      )
      expect(finding.fix).to.match(/upload it to the app registration .*config edit -p cert/)
    }
  })

  it('a WorkloadIdentity profile: ✗ when AZURE_FEDERATED_TOKEN_FILE is not set', async () => {
    const env = {AZURE_AUTHORITY_HOST: idp.origin, AZURE_CLIENT_ID: world.clientId, AZURE_TENANT_ID: world.tenantId}
    expect(
      (await world.cli(['config', 'create', '--name', 'pod', '--flow', 'WorkloadIdentity'], {extraEnv: env})).code,
    ).to.equal(0)
    const {code, failed} = await doctor(['-p', 'pod'])
    expect(code).to.equal(10)
    expect(failed).to.deep.equal([
      {
        check: "profile 'pod'",
        fix: 'Set AZURE_FEDERATED_TOKEN_FILE to the file your platform writes the federated token to (Kubernetes workload identity sets it in the pod).',
        message: 'Its flow is WorkloadIdentity, but AZURE_FEDERATED_TOKEN_FILE is not set.',
        status: 'fail',
      },
    ])
  })

  it('a WorkloadIdentity profile at an authority that is neither Microsoft nor AZURE_AUTHORITY_HOST: ✗, as get-token refuses it', async () => {
    const env = {AZURE_AUTHORITY_HOST: idp.origin, AZURE_CLIENT_ID: world.clientId, AZURE_TENANT_ID: world.tenantId}
    expect(
      (await world.cli(['config', 'create', '--name', 'pod', '--flow', 'WorkloadIdentity'], {extraEnv: env})).code,
    ).to.equal(0)
    const tokenFile = join(world.home.root, 'federated-token')
    writeFileSync(tokenFile, 'eyJhbGciOiJub25lIn0.eyJleHAiOjR9.x')
    const {code, failed} = await doctor(['-p', 'pod'], {
      AZURE_AUTHORITY_HOST: undefined,
      AZURE_FEDERATED_TOKEN_FILE: tokenFile,
    })
    expect(code).to.equal(10)
    expect(failed).to.deep.equal([
      {
        check: "profile 'pod'",
        fix: `If you trust that server, set AZURE_AUTHORITY_HOST=${idp.origin}.`,
        message: `It signs in at ${idp.origin}, which is neither a Microsoft cloud nor AZURE_AUTHORITY_HOST, so the federated token is not sent there.`,
        status: 'fail',
      },
    ])
  })

  it('AZURE_CLIENT_SECRET for a profile at an authority get-token would not send it to: ✗; with AZURE_AUTHORITY_HOST ✓', async () => {
    const created = await world.createProfile('env', [], {secret: null})
    expect(created.code, created.stderr).to.equal(0)
    const azure = {
      AZURE_CLIENT_ID: world.clientId,
      AZURE_CLIENT_SECRET: world.clientSecret,
      AZURE_TENANT_ID: world.tenantId,
    }
    const refused = await doctor(['-p', 'env'], {...azure, AZURE_AUTHORITY_HOST: undefined})
    expect(refused.code).to.equal(10)
    expect(refused.failed).to.deep.equal([
      {
        check: "profile 'env'",
        fix: `If you trust that server, set AZURE_AUTHORITY_HOST=${idp.origin}, or store the client secret with entra-auth-cli config edit -p env.`,
        message: `AZURE_CLIENT_SECRET is set, but it signs in at ${idp.origin}, which is neither a Microsoft cloud nor AZURE_AUTHORITY_HOST, so the client secret is not sent there.`,
        status: 'fail',
      },
    ])
    const trusted = await doctor(['-p', 'env'], {...azure, AZURE_AUTHORITY_HOST: idp.origin})
    expect(trusted.code, JSON.stringify(trusted.failed)).to.equal(0)
  })

  it('an authority that answers with an Entra error (unknown tenant) is ✗ with its advice; the clock is still compared', async () => {
    const created = await world.createProfile('lost', [], {authority: idp.origin, tenantId: 'nowhere.example'})
    expect(created.code, created.stderr).to.equal(0)
    const {code, report, failed} = await doctor(['-p', 'lost'])
    expect(code).to.equal(10)
    expect(failed.map((f) => f.check)).to.deep.equal(['authority'])
    expect(failed[0].message).to.match(
      /answered HTTP 400 instead of its OpenID metadata: Authentication failed \(AADSTS90002\): The tenant was not found/,
    )
    expect(report.findings.find((f) => f.check === 'clock')?.status).to.equal('ok')
  })

  it('reports an unreachable authority (a closed port), with the fix', async () => {
    const port = await closedPort()
    const created = await world.createProfile('gone', [], {authority: `https://127.0.0.1:${port}`})
    expect(created.code, created.stderr).to.equal(0)
    const {code, failed} = await doctor(['-p', 'gone'])
    expect(code).to.equal(10)
    expect(failed).to.have.length(1)
    expect(failed[0].check).to.equal('authority')
    expect(failed[0].message).to.match(new RegExp(`^127\\.0\\.0\\.1:${port} cannot be reached: .*connection refused`))
    expect(failed[0].fix).to.equal('Check the network, firewall and the authority URL.')
  })
})
