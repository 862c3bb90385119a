import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type AddressInfo} from 'node:net'
import {basename, dirname, join} from 'node:path'
import {ROOT} from '../support/cli.js'
import {startIdp, type Idp} from '../support/idp/index.js'
import {OFFLINE_NPM, npm, packWorkspace, run} from '../support/packages.js'
import {registerSensitive} from '../support/plaintext-scan.js'
import {startWorld, type World} from '../support/world.js'

const GUIDE = join(ROOT, 'docs', 'plugins.md')

/** The blocks of the guide that name a file (```ts file=src/flow.ts), as {path: content}. */
function guideFiles(): Record<string, string> {
  const files: Record<string, string> = {}
  for (const match of readFileSync(GUIDE, 'utf8').matchAll(/^```\w+ file=(\S+)\n([\s\S]*?)^```$/gm))
    files[match[1]] = match[2]
  return files
}

/**
 * docs/plugins.md is the plugin: its blocks are written out, compiled with TypeScript as the guide configures it,
 * packed with the contract package bundled, installed with `plugins install file:<tgz>` (npm offline) and used
 * against the local identity provider, exit codes 3, 4 and 5 included. If the guide rots, this fails.
 */
describe("the plugin author's guide (docs/plugins.md), built and installed as it says", function () {
  this.timeout(180_000)
  let idp: Idp
  let world: World
  let tokenUrl: string
  let project: string | undefined

  before(async () => {
    const files = guideFiles()
    expect(Object.keys(files).sort()).to.deep.equal([
      'package.json',
      'src/flow-hook.ts',
      'src/flow.ts',
      'src/store-hook.ts',
      'src/store.ts',
      'tsconfig.json',
    ])
    // Inside the repository, so TypeScript and @types/node resolve from its node_modules as a devDependency would.
    mkdirSync(join(ROOT, '.test-tmp'), {recursive: true})
    project = mkdtempSync(join(ROOT, '.test-tmp', 'guide-plugin-'))
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(project, path)), {recursive: true})
      writeFileSync(join(project, path), content)
    }
    // As the guide says: the contract's tarball vendored, package.json depending on the file, a plain npm install.
    const contract = await packWorkspace('entra-auth-cli-plugin-api')
    mkdirSync(join(project, 'vendor'))
    copyFileSync(contract, join(project, 'vendor', basename(contract)))
    await npm(['install'], project)
    // The guide's `npm run build` (tsc) with the repository's TypeScript, which a devDependency would provide.
    await run(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
      project,
    )
    await npm(['pack'], project)
    const tarball = join(project, 'entra-auth-cli-plugin-example-1.0.0.tgz')
    expect(existsSync(tarball)).to.equal(true)

    idp = await startIdp()
    world = await startWorld({idp})
    tokenUrl = idp.tokenEndpoint(world.tenantId)
    const installed = await world.cli(['plugins', 'install', `file:${tarball}`], {
      extraEnv: OFFLINE_NPM,
      timeoutMs: 120_000,
    })
    expect(installed.code, installed.stderr).to.equal(0)
  })
  after(async () => {
    world?.home.cleanup()
    await idp?.stop()
    if (project) rmSync(project, {force: true, recursive: true})
  })

  const create = (name: string, url: string, secret: string, extraEnv: NodeJS.ProcessEnv = {}) =>
    world.cli(
      [
        'config',
        'create',
        '--name',
        name,
        '--flow',
        'TokenUrl',
        '--client-id',
        world.clientId,
        '--scope',
        'api://data/.default',
        '--option',
        `token-url=${url}`,
        '--option-stdin',
        'client-secret',
      ],
      {extraEnv, input: secret},
    )

  it('the flow gets a token from the identity provider, then from the cache', async () => {
    const created = await create('guide', tokenUrl, world.clientSecret)
    expect(created.code, created.stderr).to.equal(0)
    idp.resetCounts()
    const first = await world.cli(['get-token', '-p', 'guide', '--silent'])
    expect(first.code, first.stderr).to.equal(0)
    expect(first.stdout).to.match(/^eyJ/)
    expect(idp.tokenRequests()).to.have.length(1)
    expect(idp.tokenRequests()[0]).to.include({client_id: world.clientId, grant_type: 'client_credentials'})
    const second = await world.cli(['get-token', '-p', 'guide'])
    expect(second.code, second.stderr).to.equal(0)
    expect(second.stdout).to.equal(first.stdout)
    expect(second.stderr).to.include('(from cache)')
    expect(idp.tokenRequests()).to.have.length(1)
  })

  it('ends with exit 4 when refused, 5 when unreachable, 3 when misconfigured', async () => {
    const wrong = `${randomBytes(24).toString('base64url')}~W`
    registerSensitive(wrong)
    expect((await create('refused', tokenUrl, wrong)).code).to.equal(0)
    const refused = await world.cli(['get-token', '-p', 'refused'])
    expect(refused.code, refused.stderr).to.equal(4)
    expect(refused.stderr).to.include(`Error: ${tokenUrl} refused: AADSTS7000215`)

    const closed = `https://127.0.0.1:${await closedPort()}/token`
    expect((await create('down', closed, world.clientSecret)).code).to.equal(0)
    const down = await world.cli(['get-token', '-p', 'down'])
    expect(down.code, down.stderr).to.equal(5)
    expect(down.stderr).to.include(`Error: Cannot reach ${closed}: ECONNREFUSED.`)

    expect((await create('plain', tokenUrl.replace('https:', 'http:'), world.clientSecret)).code).to.equal(0)
    const plain = await world.cli(['get-token', '-p', 'plain'])
    expect(plain.code, plain.stderr).to.equal(3)
    expect(plain.stderr).to.include('Error: token-url must be an https URL')
  })

  it("the store keeps a profile's secrets in its own encrypted file", async () => {
    const key = randomBytes(32).toString('hex')
    registerSensitive(key)
    const env = {ENTRA_AUTH_CLI_PASSPHRASE: undefined, ENTRA_AUTH_CLI_STORE: 'env-key-file', ENTRA_STORE_KEY: key}
    const created = await create('stored', tokenUrl, world.clientSecret, env)
    expect(created.code, created.stderr).to.equal(0)
    expect(existsSync(join(world.home.cliHome, 'env-key-file.json'))).to.equal(true)
    const result = await world.cli(['get-token', '-p', 'stored', '--silent'], {extraEnv: env})
    expect(result.code, result.stderr).to.equal(0)
    const noKey = await world.cli(['get-token', '-p', 'stored', '--force'], {
      extraEnv: {...env, ENTRA_STORE_KEY: undefined},
    })
    expect(noKey.code).to.equal(3)
    expect(noKey.stderr).to.include('ENTRA_STORE_KEY is not 64 hex characters')
  })
})

/** A loopback port nothing listens on (it did a moment ago): connecting is refused. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
