import {expect} from 'chai'
import {chmodSync, existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {runCli, TestHome} from '../support/cli.js'
import {BROWSER_SCRIPT, useDelegatedWorld} from '../support/browser/delegated-world.js'
import type {Idp} from '../support/idp/index.js'
import {useWorld, type World} from '../support/world.js'

const EXPORT_PASSPHRASE = 'a bundle passphrase'

/**
 * What a bundle, a hand edit or a server can put in front of the CLI: authorities that are not Microsoft's,
 * malformed or duplicate profiles, endless files, escape sequences, durations past what timers hold.
 */
describe('hostile bundles, hand edits and servers (built CLI against the local identity provider)', function () {
  const suite = useWorld()
  let idp: Idp
  let world: World
  beforeEach(() => ({idp, world} = suite))

  const profilesFile = () => join(world.home.cliHome, 'profiles.json')
  function editProfiles(change: (profiles: Array<Record<string, unknown>>) => void) {
    const data = JSON.parse(readFileSync(profilesFile(), 'utf8')) as {profiles: Array<Record<string, unknown>>}
    change(data.profiles)
    writeFileSync(profilesFile(), JSON.stringify(data, null, 2))
  }

  describe('config import', function () {
    let other: TestHome
    beforeEach(() => (other = new TestHome('import-')))
    afterEach(() => other.cleanup())

    const otherEnv = () =>
      other.env({
        ENTRA_AUTH_CLI_EXPORT_PASSPHRASE: EXPORT_PASSPHRASE,
        ENTRA_AUTH_CLI_PASSPHRASE: 'another long passphrase',
        ENTRA_AUTH_CLI_STORE: 'encrypted-file',
      })

    async function bundleOf(name: string): Promise<string> {
      expect((await world.createProfile(name)).code).to.equal(0)
      const file = join(world.home.root, `${name}.entra`)
      const exported = await world.cli(['config', 'export', '-p', name, '-o', file], {
        extraEnv: {ENTRA_AUTH_CLI_EXPORT_PASSPHRASE: EXPORT_PASSPHRASE},
      })
      expect(exported.code, exported.stderr).to.equal(0)
      return file
    }

    it('shows where each profile signs in, and warns loudly when that is not a Microsoft cloud', async () => {
      const file = await bundleOf('prod')
      const result = await runCli(['config', 'import', file], {env: otherEnv()})
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).to.include(
        `Warning: Profile 'prod' signs in at ${idp.origin}, which is NOT a Microsoft cloud: its client secret or certificate is presented to that server.`,
      )
      expect(result.stderr).to.include(`  prod: signs in at ${idp.origin}/${world.tenantId}\n`)
      expect(result.stderr).to.include(
        `'prod' has no client secret here (it will be sent to ${idp.origin}: check that first)`,
      )
    })

    it('--overwrite that changes a profile authority says so', async () => {
      const file = await bundleOf('prod')
      const created = await runCli(
        [
          'config',
          'create',
          '--name',
          'prod',
          '--tenant-id',
          world.tenantId,
          '--client-id',
          world.clientId,
          '--client-secret-stdin',
        ],
        {
          env: otherEnv(),
          input: 'the-old-secret',
        },
      )
      expect(created.code, created.stderr).to.equal(0)
      const result = await runCli(['config', 'import', file, '--overwrite'], {env: otherEnv()})
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).to.include(
        `Warning: Profile 'prod' now signs in at ${idp.origin} instead of https://login.microsoftonline.com (the bundle changed its authority).`,
      )
    })

    it('stops reading an endless file early (config import /dev/zero): exit 2', async () => {
      const result = await runCli(['config', 'import', '/dev/zero'], {env: otherEnv(), timeoutMs: 20_000})
      expect(result.code, result.stderr).to.equal(2)
      expect(result.stderr).to.equal(
        'Error: /dev/zero is larger than 16 MiB, so it is not an exported bundle. Nothing was imported.\n',
      )
    })
  })

  describe('AZURE_CLIENT_SECRET from the environment', function () {
    beforeEach(async () => {
      const created = await world.createProfile('env', [], {secret: null})
      expect(created.code, created.stderr).to.equal(0)
    })
    const azure = () => ({
      AZURE_CLIENT_ID: world.clientId,
      AZURE_CLIENT_SECRET: world.clientSecret,
      AZURE_TENANT_ID: world.tenantId,
    })

    it('is never sent to an authority outside the Microsoft clouds (your tenant and client id are not enough)', async () => {
      const result = await world.cli(['get-token', '-p', 'env'], {extraEnv: azure()})
      expect(result.code, result.stderr).to.equal(3)
      expect(result.stderr).to.include(
        `Error: AZURE_CLIENT_SECRET is set, but profile 'env' signs in at ${idp.origin}, which is not a Microsoft cloud, so the secret is not sent there; if you trust that server, set AZURE_AUTHORITY_HOST=${idp.origin}`,
      )
      expect(idp.tokenRequests()).to.deep.equal([])
    })

    it('is sent to the host AZURE_AUTHORITY_HOST names', async () => {
      const result = await world.cli(['get-token', '-p', 'env', '--silent'], {
        extraEnv: {...azure(), AZURE_AUTHORITY_HOST: idp.origin},
      })
      expect(result.code, result.stderr).to.equal(0)
      expect(idp.tokenRequests().map((r) => r.clientAuth)).to.deep.equal(['secret'])
    })
  })

  describe('profiles.json edited by hand', function () {
    beforeEach(async () => {
      expect((await world.createProfile('app')).code).to.equal(0)
    })

    for (const [label, authority, problem] of [
      ['an http:// authority', `http://127.0.0.1:${0}`, 'it must use https (MSAL refuses http authorities)'],
      ['an authority that is not a URL', 'not a url', 'give an https URL such as https://login.microsoftonline.us'],
    ] as const) {
      it(`${label} is refused like config create refuses it (exit 3, advice), and nothing is sent`, async () => {
        const value = authority.replace(':0', `:${idp.port}`)
        editProfiles((profiles) => (profiles[0].authority = value))
        const result = await world.cli(['get-token', '-p', 'app'])
        expect(result.code, result.stderr).to.equal(3)
        expect(result.stderr).to.equal(
          `Error: ${profilesFile()}: profile 1 'app': the field 'authority': Invalid authority '${value}': ${problem}; fix it or move the file away. It was left untouched.\n`,
        )
        expect(idp.tokenRequests()).to.deep.equal([])
      })
    }

    it('a tenant that is no tenant id (it becomes part of the authority URL) is refused (exit 3)', async () => {
      editProfiles((profiles) => (profiles[0].tenantId = '../../elsewhere'))
      const result = await world.cli(['get-token', '-p', 'app'])
      expect(result.code, result.stderr).to.equal(3)
      expect(result.stderr).to.match(
        /^Error: .*profiles\.json: profile 1 'app': the field 'tenantId': Invalid tenant id '\.\.\/\.\.\/elsewhere'/,
      )
      expect(idp.tokenRequests()).to.deep.equal([])
    })

    it('a newline or tab in a field cannot spread the error over lines or fake another Error: line', async () => {
      editProfiles((profiles) => (profiles[0].tenantId = 't\nError: $(touch /tmp/pwned)\tx'))
      for (const command of [
        ['get-token', '-p', 'app'],
        ['config', 'list'],
      ]) {
        const result = await world.cli(command)
        expect(result.code, `${command.join(' ')}: ${result.stderr}`).to.equal(3)
        expect(result.stderr, command.join(' ')).to.match(
          /^Error: .*profiles\.json: profile 1 'app': the field 'tenantId': Invalid tenant id 't Error: \$\(touch \/tmp\/pwned\) x'.*\n$/,
        )
        expect(result.stderr.split('\n'), command.join(' ')).to.have.length(2)
      }
    })

    it('two profiles of the same name are refused (exit 3)', async () => {
      editProfiles((profiles) => profiles.push({...profiles[0], tenantId: 'contoso.onmicrosoft.com'}))
      for (const command of [
        ['get-token', '-p', 'app'],
        ['config', 'list'],
      ]) {
        const result = await world.cli(command)
        expect(result.code, `${command.join(' ')}: ${result.stderr}`).to.equal(3)
        expect(result.stderr).to.equal(
          `Error: ${profilesFile()}: profile 2 'app': profile 1 has the same name (names that differ only in case count as the same); rename or remove one of them; fix it or move the file away. It was left untouched.\n`,
        )
      }
    })
  })

  it('a passphrase under 8 characters does not create a secrets file (exit 3)', async () => {
    const result = await world.createProfile('app', [], {extraEnv: {ENTRA_AUTH_CLI_PASSPHRASE: 'x'}})
    expect(result.code, result.stderr).to.equal(3)
    expect(result.stderr).to.include(
      `Error: ENTRA_AUTH_CLI_PASSPHRASE is too short to create the secrets file ${join(world.home.cliHome, 'secrets.enc')}: use at least 8 characters.`,
    )
    expect(existsSync(join(world.home.cliHome, 'secrets.enc'))).to.equal(false)
    expect((await world.cli(['config', 'list', '--json'])).stdout).to.equal('[]\n')
  })

  it('--timeout past what timers hold (25d) is refused (exit 2) without a TimeoutOverflowWarning; 24d works', async () => {
    expect((await world.createProfile('app')).code).to.equal(0)
    const refused = await world.cli(['get-token', '-p', 'app', '--timeout', '25d'])
    expect(refused.code, refused.stderr).to.equal(2)
    expect(refused.stderr).to.equal("Error: Invalid --timeout '25d': the longest is 24 days (24d).\n")
    const longest = await world.cli(['get-token', '-p', 'app', '--timeout', '24d', '--silent'])
    expect(longest.code, longest.stderr).to.equal(0)
    expect(longest.stderr).to.equal('')
  })

  it("control characters in a server's error_description never reach the terminal, nor msal's 'Not Available' noise", async () => {
    expect((await world.createProfile('app')).code).to.equal(0)
    idp.injectFault({
      body: {error: 'invalid_request', error_description: 'Bad \u001b[2J\u001b[31mthing\u0007 happened\r\nTrace ID: x'},
    })
    const result = await world.cli(['get-token', '-p', 'app'])
    expect(result.code, result.stderr).to.equal(4)
    // eslint-disable-next-line no-control-regex -- control characters are what this test looks for
    expect(result.stderr).to.not.match(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/)
    expect(result.stderr).to.not.include('Not Available')
    expect(result.stderr).to.include('Server said: Bad ?[2J?[31mthing? happened')
  })
})

describe('a device code answer with control characters', function () {
  const suite = useDelegatedWorld('me', 'DeviceCode')

  it('prints the verification URI and user code with no control character reaching the terminal', async () => {
    const {idp, world} = suite
    idp.injectFault({
      body: {
        device_code: 'dc-1',
        expires_in: 900,
        interval: 1,
        message: 'm',
        user_code: 'AB\u001b[2JCD',
        verification_uri: `${idp.origin}/devicelogin\u001b]0;pwned\u0007`,
      },
      status: 200,
    })
    const result = await world.cli(['get-token', '-p', 'me', '--timeout', '3s'])
    expect(result.stderr).to.include('Enter the code: AB?[2JCD')
    expect(result.stderr).to.include(`Open ${idp.origin}/devicelogin?]0;pwned? in a browser`)
    // eslint-disable-next-line no-control-regex -- control characters are what this test looks for
    expect(result.stderr).to.not.match(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/)
  })
})

describe('the browser gets an environment without the CLI secrets', function () {
  const suite = useDelegatedWorld('me', 'InteractiveBrowser')

  it('ENTRA_AUTH_CLI_PASSPHRASE, the export passphrase and AZURE_* secrets are not passed to $BROWSER', async () => {
    const {world} = suite
    const dump = join(world.home.root, 'browser-env.txt')
    const wrapper = join(world.home.root, 'browser-env.sh')
    writeFileSync(wrapper, `#!/bin/sh\nenv > '${dump}'\nexec '${BROWSER_SCRIPT}' "$@"\n`)
    chmodSync(wrapper, 0o755)
    const secrets = {
      AZURE_CLIENT_CERTIFICATE_PASSWORD: 'cert-password-value',
      AZURE_CLIENT_SECRET: 'client-secret-value',
      ENTRA_AUTH_CLI_EXPORT_PASSPHRASE: 'export-passphrase-value',
    }
    const result = await runCli(['get-token', '-p', 'me', '--silent'], {
      env: world.browserEnv({extra: {...secrets, BROWSER: wrapper}}),
      timeoutMs: 60_000,
    })
    expect(result.code, result.stderr).to.equal(0)
    const names = readFileSync(dump, 'utf8')
      .split('\n')
      .map((line) => line.split('=')[0])
    // The dump is the browser's whole environment, the test user's password included: not for the at-rest scan.
    rmSync(dump)
    expect(names).to.include('PATH')
    for (const name of [...Object.keys(secrets), 'ENTRA_AUTH_CLI_PASSPHRASE']) expect(names, name).to.not.include(name)
  })
})
