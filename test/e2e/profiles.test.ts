import {expect} from 'chai'
import {existsSync, readFileSync, statSync, writeFileSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {runCli, TestHome} from '../support/cli.js'
import {PASSPHRASE} from '../support/world.js'

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const CLIENT = '04b07795-8ddb-461a-bbee-02f9e1bf7b46'

describe('profiles: config create/list/show/delete for scripts', () => {
  let home: TestHome
  const env = (extra: NodeJS.ProcessEnv = {}) =>
    home.env({ENTRA_AUTH_CLI_PASSPHRASE: PASSPHRASE, ENTRA_AUTH_CLI_STORE: 'encrypted-file', ...extra})
  const cli = (args: string[], input?: string, extra?: NodeJS.ProcessEnv) => runCli(args, {env: env(extra), input})
  const create = (name: string, extra: string[] = [], input?: string) =>
    cli(['config', 'create', '--name', name, '--tenant-id', TENANT, '--client-id', CLIENT, ...extra], input)
  const profilesFile = () => join(home.cliHome, 'profiles.json')

  beforeEach(() => {
    home = new TestHome()
  })
  afterEach(() => home.cleanup())

  it('creates a profile: 0600 files in a 0700 folder, schema-versioned, the secret never in profiles.json', async () => {
    const result = await create('app', ['--client-secret-stdin', '--scope', 'api://x/.default'], 'top-secret-value-1')
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.equal('')
    expect(result.stderr).to.include("✓ Profile 'app' created")
    expect(statSync(home.cliHome).mode & 0o777).to.equal(0o700)
    expect(statSync(profilesFile()).mode & 0o777).to.equal(0o600)
    expect(statSync(join(home.cliHome, 'secrets.enc')).mode & 0o777).to.equal(0o600)
    const file = JSON.parse(readFileSync(profilesFile(), 'utf8'))
    expect(file.schemaVersion).to.equal(1)
    expect(file.profiles[0]).to.include({
      authMethod: 'ClientSecret',
      clientId: CLIENT,
      defaultFlow: 'ClientCredentials',
      name: 'app',
      secretStore: 'encrypted-file',
      tenantId: TENANT,
    })
    expect(readFileSync(profilesFile(), 'utf8')).not.to.include('top-secret-value-1')
    expect(readFileSync(join(home.cliHome, 'secrets.enc'), 'utf8')).not.to.include('top-secret-value-1')
  })

  for (const [label, args, message] of [
    [
      'a client id that is not a GUID',
      ['--name', 'x', '--tenant-id', TENANT, '--client-id', 'my-app'],
      /Invalid client id 'my-app'/,
    ],
    ['a malformed tenant', ['--name', 'x', '--tenant-id', 'not a tenant', '--client-id', CLIENT], /Invalid tenant id/],
    [
      'an http authority',
      ['--name', 'x', '--tenant-id', TENANT, '--client-id', CLIENT, '--authority', 'http://login.example.com'],
      /must use https/,
    ],
    ['a bad profile name', ['--name', '../etc', '--tenant-id', TENANT, '--client-id', CLIENT], /Invalid profile name/],
    [
      'an unknown cloud',
      ['--name', 'x', '--tenant-id', TENANT, '--client-id', CLIENT, '--cloud', 'Mars'],
      /Unknown cloud 'Mars'/,
    ],
    [
      'an unreadable certificate',
      ['--name', 'x', '--tenant-id', TENANT, '--client-id', CLIENT, '--certificate', '/nonexistent/cert.pfx'],
      /Cannot read the certificate file/,
    ],
    [
      'an authority naming another tenant',
      [
        '--name',
        'x',
        '--tenant-id',
        TENANT,
        '--client-id',
        CLIENT,
        '--authority',
        'https://login.microsoftonline.us/other',
      ],
      /names tenant 'other'/,
    ],
  ] as const) {
    it(`rejects ${label}: one line on stderr, exit 2, nothing written`, async () => {
      const result = await cli(['config', 'create', ...args])
      expect(result.code).to.equal(2)
      expect(result.stderr).to.match(message)
      expect(result.stderr.trim().split('\n')).to.have.length(1)
      expect(existsSync(home.cliHome)).to.equal(false)
    })
  }

  it('without a terminal, missing values are a usage error, not a hang', async () => {
    const result = await cli(['config', 'create', '--name', 'x'])
    expect(result.code).to.equal(2)
    expect(result.stderr).to.include('Missing --tenant-id, --client-id')
  })

  it('takes the authority as a host or as host/tenant, meaning the same', async () => {
    await create('a', ['--authority', 'https://login.microsoftonline.us'])
    await create('b', ['--authority', `https://login.microsoftonline.us/${TENANT}/`])
    await create('c', ['--cloud', 'AzureUSGovernment'])
    const list = JSON.parse((await cli(['config', 'list', '--json'])).stdout)
    expect(list.map((p: {authority: string}) => p.authority)).to.deep.equal(
      Array(3).fill('https://login.microsoftonline.us'),
    )
  })

  it('refuses a duplicate name and keeps the first profile', async () => {
    await create('dup', ['--client-secret-stdin'], 'first-secret-value')
    const again = await create('dup', ['--client-secret-stdin'], 'second-secret-value')
    expect(again.code).to.equal(2)
    expect(again.stderr).to.include("Profile 'dup' already exists")
    const shown = JSON.parse((await cli(['config', 'show', '-p', 'dup', '--json'])).stdout)
    expect(shown.secrets['client-secret']).to.match(/^stored in encrypted file /)
  })

  it('list and show print settings and where secrets live, never the secret', async () => {
    await create('app', ['--client-secret-stdin'], 'never-shown-secret')
    const table = await cli(['config', 'list'])
    expect(table.stdout).to.match(/^NAME\s+TENANT\s+CLIENT ID\s+AUTH\s+FLOW\s+SECRET\n/)
    expect(table.stdout).to.match(/app\s+72f988bf.*ClientSecret\s+ClientCredentials\s+encrypted-file/)
    for (const args of [
      ['config', 'list', '--json'],
      ['config', 'show', '-p', 'app'],
      ['config', 'show', '-p', 'app', '--json'],
    ]) {
      const out = await cli(args)
      expect(out.code).to.equal(0)
      expect(out.stdout + out.stderr).not.to.include('never-shown-secret')
    }
    const shown = await cli(['config', 'show', '-p', 'app'])
    expect(shown.stdout).to.include(`client-secret: stored in encrypted file ${join(home.cliHome, 'secrets.enc')}`)
  })

  it('reports a corrupt profiles.json with its path and leaves it untouched', async () => {
    mkdirSync(home.cliHome, {recursive: true})
    writeFileSync(profilesFile(), '{"profiles": [ {oops')
    for (const args of [
      ['config', 'list'],
      ['get-token', '-p', 'x'],
    ]) {
      const result = await cli(args)
      expect(result.code).to.equal(3)
      expect(result.stderr).to.include(`${profilesFile()} is not valid JSON`)
    }
    const created = await create('new')
    expect(created.code).to.equal(3)
    expect(readFileSync(profilesFile(), 'utf8')).to.equal('{"profiles": [ {oops')
  })

  it('reports a profile record with a missing or mistyped field by file, profile and field, exit 3, file untouched', async () => {
    mkdirSync(home.cliHome, {recursive: true, mode: 0o700})
    const good = {authMethod: 'ClientSecret', clientId: CLIENT, name: 'good', tenantId: TENANT}
    for (const [record, field] of [
      [
        {authMethod: 'ClientSecret', name: 'noclient', tenantId: TENANT},
        "profile 2 'noclient': the field 'clientId' is missing",
      ],
      [{...good, name: 'mistyped', tenantId: 42}, "profile 2 'mistyped': the field 'tenantId' must be a string"],
      [{...good, authMethod: 'Password', name: 'method'}, "profile 2 'method': the field 'authMethod' is 'Password'"],
      [
        {...good, name: 'scopes', scopes: 'User.Read'},
        "profile 2 'scopes': the field 'scopes' must be a list of strings",
      ],
      [{...good, name: '../escape'}, "profile 2 '../escape': the field 'name': Invalid profile name"],
      ['not an object', 'profile 2: not a profile object'],
    ] as const) {
      const text = JSON.stringify({profiles: [good, record], schemaVersion: 1})
      writeFileSync(profilesFile(), text)
      for (const args of [
        ['config', 'list'],
        ['get-token', '-p', 'good'],
        ['config', 'show', '-p', 'good'],
      ]) {
        const result = await cli(args)
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(3)
        expect(result.stderr.startsWith(`Error: ${profilesFile()}: ${field}`), result.stderr).to.equal(true)
        expect(result.stderr).to.match(/It was left untouched\.\n$/)
        expect(result.stderr.trim().split('\n')).to.have.length(1)
      }
      expect((await create('new')).code).to.equal(3)
      expect(readFileSync(profilesFile(), 'utf8')).to.equal(text)
    }
  })

  it('refuses a name that differs from an existing one only in case, on create and on rename', async () => {
    expect((await create('app')).code).to.equal(0)
    expect((await create('other')).code).to.equal(0)
    const created = await create('App')
    expect(created.code).to.equal(2)
    expect(created.stderr).to.include("Profile 'app' already exists and differs from 'App' only in case")
    const renamed = await cli(['config', 'edit', '-p', 'other', '--rename', 'APP'])
    expect(renamed.code).to.equal(2)
    expect(renamed.stderr).to.include("Profile 'app' already exists and differs from 'APP' only in case")
    const recased = await cli(['config', 'edit', '-p', 'app', '--rename', 'App'])
    expect(recased.code).to.equal(2)
    expect(recased.stderr).to.include("'App' differs from the current name 'app' only in case")
    const names = (JSON.parse((await cli(['config', 'list', '--json'])).stdout) as Array<{name: string}>).map(
      (p) => p.name,
    )
    expect(names).to.deep.equal(['app', 'other'])
  })

  it('keeps fields it does not know when it rewrites the file', async () => {
    mkdirSync(home.cliHome, {recursive: true, mode: 0o700})
    writeFileSync(
      profilesFile(),
      JSON.stringify({
        futureTopLevel: {a: 1},
        profiles: [{authMethod: 'None', clientId: CLIENT, name: 'old', teamOwner: 'alice', tenantId: TENANT}],
        schemaVersion: 1,
      }),
    )
    expect((await create('new')).code).to.equal(0)
    const file = JSON.parse(readFileSync(profilesFile(), 'utf8'))
    expect(file.futureTopLevel).to.deep.equal({a: 1})
    expect(file.profiles[0].teamOwner).to.equal('alice')
    expect(file.profiles.map((p: {name: string}) => p.name)).to.deep.equal(['old', 'new'])
  })

  it('delete needs --yes without a terminal, then removes the profile and its secret', async () => {
    await create('gone', ['--client-secret-stdin'], 'delete-me-secret')
    const refused = await cli(['config', 'delete', '-p', 'gone'])
    expect(refused.code).to.equal(2)
    const deleted = await cli(['config', 'delete', '-p', 'gone', '--yes'])
    expect(deleted.code, deleted.stderr).to.equal(0)
    expect(JSON.parse((await cli(['config', 'list', '--json'])).stdout)).to.deep.equal([])
    // The secret is gone from the store: a new profile of that name starts without one.
    await create('gone')
    const shown = JSON.parse((await cli(['config', 'show', '-p', 'gone', '--json'])).stdout)
    expect(shown.secrets['client-secret']).to.equal('not stored')
  })

  it('a wrong passphrase for the encrypted file is a clear error, exit 3', async () => {
    await create('app', ['--client-secret-stdin'], 'some-secret-value')
    const result = await cli(['config', 'show', '-p', 'app'], undefined, {
      ENTRA_AUTH_CLI_PASSPHRASE: 'wrong passphrase',
    })
    expect(result.code).to.equal(3)
    expect(result.stderr).to.equal(
      `Error: Cannot decrypt ${join(home.cliHome, 'secrets.enc')}: wrong passphrase, or the file was modified. Check ENTRA_AUTH_CLI_PASSPHRASE.\n`,
    )
  })
})

describe('help text', () => {
  it('lists commands, flags and examples', async () => {
    const root = await runCli(['--help'])
    expect(root.stdout).to.include('get-token').and.include('config')
    const config = await runCli(['config', '--help'])
    expect(config.stdout)
      .to.match(/config create/)
      .and.match(/config list/)
      .and.match(/config delete/)
    const create = await runCli(['config', 'create', '--help'])
    for (const text of [
      '--tenant-id',
      '--client-id',
      '--authority',
      '--cloud',
      '--client-secret-stdin',
      '--certificate',
      'EXAMPLES',
    ]) {
      expect(create.stdout).to.include(text)
    }
    const getToken = await runCli(['get-token', '--help'])
    for (const text of ['--profile', '--scope', '--silent', '--json', '--output', '--force', '--flow', 'EXAMPLES'])
      expect(getToken.stdout).to.include(text)
  })
})

describe('usage errors from the flag parser', () => {
  for (const [args, expected] of [
    [['get-token'], "Error: Missing required flag profile. See 'entra-auth-cli get-token --help'.\n"],
    [['get-token', '-p', 'x', '--bogus'], "Error: Nonexistent flag: --bogus. See 'entra-auth-cli get-token --help'.\n"],
    [
      ['config', 'create', '--cloud', 'AzureChina', '--authority', 'https://x'],
      "Error: --cloud=AzureChina cannot also be provided when using --authority. See 'entra-auth-cli config create --help'.\n",
    ],
  ] as const) {
    it(`${args.join(' ')}: one line naming the fix, exit 2`, async () => {
      const result = await runCli([...args])
      expect(result.code).to.equal(2)
      expect(result.stdout).to.equal('')
      expect(result.stderr).to.equal(expected)
    })
  }
})
