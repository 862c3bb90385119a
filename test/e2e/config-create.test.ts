/**
 * `config create` at a real terminal (tmux): the questions, inline validation, arrow keys, masked secrets, the
 * summary, and Ctrl-C leaving nothing behind. The profile and the secret store are checked on disk afterwards.
 */
import {expect} from 'chai'
import {existsSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {createClientCertificate} from '../support/certs.js'
import {ROOT, runCli, TestHome} from '../support/cli.js'
import {Terminal} from '../support/pty.js'
import {EncryptedFileStore} from '../../src/stores/encrypted-file.js'

const STORE_PASSPHRASE = 'store-passphrase-for-tests'
const TENANT = 'contoso.onmicrosoft.com'
const CLIENT = '11111111-2222-3333-4444-555555555555'

describe('config create at a terminal (tmux)', function () {
  this.timeout(60_000)
  let home: TestHome
  let terminal: Terminal | undefined

  beforeEach(() => {
    home = new TestHome('entra-create-')
  })
  afterEach(async () => {
    await terminal?.close()
    terminal = undefined
    home.cleanup()
  })

  const env = () => home.env({ENTRA_AUTH_CLI_PASSPHRASE: STORE_PASSPHRASE, ENTRA_AUTH_CLI_STORE: 'encrypted-file'})
  const profilesFile = () => join(home.cliHome, 'profiles.json')
  const profiles = () => JSON.parse(readFileSync(profilesFile(), 'utf8')).profiles as Array<Record<string, unknown>>
  const secret = (key: string) =>
    new EncryptedFileStore(join(home.cliHome, 'secrets.enc'), async () => STORE_PASSPHRASE).get(key)
  const start = async (args: string[] = []) =>
    (terminal = await Terminal.start(['config', 'create', ...args], {env: env()}))

  it('asks each question with a default, re-prompts on bad input, takes arrow keys, masks the secret, and saves', async () => {
    const t = await start()
    expect(await t.waitFor('? Profile name')).to.include('(default)')
    await t.answer('bad name!')
    await t.waitFor("Invalid profile name 'bad name!'")
    await t.press('C-u')
    await t.answer('myapp')
    await t.waitFor('? Directory (tenant) ID or domain')
    await t.answer('not a tenant')
    await t.waitFor("Invalid tenant id 'not a tenant'")
    await t.press('C-u')
    await t.answer(TENANT)
    await t.waitFor('? Application (client) ID')
    await t.answer('not-a-guid')
    await t.waitFor("Invalid client id 'not-a-guid'")
    await t.press('C-u')
    await t.answer(CLIENT)

    await t.waitFor('? Cloud')
    await t.choose('Azure US Government')
    await t.waitFor('? How does the app authenticate?')
    await t.choose('Client secret')
    await t.waitFor('? Client secret')
    await t.answer('')
    await t.waitFor('Enter the secret value')
    await t.answer('Very-Secret-Value~42')
    await pickFlowIfAsked(t, 'ClientCredentials')
    await t.waitFor('? Scope(s), space-separated (https://graph.microsoft.com/.default)')
    await t.answer('api://my-api/.default')

    const {code, screen} = await t.waitForExit()
    expect(code, screen).to.equal(0)
    expect(screen).to.not.include('Very-Secret-Value~42')
    expect(screen).to.include('✔ Client secret ********************')
    expect(screen).to.include("✓ Profile 'myapp' created")
    expect(screen).to.match(/Authority\s+https:\/\/login\.microsoftonline\.us/)
    expect(screen).to.include('Next: entra-auth-cli get-token -p myapp')

    expect(profiles()).to.deep.equal([
      {
        authMethod: 'ClientSecret',
        clientId: CLIENT,
        cloud: 'AzureUSGovernment',
        defaultFlow: 'ClientCredentials',
        name: 'myapp',
        scopes: ['api://my-api/.default'],
        secretStore: 'encrypted-file',
        tenantId: TENANT,
      },
    ])
    expect(await secret('profile:myapp:client-secret')).to.equal('Very-Secret-Value~42')
    expect(readFileSync(profilesFile(), 'utf8')).to.not.include('Very-Secret-Value~42')
    expect(readFileSync(join(home.cliHome, 'secrets.enc'), 'utf8')).to.not.include('Very-Secret-Value~42')
  })

  it('takes a certificate: an unreadable path and a wrong password are re-asked, the password goes to the store', async () => {
    const cert = createClientCertificate({commonName: 'wizard-cert', password: 'pfx-pass-1'})
    const pfx = join(home.root, 'app.pfx')
    writeFileSync(pfx, cert.pfx)
    // Every id is a flag: only the credential is asked for.
    const t = await start([
      '--name',
      'certapp',
      '--tenant-id',
      TENANT,
      '--client-id',
      CLIENT,
      '--scope',
      'api://x/.default',
    ])
    await t.waitFor('? How does the app authenticate?')
    await t.choose('Certificate')
    await t.waitFor('? Certificate file')
    await t.answer(join(home.root, 'missing.pfx'))
    await t.waitFor('Cannot read')
    await t.press('C-u')
    await t.answer(pfx)
    await t.waitFor('? Certificate password')
    await t.answer('wrong-password')
    await t.waitFor('That password does not open the certificate')
    await t.press('C-u')
    await t.answer('pfx-pass-1')

    const {code, screen} = await t.waitForExit()
    expect(code, screen).to.equal(0)
    expect(screen).to.not.include('pfx-pass-1')
    expect(screen).to.not.include('wrong-password')
    expect(screen).to.not.include('? Cloud')
    expect(screen).to.not.include('? Default flow')
    const [profile] = profiles()
    expect(profile).to.include({
      authMethod: 'Certificate',
      certificatePath: pfx,
      name: 'certapp',
      secretStore: 'encrypted-file',
      useCertificate: true,
    })
    expect(await secret('profile:certapp:certificate-password')).to.equal('pfx-pass-1')
  })

  it('refuses a name that is taken, right where it is typed', async () => {
    const made = await runCli(
      ['config', 'create', '--name', 'taken', '--tenant-id', TENANT, '--client-id', CLIENT, '--client-secret-stdin'],
      {env: env(), input: 'x-secret'},
    )
    expect(made.code, made.stderr).to.equal(0)
    const t = await start()
    await t.waitFor('? Profile name')
    await t.answer('taken')
    await t.waitFor("Profile 'taken' already exists; pick another name")
    await t.press('C-c')
    expect((await t.waitForExit()).code).to.equal(130)
    expect(profiles().map((p) => p.name)).to.deep.equal(['taken'])
  })

  it('Ctrl-C after the secret was typed writes nothing: no profile, no secret, exit 130', async () => {
    const t = await start()
    await t.waitFor('? Profile name')
    await t.answer('halfway')
    await t.waitFor('? Directory (tenant) ID')
    await t.answer(TENANT)
    await t.waitFor('? Application (client) ID')
    await t.answer(CLIENT)
    await t.waitFor('? Cloud')
    await t.press('Enter')
    await t.waitFor('? How does the app authenticate?')
    await t.press('Enter')
    await t.waitFor('? Client secret')
    await t.answer('typed-but-never-saved')
    await pickFlowIfAsked(t, 'ClientCredentials')
    await t.waitFor('? Scope(s)')
    await t.type('api://half')
    await t.press('C-c')

    const {code, screen} = await t.waitForExit()
    expect(code, screen).to.equal(130)
    expect(screen).to.include('Cancelled; nothing was changed.')
    expect(screen).to.not.include('typed-but-never-saved')
    expect(existsSync(profilesFile())).to.equal(false)
    expect(existsSync(join(home.cliHome, 'secrets.enc'))).to.equal(false)
    // Not even a temp or lock file is left behind.
    expect(existsSync(home.cliHome) ? readdirSync(home.cliHome) : []).to.deep.equal([])
  })

  it('a new secrets file: its passphrase is asked twice (masked), at least 8 characters, and the file opens with it', async () => {
    terminal = await Terminal.start(
      [
        'config',
        'create',
        '--name',
        'myapp',
        '--tenant-id',
        TENANT,
        '--client-id',
        CLIENT,
        '--auth-method',
        'ClientSecret',
      ],
      {
        env: home.env({ENTRA_AUTH_CLI_PASSPHRASE: undefined, ENTRA_AUTH_CLI_STORE: 'encrypted-file'}),
      },
    )
    const t = terminal
    await t.waitFor('? Client secret')
    await t.answer('Very-Secret-Value~42')
    await t.waitFor('? New passphrase for the entra-auth-cli secrets file')
    await t.answer('short')
    await t.waitFor('Use at least 8 characters')
    await t.press('C-u')
    await t.answer('typed secrets passphrase')
    await t.waitFor('? Repeat the passphrase')
    await t.answer('typed secrets passphrase')
    const {code, screen} = await t.waitForExit()
    expect(code, screen).to.equal(0)
    expect(screen).to.not.include('typed secrets passphrase')
    const store = new EncryptedFileStore(join(home.cliHome, 'secrets.enc'), async () => 'typed secrets passphrase')
    expect(await store.get('profile:myapp:client-secret')).to.equal('Very-Secret-Value~42')
  })

  it('without a terminal, asks for nothing and names the missing flags', async () => {
    const result = await runCli(['config', 'create', '--name', 'x'], {env: env()})
    expect(result.code).to.equal(2)
    expect(result.stderr).to.equal(
      "Error: Missing --tenant-id, --client-id; pass them as flags (no terminal to ask on), see 'entra-auth-cli config create --help'.\n",
    )
    expect(existsSync(profilesFile())).to.equal(false)
  })

  it('asks only for what a plugin flow uses: no tenant, client id, cloud or credential; its options, the secret one masked', async () => {
    const linked = await runCli(
      ['plugins', 'link', join(ROOT, 'test', 'fixtures', 'plugins', 'static-flow'), '--no-install'],
      {env: env()},
    )
    expect(linked.code, linked.stderr).to.equal(0)
    const t = await start(['--flow', 'static'])
    await t.waitFor('? Profile name')
    await t.answer('box')
    const label = await t.waitFor('? A label for the token (label, optional)')
    for (const unasked of ['tenant', 'client) ID', 'Cloud', 'authenticate']) expect(label).to.not.include(unasked)
    await t.answer('blue')
    await t.waitFor('? A secret the flow could use (pin, optional)')
    await t.answer('pin-4471-secret')
    await t.waitFor('? Scope(s)')
    await t.answer('')
    const {code, screen} = await t.waitForExit()
    expect(code, screen).to.equal(0)
    expect(screen).to.not.include('pin-4471-secret')
    expect(profiles()[0]).to.deep.include({
      authMethod: 'None',
      clientId: '',
      defaultFlow: 'Static',
      secretOptions: ['pin'],
      tenantId: '',
    })
    expect(profiles()[0].flowOptions).to.deep.equal({label: 'blue'})
    expect(await secret('profile:box:option:pin')).to.equal('pin-4471-secret')
  })
})

/** The flow question appears only when more than one flow is installed (plugins add flows). */
async function pickFlowIfAsked(t: Terminal, flow: string): Promise<void> {
  const screen = await t.waitFor(/\? (Default flow|Scope\(s\))/)
  if (screen.includes('? Default flow')) {
    await t.choose(flow)
  }
}
