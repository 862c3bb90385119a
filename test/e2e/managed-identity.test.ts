import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {accessSync, constants, existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {decodeJwt} from 'jose'
import {BIN, outputOf, ROOT, runCli, TestHome, type CliResult} from '../support/cli.js'
import {ARC_KEY_DIR, startAzureIdentity, type AzureIdentity, type Identity} from '../support/azure-identity/index.js'
import {OFFLINE_NPM, packWorkspace} from '../support/packages.js'
import {PASSPHRASE} from '../support/world.js'

const PLUGIN = 'entra-auth-cli-flow-managed-identity'
const RESOURCE = 'https://management.azure.com'
const RECORDER = join(ROOT, 'test', 'support', 'record-modules.mjs')

/**
 * The ManagedIdentity flow as users get it: packages/flow-managed-identity packed with npm, installed with
 * `plugins install file:<tgz>` into a fresh CLI data folder with npm offline, and asked for tokens from local
 * emulators of IMDS, App Service and Azure Arc that answer as Azure does (test/support/azure-identity).
 * One CLI home for the whole file: the install is the slow part, and every profile is its own cache anyway.
 */
describe('ManagedIdentity plugin: installed from its tarball, against emulated Azure endpoints', function () {
  this.timeout(120_000)
  let azure: AzureIdentity
  let home: TestHome
  let ci: Identity

  const env = (extra: NodeJS.ProcessEnv = {}) =>
    home.env({ENTRA_AUTH_CLI_PASSPHRASE: PASSPHRASE, ENTRA_AUTH_CLI_STORE: 'encrypted-file', ...OFFLINE_NPM, ...extra})
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}, input?: string) =>
    runCli(args, {env: env(extra), input, timeoutMs: 60_000})
  const token = (result: CliResult) => result.stdout.trim()
  const lastIssued = () => azure.tokens().at(-1)?.accessToken

  /** A ManagedIdentity profile: no tenant, no client id, no secret, nothing on stdin (a prompt would fail). */
  const createProfile = async (name: string, options: string[] = []) => {
    const created = await cli([
      'config',
      'create',
      '--name',
      name,
      '--flow',
      'ManagedIdentity',
      '--scope',
      `${RESOURCE}/.default`,
      ...options.flatMap((o) => ['--option', o]),
    ])
    expect(created.code, created.stderr).to.equal(0)
    return created
  }

  before(async () => {
    const tarball = await packWorkspace(PLUGIN)
    azure = await startAzureIdentity()
    ci = azure.addUserAssigned('ci')
    home = new TestHome('entra-mi-')
    const installed = await cli(['plugins', 'install', `file:${tarball}`])
    expect(installed.code, installed.stderr).to.equal(0)
    expect(installed.stderr).to.include('installed v1.0.0')
  })
  after(async () => {
    await azure?.stop()
    home?.cleanup()
  })
  beforeEach(() => azure.resetRequests())

  it('is listed, and a profile needs neither tenant, client id nor secret', async () => {
    const flows = await cli(['flows', '--json'])
    expect(flows.code, flows.stderr).to.equal(0)
    const listed = (JSON.parse(flows.stdout) as Array<{name: string; kind: string; plugin: string}>).find(
      (f) => f.name === 'ManagedIdentity',
    )
    expect(listed).to.include({kind: 'app-only', plugin: PLUGIN})

    // Nothing on stdin and no terminal: had config create wanted a tenant, a client id or a secret, it would fail.
    await createProfile('vm')
    const shown = await cli(['config', 'show', '-p', 'vm', '--json'])
    expect(shown.code, shown.stderr).to.equal(0)
    const profile = JSON.parse(shown.stdout) as Record<string, unknown>
    expect(profile.tenantId ?? '').to.equal('')
    expect(profile.clientId ?? '').to.equal('')
  })

  it("IMDS, system-assigned: the emulator's token; then the cache by the fast path (0 requests); --force asks again", async () => {
    const first = await cli(['get-token', '-p', 'vm', '--silent'], azure.imds.env())
    expect(first.code, first.stderr).to.equal(0)
    expect(token(first)).to.equal(lastIssued())
    expect(azure.requests('imds')).to.have.length(1)
    const [request] = azure.requests('imds')
    expect(request).to.deep.include({
      metadataHeader: 'true',
      method: 'GET',
      path: '/metadata/identity/oauth2/token',
      status: 200,
    })
    expect(request.query).to.deep.equal({'api-version': '2018-02-01', resource: RESOURCE})
    expect(decodeJwt(token(first))).to.include({aud: RESOURCE, idtyp: 'app', oid: azure.systemAssigned.objectId})
    azure.resetRequests()

    // Served before oclif loads: the recorder sees neither oclif nor the flow (at most the plugin's small hook file).
    const modulesFile = join(home.root, 'modules.txt')
    const second = await outputOf(
      spawn(process.execPath, ['--import', RECORDER, BIN, 'get-token', '-p', 'vm'], {
        env: env({...azure.imds.env(), RECORD_MODULES_FILE: modulesFile}),
      }),
    )
    expect(second.code, second.stderr).to.equal(0)
    expect(token(second)).to.equal(token(first))
    expect(second.stderr).to.include('(from cache)')
    const modules = readFileSync(modulesFile, 'utf8')
    expect(modules).not.to.include('@oclif/core')
    expect(modules).not.to.include(join(PLUGIN, 'dist', 'flow.js'))
    expect(azure.requests()).to.have.length(0)

    const forced = await cli(['get-token', '-p', 'vm', '--silent', '--force'], azure.imds.env())
    expect(forced.code, forced.stderr).to.equal(0)
    expect(token(forced)).to.equal(lastIssued()).and.not.equal(token(first))
    expect(azure.requests('imds')).to.have.length(1)
  })

  it('IMDS, user-assigned by client id, object id or resource id: the query parameter Azure reads', async () => {
    const cases = [
      {option: `client-id=${ci.clientId}`, param: 'client_id', value: ci.clientId},
      {option: `object-id=${ci.objectId}`, param: 'object_id', value: ci.objectId},
      {option: `resource-id=${ci.resourceId}`, param: 'msi_res_id', value: ci.resourceId},
    ]
    for (const [index, {option, param, value}] of cases.entries()) {
      await createProfile(`ua${index}`, [option])
      azure.resetRequests()
      const result = await cli(['get-token', '-p', `ua${index}`, '--silent'], azure.imds.env())
      expect(result.code, result.stderr).to.equal(0)
      expect(token(result)).to.equal(lastIssued())
      expect(decodeJwt(token(result))).to.include({appid: ci.clientId, xms_mirid: ci.resourceId})
      expect(azure.requests('imds').map((r) => r.query[param])).to.deep.equal([value])
    }
    await createProfile('both', [`client-id=${ci.clientId}`, `object-id=${ci.objectId}`])
    azure.resetRequests()
    const refused = await cli(['get-token', '-p', 'both'], azure.imds.env())
    expect(refused.code).to.equal(3)
    expect(refused.stderr).to.include(
      "Error: Profile 'both' names its user-assigned identity 2 ways (client-id, object-id)",
    )
    // A managed identity token is for one resource.
    const twoScopes = await cli(
      ['get-token', '-p', 'ua0', '--scope', `${RESOURCE}/.default`, '--scope', 'https://vault.azure.net/.default'],
      azure.imds.env(),
    )
    expect(twoScopes.code).to.equal(3)
    expect(twoScopes.stderr).to.include(
      'Error: A managed identity token is for one resource, but 2 scopes were asked for',
    )
    expect(azure.requests()).to.have.length(0)
  })

  it('a hand edit of the identity option in profiles.json is a cache miss: the new identity is asked, by both paths', async () => {
    await createProfile('swap', [`client-id=${ci.clientId}`])
    const first = await cli(['get-token', '-p', 'swap', '--silent'], azure.imds.env())
    expect(first.code, first.stderr).to.equal(0)
    expect(decodeJwt(token(first))).to.include({appid: ci.clientId})

    const other = azure.addUserAssigned('swap-other')
    const file = join(home.cliHome, 'profiles.json')
    const data = JSON.parse(readFileSync(file, 'utf8')) as {profiles: Array<Record<string, unknown>>}
    const profile = data.profiles.find((p) => p.name === 'swap')!
    expect(profile.flowOptions).to.deep.equal({'client-id': ci.clientId})
    profile.flowOptions = {'client-id': other.clientId}
    writeFileSync(file, JSON.stringify(data, null, 2))
    azure.resetRequests()

    const second = await cli(['get-token', '-p', 'swap', '--silent'], azure.imds.env())
    expect(second.code, second.stderr).to.equal(0)
    expect(decodeJwt(token(second))).to.include({appid: other.clientId})
    expect(azure.requests('imds').map((r) => r.query.client_id)).to.deep.equal([other.clientId])
    // Cached under the new identity: the next call (fast path) asks nobody.
    const third = await cli(['get-token', '-p', 'swap'], azure.imds.env())
    expect(third.code, third.stderr).to.equal(0)
    expect(third.stderr).to.include('(from cache)')
    expect(token(third)).to.equal(token(second))
    expect(azure.requests()).to.have.length(1)
  })

  it('App Service / Functions: IDENTITY_ENDPOINT with X-IDENTITY-HEADER, system- and user-assigned', async () => {
    await createProfile('app')
    await createProfile('app-ua', [`object-id=${ci.objectId}`])
    const system = await cli(['get-token', '-p', 'app', '--silent'], azure.appService.env())
    expect(system.code, system.stderr).to.equal(0)
    expect(token(system)).to.equal(lastIssued())
    const user = await cli(['get-token', '-p', 'app-ua', '--silent'], azure.appService.env())
    expect(user.code, user.stderr).to.equal(0)
    expect(decodeJwt(token(user))).to.include({appid: ci.clientId})
    const requests = azure.requests('app-service')
    expect(requests.map((r) => [r.identityHeader, r.query['api-version'], r.query.object_id])).to.deep.equal([
      [true, '2019-08-01', undefined],
      [true, '2019-08-01', ci.objectId],
    ])
  })

  it('Azure Arc: answers the 401 key-file challenge with the key, once', async function () {
    // msal-node reads Arc keys only from /var/opt/azcmagent/tokens, where the agent writes them: the emulator
    // needs to write there too (root, as CI runs; elsewhere this test is skipped, the next one still runs).
    if (!canWrite(ARC_KEY_DIR)) this.skip()
    await createProfile('arc')
    await createProfile('arc-ua', [`client-id=${ci.clientId}`])
    const system = await cli(['get-token', '-p', 'arc', '--silent'], azure.arc.env())
    expect(system.code, system.stderr).to.equal(0)
    expect(token(system)).to.equal(lastIssued())
    const user = await cli(['get-token', '-p', 'arc-ua', '--silent'], azure.arc.env())
    expect(user.code, user.stderr).to.equal(0)
    expect(decodeJwt(token(user))).to.include({appid: ci.clientId})
    expect(
      azure.requests('arc').map((r) => [r.status, r.authorization, r.metadataHeader, r.query['api-version']]),
    ).to.deep.equal([
      [401, false, 'true', '2020-06-01'],
      [200, true, 'true', '2020-06-01'],
      [401, false, 'true', '2020-06-01'],
      [200, true, 'true', '2020-06-01'],
    ])
  })

  it('Azure Arc: a challenge naming a key file where the agent keeps none is refused (exit 3), nothing read', async () => {
    await createProfile('arc-bad')
    const elsewhere = join(home.root, 'keys')
    for (const [challenge, said] of [
      [{dir: elsewhere}, 'named a key file outside /var/opt/azcmagent/tokens/, where the Arc agent keeps them'],
      [{dir: ARC_KEY_DIR, extension: '.txt', missing: true}, 'named a key file that is not a .key file'],
    ] as const) {
      azure.arc.setChallenge(challenge)
      const refused = await cli(['get-token', '-p', 'arc-bad', '--force'], azure.arc.env())
      expect(refused.code, refused.stderr).to.equal(3)
      expect(refused.stderr).to.include(`Error: Azure Arc ${said}; refusing to read it. Check that IDENTITY_ENDPOINT`)
    }
    azure.arc.setChallenge({})
    // One 401 each, no second request carrying a key.
    expect(azure.requests('arc').map((r) => [r.status, r.authorization])).to.deep.equal([
      [401, false],
      [401, false],
    ])
    rmSync(elsewhere, {force: true, recursive: true})
  })

  it('retries 429 and 5xx as Azure documents, then succeeds', async () => {
    azure.imds.fail({status: 429})
    const imds = await cli(['get-token', '-p', 'vm', '--silent', '--force'], azure.imds.env())
    expect(imds.code, imds.stderr).to.equal(0)
    expect(token(imds)).to.equal(lastIssued())
    expect(azure.requests('imds').map((r) => r.status)).to.deep.equal([429, 200])

    azure.appService.fail({retryAfterSeconds: 0, status: 500})
    azure.appService.fail({retryAfterSeconds: 0, status: 503})
    const app = await cli(['get-token', '-p', 'app', '--silent', '--force'], azure.appService.env())
    expect(app.code, app.stderr).to.equal(0)
    expect(azure.requests('app-service').map((r) => r.status)).to.deep.equal([500, 503, 200])
  })

  it('gives up after three retries: exit 5, saying what answered', async () => {
    azure.appService.fail({retryAfterSeconds: 0, status: 503, times: 4})
    const result = await cli(['get-token', '-p', 'app', '--force'], azure.appService.env())
    expect(result.code).to.equal(5)
    expect(result.stderr).to.include(`Error: App Service at ${azure.appService.origin} answered 503 after 4 tries`)
    expect(azure.requests('app-service')).to.have.length(4)
    expect(azure.appService.pendingFaults()).to.equal(0)
  })

  it("a refusal is exit 4 with Azure's words; an endpoint that is not there is exit 5", async () => {
    await createProfile('nobody', ['client-id=00000000-0000-4000-8000-000000000bad'])
    const unknown = await cli(['get-token', '-p', 'nobody'], azure.imds.env())
    expect(unknown.code).to.equal(4)
    expect(unknown.stderr).to.include(
      `Error: IMDS at ${azure.imds.origin} refused a token for ${RESOURCE} (400 Bad Request for the user-assigned identity with client id 00000000-0000-4000-8000-000000000bad): Identity not found.`,
    )
    azure.refuseResource('https://typo.example')
    const typo = await cli(
      ['get-token', '-p', 'vm', '--force', '--scope', 'https://typo.example/.default'],
      azure.imds.env(),
    )
    expect(typo.code).to.equal(4)
    expect(typo.stderr).to.include('AADSTS500011: The resource principal named https://typo.example was not found')

    const unreachable = await cli(['get-token', '-p', 'vm', '--force'], await azure.unreachableEnv())
    expect(unreachable.code).to.equal(5)
    expect(unreachable.stderr).to.match(/Error: Cannot reach IMDS at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\./)
  })

  it('a hung endpoint: --timeout ends the run with exit 5, the request abandoned', async () => {
    azure.imds.fail({delayMs: 60_000})
    const result = await cli(['get-token', '-p', 'vm', '--force', '--timeout', '2s'], azure.imds.env())
    expect(result.code, result.stderr).to.equal(5)
    expect(result.stderr).to.include('Error: Timed out after 2 s')
    expect(azure.requests('imds').map((r) => r.status)).to.deep.equal([0])
  })

  it('the tarball installs alone: no dependency beside the plugin in the data folder', () => {
    const dataDir = join(home.home, '.local', 'share', 'entra-auth-cli', 'node_modules', PLUGIN)
    expect(existsSync(join(dataDir, 'dist', 'flow.js'))).to.equal(true)
    // The tarball has no dependencies: nothing else was installed beside it.
    expect(existsSync(join(dataDir, 'node_modules'))).to.equal(false)
  })

  it('after plugins uninstall, the profile names the missing plugin (exit 3)', async () => {
    const removed = await cli(['plugins', 'uninstall', PLUGIN])
    expect(removed.code, removed.stderr).to.equal(0)
    const result = await cli(['get-token', '-p', 'vm', '--force'], azure.imds.env())
    expect(result.code).to.equal(3)
    expect(result.stderr).to.include(
      `Error: Profile 'vm' uses the flow 'ManagedIdentity', which is not installed any more; reinstall the plugin '${PLUGIN}'`,
    )
    expect(azure.requests()).to.have.length(0)
  })
})

/** Whether `dir` exists writable, or could be created: its nearest existing ancestor is writable. */
function canWrite(dir: string): boolean {
  let current = dir
  while (!existsSync(current)) current = dirname(current)
  try {
    accessSync(current, constants.W_OK)
    return true
  } catch {
    return false
  }
}
