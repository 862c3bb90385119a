import {expect} from 'chai'
import {chmodSync, chownSync, mkdirSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {runCli, TestHome} from '../support/cli.js'

const CLIENT_ID = '00000000-0000-4000-8000-000000000001'

/** ENTRA_AUTH_CLI_HOME: folders the CLI creates are 0700; an existing folder is the user's and keeps its mode. */
describe('the home folder (ENTRA_AUTH_CLI_HOME)', function () {
  let home: TestHome
  beforeEach(() => (home = new TestHome('home-')))
  afterEach(() => home.cleanup())

  const create = (cliHome: string, cwd?: string) =>
    runCli(
      [
        'config',
        'create',
        '--name',
        'app',
        '--tenant-id',
        'contoso.onmicrosoft.com',
        '--client-id',
        CLIENT_ID,
        '--client-secret-stdin',
      ],
      {
        cwd,
        env: home.env({
          ENTRA_AUTH_CLI_HOME: cliHome,
          ENTRA_AUTH_CLI_PASSPHRASE: 'a long enough passphrase',
          ENTRA_AUTH_CLI_STORE: 'encrypted-file',
        }),
        input: 'the-secret-value',
      },
    )
  const mode = (path: string) => statSync(path).mode & 0o7777

  it('refuses a folder other users can write to (a shared 1777 folder, $PWD in CI), leaving its mode alone: exit 3', async () => {
    const shared = join(home.root, 'shared')
    mkdirSync(shared)
    chmodSync(shared, 0o1777)
    const result = await create(shared)
    expect(result.code, result.stderr).to.equal(3)
    expect(result.stderr).to.equal(
      `Error: ENTRA_AUTH_CLI_HOME (${shared}) is writable by other users (mode 1777), who could plant profiles or locks in it; point ENTRA_AUTH_CLI_HOME at a folder only you can write, e.g. a new one (created with mode 0700), or run 'chmod go-w ${shared}'.\n`,
    )
    expect(mode(shared)).to.equal(0o1777)
    for (const command of [
      ['config', 'list'],
      ['get-token', '-p', 'app'],
    ]) {
      const other = await runCli(command, {env: home.env({ENTRA_AUTH_CLI_HOME: shared})})
      expect(other.code, `${command.join(' ')}: ${other.stderr}`).to.equal(3)
      expect(other.stderr).to.match(/is writable by other users \(mode 1777\)/)
    }
  })

  it('refuses a folder owned by another user, even 0755 (its owner can write there): exit 3', async function () {
    if (process.getuid?.() !== 0) this.skip() // only root can give a folder to another user (CI runs as root)
    const theirs = join(home.root, 'theirs')
    mkdirSync(theirs)
    chmodSync(theirs, 0o755)
    chownSync(theirs, 65_534, 65_534) // nobody
    const result = await create(theirs)
    expect(result.code, result.stderr).to.equal(3)
    expect(result.stderr).to.equal(
      `Error: ENTRA_AUTH_CLI_HOME (${theirs}) belongs to another user (uid 65534), who could plant profiles or locks in it; point ENTRA_AUTH_CLI_HOME at a folder you own, e.g. a new one (created with mode 0700).\n`,
    )
    expect(readdirSync(theirs)).to.deep.equal([])
    for (const command of [
      ['config', 'list'],
      ['get-token', '-p', 'app'],
    ]) {
      const other = await runCli(command, {env: home.env({ENTRA_AUTH_CLI_HOME: theirs})})
      expect(other.code, `${command.join(' ')}: ${other.stderr}`).to.equal(3)
      expect(other.stderr).to.match(/belongs to another user \(uid 65534\)/)
    }
  })

  it('uses an existing private folder without changing its mode (0755 stays 0755); folders it creates are 0700', async () => {
    const existing = join(home.root, 'mine')
    mkdirSync(existing)
    chmodSync(existing, 0o755)
    expect((await create(existing)).code).to.equal(0)
    expect(mode(existing)).to.equal(0o755)
    expect(mode(join(existing, 'profiles.json'))).to.equal(0o600)

    const fresh = join(home.root, 'new', 'deeper', 'home')
    expect((await create(fresh)).code).to.equal(0)
    for (const folder of [join(home.root, 'new'), join(home.root, 'new', 'deeper'), fresh])
      expect(mode(folder), folder).to.equal(0o700)
  })

  it('resolves a relative home against the working directory: messages name the absolute path', async () => {
    const cwd = join(home.root, 'work')
    mkdirSync(cwd)
    const result = await create('rel-home', cwd)
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stderr).to.include(`secret stored in encrypted file ${join(cwd, 'rel-home', 'secrets.enc')}.`)
  })
})
