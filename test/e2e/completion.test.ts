import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {BIN, ROOT, runCli, TestHome} from '../support/cli.js'
import {Terminal} from '../support/pty.js'
import {displayName} from '../../src/extensions/registry.js'

const exec = promisify(execFile)

/**
 * Tab completion in real shells, through the scripts `autocomplete` installs and the line `autocomplete script
 * SHELL` prints for an rc file. bash is driven through its completion entry point (the registered function with
 * COMP_WORDS/COMP_CWORD set, as readline would), fish through its own `complete -C`, and zsh interactively in a
 * terminal (tmux), pressing TAB. The CLI is on PATH as `entra-auth-cli`, as after `npm install -g`.
 */
const TENANT = '11111111-1111-1111-1111-111111111111'
const CLIENT = '22222222-2222-2222-2222-222222222222'
/** The flows the package declares (`entra:flow:device-code` → DeviceCode), as -f spells them. */
const BUILT_IN_FLOWS = Object.keys(
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {oclif: {hooks: Record<string, string>}}).oclif
    .hooks,
)
  .filter((event) => event.startsWith('entra:flow:'))
  .map((event) => displayName(event.slice('entra:flow:'.length)))

describe('tab completion in bash, zsh and fish', function () {
  this.timeout(180_000)
  let home: TestHome
  let env: NodeJS.ProcessEnv
  let work: string

  const cli = async (args: string[], cliEnv = env) => {
    const result = await runCli(args, {env: cliEnv})
    expect(result.code, result.stderr).to.equal(0)
    return result
  }
  /** A user sign-in profile (no secret), in this file's home or the one `profileEnv` names. */
  const createProfile = (name: string, profileEnv = env) =>
    cli(
      [
        'config',
        'create',
        '--name',
        name,
        '--tenant-id',
        TENANT,
        '--client-id',
        CLIENT,
        '--auth-method',
        'None',
        '--flow',
        'DeviceCode',
      ],
      profileEnv,
    )

  before(async () => {
    home = new TestHome('completion-')
    const binDir = join(home.root, 'bin')
    mkdirSync(binDir)
    symlinkSync(BIN, join(binDir, 'entra-auth-cli'))
    env = home.env({PATH: `${binDir}:${process.env.PATH}`})
    // A folder with files to complete after -o.
    work = join(home.root, 'work')
    mkdirSync(join(work, 'certs'), {recursive: true})
    writeFileSync(join(work, 'token-out.txt'), '')
    await cli(['autocomplete', '--refresh-cache'])
    await cli(['plugins', 'link', join(ROOT, 'test', 'fixtures', 'plugins', 'broken-flow'), '--no-install'])
    await createProfile('alpha')
  })
  after(() => home.cleanup())

  /** The words after the binary, the last one being completed; what the shell offers, one value per entry. */
  type Complete = (line: string) => Promise<string[]>

  const bash: Complete = async (line) => {
    const script = [
      'eval "$(entra-auth-cli autocomplete script bash)"',
      'COMP_WORDS=(entra-auth-cli "$@"); COMP_CWORD=$#; COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}',
      'complete -p entra-auth-cli >/dev/null || exit 9',
      'fn=$(complete -p entra-auth-cli | sed -E "s/.*-F ([^ ]+).*/\\1/")',
      '"$fn" entra-auth-cli "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n')
    const {stdout} = await exec('bash', ['--norc', '--noprofile', '-c', script, 'bash', ...words(line)], {
      cwd: work,
      env,
    })
    return stdout.split('\n').filter(Boolean)
  }

  const fish: Complete = async (line) => {
    const script = 'entra-auth-cli autocomplete script fish | source; complete -C "entra-auth-cli $argv[1]"'
    const {stdout} = await exec('fish', ['--no-config', '-c', script, line], {cwd: work, env})
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0])
  }

  /** `a b ''` for 'a b ': the shell's words, the partial one included (possibly empty). */
  function words(line: string): string[] {
    const parts = line.split(' ')
    return parts.length === 0 ? [''] : parts
  }

  for (const [shell, complete] of [
    ['bash', bash],
    ['fish', fish],
  ] as const) {
    describe(shell, () => {
      it('completes top-level commands and config subcommands', async () => {
        const top = await complete('')
        expect(top).to.include.members([
          'autocomplete',
          'config',
          'discover',
          'get-token',
          'inspect',
          'plugins',
          'refresh',
        ])
        expect(top.some((v) => v.startsWith('__'))).to.equal(false)
        expect(await complete('ge')).to.deep.equal(['get-token'])
        expect(await complete('config ')).to.have.members([
          'create',
          'delete',
          'edit',
          'export',
          'import',
          'list',
          'show',
        ])
        expect(await complete('help config cr')).to.deep.equal(['create'])
      })

      it('completes the linked plugin after plugins uninstall', async () => {
        expect(await complete('plugins uninstall ')).to.deep.equal(['fixture-broken-flow'])
      })

      it('completes short and long flags after -, long ones only after --', async () => {
        const dash = await complete('get-token -')
        expect(dash).to.include.members([
          '-p',
          '--profile',
          '-f',
          '--flow',
          '-o',
          '--output',
          '-s',
          '--scope',
          '--silent',
          '--json',
        ])
        const long = await complete('get-token --')
        expect(long).to.include.members(['--profile', '--flow', '--output', '--json'])
        expect(long.filter((v) => !v.startsWith('--'))).to.deep.equal([])
      })

      it('completes profile names after -p on every command that takes one', async () => {
        for (const command of [
          'get-token -p ',
          'refresh --profile ',
          'config show -p ',
          'config edit -p ',
          'config delete -p ',
          'config export -p ',
        ]) {
          expect(await complete(command), command).to.include('alpha')
        }
      })

      it('completes built-in flows and a linked plugin flow after -f, clouds and auth methods', async () => {
        expect(BUILT_IN_FLOWS).to.include.members([
          'ClientCredentials',
          'DeviceCode',
          'InteractiveBrowser',
          'AuthorizationCode',
        ])
        expect(await complete('get-token -f ')).to.have.members([...BUILT_IN_FLOWS, 'Broken'])
        expect(await complete('config create --flow Dev')).to.deep.equal(['DeviceCode'])
        expect(await complete('config create --cloud ')).to.have.members([
          'AzureChina',
          'AzurePublic',
          'AzureUSGovernment',
        ])
        expect(await complete('config edit -p alpha --auth-method ')).to.have.members([
          'Certificate',
          'ClientSecret',
          'None',
        ])
      })

      it('completes file names after -o and --certificate, nothing file-like after --cloud', async () => {
        const files = (await complete('get-token -o ')).map((f) => f.replace(/\/$/, ''))
        expect(files).to.include.members(['certs', 'token-out.txt'])
        expect((await complete('config create --certificate tok')).map((f) => f.replace(/\/$/, ''))).to.deep.equal([
          'token-out.txt',
        ])
        expect(await complete('config create --cloud tok')).to.deep.equal([])
      })

      it('completes values and flags after earlier flags and their values', async () => {
        expect(await complete('get-token -p alpha -f Dev')).to.deep.equal(['DeviceCode'])
        expect(await complete('get-token --json -s User.Read -p ')).to.include('alpha')
        const rest = await complete('get-token -p alpha --silent --')
        expect(rest).to.include.members(['--flow', '--scope', '--output'])
        expect(rest).to.not.include.members(['--profile', '--silent'])
        expect(await complete('get-token -sUser.Read -p ')).to.include('alpha')
      })
    })
  }

  it("bash: completes --flag=value, which readline splits at '=' into three words", async () => {
    const script = [
      'eval "$(entra-auth-cli autocomplete script bash)"',
      'COMP_WORDS=(entra-auth-cli "$@"); COMP_CWORD=$(($# ))',
      '"$(complete -p entra-auth-cli | sed -E "s/.*-F ([^ ]+).*/\\1/")"',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n')
    const reply = async (...words: string[]) =>
      (await exec('bash', ['--norc', '--noprofile', '-c', script, 'bash', ...words], {cwd: work, env})).stdout
    expect(await reply('get-token', '--flow', '=', 'Dev')).to.equal('DeviceCode\n')
    expect(await reply('config', 'create', '--cloud', '=')).to.equal('AzureChina\nAzurePublic\nAzureUSGovernment\n')
  })

  it('reflects a profile created or deleted at the next TAB, in bash and fish, without regenerating anything', async () => {
    await createProfile('bravo')
    expect(await bash('get-token -p ')).to.include.members(['alpha', 'bravo'])
    expect(await fish('get-token -p ')).to.include.members(['alpha', 'bravo'])
    await cli(['config', 'delete', '-p', 'bravo', '--yes'])
    expect(await bash('get-token -p ')).to.deep.equal(['alpha'])
    expect(await fish('get-token -p ')).to.deep.equal(['alpha'])
  })

  describe('zsh, pressing TAB in a terminal', () => {
    let terminal: Terminal
    let step = 0
    before(async () => {
      const zdotdir = join(home.root, 'zdotdir')
      mkdirSync(zdotdir)
      writeFileSync(
        join(zdotdir, '.zshrc'),
        ["PS1='zsh> '", 'eval "$(entra-auth-cli autocomplete script zsh)"', ''].join('\n'),
      )
      terminal = await Terminal.startProgram(['zsh', '-i'], {
        cols: 200,
        cwd: work,
        env: {...env, ZDOTDIR: zdotdir},
        rows: 60,
      })
      await terminal.waitFor(/^zsh>/m)
    })
    after(() => terminal?.close())

    /** Types the line and TAB, and returns what the terminal shows from that line on once all of `expected` shows. */
    async function tab(line: string, expected: string[]): Promise<string> {
      const marker = `: step-${++step}`
      await terminal.answer(marker)
      await terminal.waitFor(new RegExp(`${marker}\\n(.*\\n)*zsh>$`))
      await terminal.type(`entra-auth-cli ${line}`)
      await terminal.press('Tab')
      const deadline = Date.now() + 15_000
      for (;;) {
        const screen = await terminal.screen()
        const after = screen.slice(screen.lastIndexOf(marker) + marker.length)
        if (expected.every((e) => after.includes(e))) {
          await terminal.press('C-c')
          return after
        }
        if (Date.now() > deadline) throw new Error(`TAB after '${line}' did not show ${expected.join(', ')}:\n${after}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }

    it('completes commands, subcommands and flags with descriptions', async () => {
      await tab('', ['config', 'get-token', 'Get an access token for a profile', 'inspect', 'autocomplete'])
      await tab('config ', ['create', 'delete', 'edit', 'export', 'import', 'list', 'show'])
      await tab('get-token -', ['-p', '--profile', '-f', '--flow', '-o', '--output', 'Profile to use'])
      const long = await tab('get-token --', ['--profile', '--flow', '--output', '--json'])
      expect(long).to.not.match(/(^|\s)-p(\s|$)/m)
    })

    it('completes profiles, flows (a plugin flow too), clouds and files', async () => {
      await tab('get-token -p ', ['entra-auth-cli get-token -p alpha'])
      await tab('get-token -f ', [...BUILT_IN_FLOWS, 'Broken', 'from fixture-broken-flow'])
      await tab('config create --cloud ', ['entra-auth-cli config create --cloud Azure'])
      await tab('config create --cloud Azure', ['AzureChina', 'AzurePublic', 'AzureUSGovernment'])
      await tab('get-token -o ', ['certs/', 'token-out.txt'])
      await tab('get-token -o tok', ['entra-auth-cli get-token -o token-out.txt'])
    })

    it('completes after earlier flags and values, and sees a new or deleted profile at the next TAB', async () => {
      await tab('get-token -p alpha -f Dev', ['entra-auth-cli get-token -p alpha -f DeviceCode'])
      await tab('get-token -s User.Read --json --pro', ['entra-auth-cli get-token -s User.Read --json --profile'])
      await createProfile('charlie')
      await tab('get-token -p ', ['alpha', 'charlie'])
      await cli(['config', 'delete', '-p', 'alpha', '--yes'])
      await tab('get-token -p ', ['entra-auth-cli get-token -p charlie'])
    })
  })

  describe('bash, pressing TAB in a terminal (readline)', () => {
    let terminal: Terminal
    before(async () => {
      const rc = join(home.root, 'bashrc')
      writeFileSync(rc, ["PS1='bash> '", 'eval "$(entra-auth-cli autocomplete script bash)"', ''].join('\n'))
      terminal = await Terminal.startProgram(['bash', '--noprofile', '--rcfile', rc, '-i'], {
        cols: 200,
        cwd: work,
        env,
        rows: 60,
      })
      await terminal.waitFor(/^bash>/m)
    })
    after(() => terminal?.close())

    it('completes --flow=Dev, a file after -o and lists flows on a second TAB', async () => {
      await terminal.type('entra-auth-cli get-token --flow=Dev')
      await terminal.press('Tab')
      await terminal.waitFor('bash> entra-auth-cli get-token --flow=DeviceCode')
      await terminal.type('-o tok')
      await terminal.press('Tab')
      await terminal.waitFor('bash> entra-auth-cli get-token --flow=DeviceCode -o token-out.txt')
      await terminal.press('C-c')
      await terminal.type('entra-auth-cli get-token -f ')
      await terminal.press('Tab', 'Tab')
      const screen = await terminal.waitFor(/InteractiveBrowser/)
      expect(screen).to.include('Broken').and.include('ClientCredentials')
    })
  })

  it('lists the commands of a linked plugin that has no manifest (answered through oclif)', async () => {
    const other = new TestHome('completion-oclif-')
    try {
      const otherEnv = other.env()
      const linked = await runCli(
        ['plugins', 'link', join(ROOT, 'test', 'fixtures', 'plugins', 'command-no-manifest'), '--no-install'],
        {env: otherEnv},
      )
      expect(linked.code, linked.stderr).to.equal(0)
      const top = await runCli(['__complete', ''], {env: otherEnv})
      expect(top.stdout).to.include('greet\tGreet someone (fixture)\n').and.include('get-token\t')
      const flags = await runCli(['__complete', 'greet', '-'], {env: otherEnv})
      expect(flags.stdout).to.equal('--whom\tWhom to greet\n-w\tWhom to greet\n:4\n')
    } finally {
      other.cleanup()
    }
  })

  it("upgrades @oclif/plugin-autocomplete's static scripts at the next command; the old rc line then completes profiles", async () => {
    const other = new TestHome('completion-upgrade-')
    try {
      const binDir = join(other.root, 'bin')
      mkdirSync(binDir)
      symlinkSync(BIN, join(binDir, 'entra-auth-cli'))
      const otherEnv = other.env({PATH: `${binDir}:${process.env.PATH}`})
      // What the plugin left: its bash_setup sourcing its static function file, and the line it put in ~/.bashrc.
      const dir = join(otherEnv.XDG_CACHE_HOME!, 'entra-auth-cli', 'autocomplete')
      const fn = join(dir, 'functions', 'bash', 'entra-auth-cli.bash')
      mkdirSync(join(dir, 'functions', 'bash'), {recursive: true})
      writeFileSync(fn, 'complete -W "config get-token" entra-auth-cli\n')
      writeFileSync(
        join(dir, 'bash_setup'),
        `ENTRA_AUTH_CLI_AC_BASH_COMPFUNC_PATH=${fn} && test -f $ENTRA_AUTH_CLI_AC_BASH_COMPFUNC_PATH && source $ENTRA_AUTH_CLI_AC_BASH_COMPFUNC_PATH;\n`,
      )
      const rcLine = `ENTRA_AUTH_CLI_AC_BASH_SETUP_PATH=${join(dir, 'bash_setup')} && test -f $ENTRA_AUTH_CLI_AC_BASH_SETUP_PATH && source $ENTRA_AUTH_CLI_AC_BASH_SETUP_PATH;`
      await createProfile('upgraded', otherEnv)
      expect(readFileSync(fn, 'utf8')).to.include('__complete')
      const script = [
        rcLine,
        'COMP_WORDS=(entra-auth-cli get-token -p ""); COMP_CWORD=3',
        '"$(complete -p entra-auth-cli | sed -E "s/.*-F ([^ ]+).*/\\1/")"',
        'printf "%s\\n" "${COMPREPLY[@]}"',
      ].join('\n')
      const {stdout} = await exec('bash', ['--norc', '--noprofile', '-c', script], {env: otherEnv})
      expect(stdout).to.equal('upgraded\n')
      // A shell that was never set up gets nothing written.
      expect(existsSync(join(dir, 'zsh_setup'))).to.equal(false)
    } finally {
      other.cleanup()
    }
  })

  it('answers a TAB from one bundled module: no oclif, msal, jose, inquirer or undici', async () => {
    const file = join(home.root, 'modules.txt')
    const recorder = join(ROOT, 'test', 'support', 'record-modules.mjs')
    const {stdout} = await exec(process.execPath, ['--import', recorder, BIN, '__complete', 'get-token', '-p', ''], {
      env: {...env, RECORD_MODULES_FILE: file},
    })
    expect(stdout).to.match(/^alpha\t/m)
    const ours = readFileSync(file, 'utf8')
      .split('\n')
      .filter((m) => m.startsWith(ROOT) && !m.includes('/test/support/'))
    expect(ours.map((m) => m.slice(ROOT.length + 1))).to.deep.equal(['bin/run.js', 'dist/fast/complete-bundle.js'])
  })
})
