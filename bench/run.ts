/**
 * `npm run bench` — start-up and request counts, measured side by side in one run and printed as ratios.
 *
 * (a) a cached `get-token --silent` against a bare `node -e 0`, interleaved, medians of N runs each, with the keyring
 *     store (real Secret Service) and with the encrypted-file store (unlocked, and with the passphrase in the
 *     environment, which derives the key every call), with the identity provider STOPPED; plus the same hit
 *     through oclif alone (no fast path), `--version` and `--help`, for scale. Everything runs WITHOUT
 *     NODE_EXTRA_CA_CERTS, as a user runs it (Node reads that file at every start, which flatters every ratio);
 *     the figure with it set is printed beside each one.
 * (b) token-endpoint requests for a cold, a warm and a cached call;
 * (c) token-endpoint requests made by 10 concurrent cold get-token processes for one profile.
 * (d) plugins: the cached built-in call with two unrelated plugins linked against none (goal: at most 1.05x), and a
 *     cached call of a plugin flow (test/fixtures/plugins/static-flow, no msal) against node -e 0.
 * `--short` (CI) takes fewer samples. Absolute times are printed for context only; compare ratios.
 */
import {spawn, spawnSync} from 'node:child_process'
import {randomBytes, randomUUID} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {startIdp, type Idp} from '../test/support/idp/index.js'

const ROOT = resolve(__dirname, '..')
const BIN = join(ROOT, 'bin', 'run.js')
const OCLIF_ONLY = join(ROOT, 'test', 'support', 'oclif-only.js')
const SHORT = process.argv.includes('--short')
const RUNS = SHORT ? 7 : 21

type Env = NodeJS.ProcessEnv

function runAsync(
  args: string[],
  env: Env,
  input = '',
): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [BIN, ...args], {env, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolvePromise({code, stderr, stdout}))
    child.stdin.end(input)
  })
}

/** Wall time of one process, start to exit (synchronous: the provider is stopped while we time). */
function timeOnce(argv: string[], env: Env): number {
  const started = process.hrtime.bigint()
  const result = spawnSync(process.execPath, argv, {env, stdio: ['ignore', 'pipe', 'pipe']})
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`)
  return ms
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** Interleaves the candidates run by run, so drift in machine load hits all of them alike. */
function measure(candidates: Record<string, {argv: string[]; env: Env}>): Record<string, number> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]))
  for (const {argv, env} of Object.values(candidates)) timeOnce(argv, env) // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    for (const [name, {argv, env}] of Object.entries(candidates)) samples[name].push(timeOnce(argv, env))
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]))
}

interface Setup {
  env: Env
  home: string
}

async function setupProfile(
  idp: Idp,
  store: 'keyring' | 'encrypted-file',
  tenantId: string,
  clientId: string,
  secret: string,
): Promise<Setup> {
  const home = mkdtempSync(join(tmpdir(), 'entra-bench-'))
  const env: Env = {
    ...process.env,
    ENTRA_AUTH_CLI_HOME: join(home, '.entra-auth-cli'),
    ENTRA_AUTH_CLI_STORE: store,
    HOME: home,
    NODE_EXTRA_CA_CERTS: idp.caCertPath,
    XDG_DATA_HOME: join(home, 'data'),
    ...(store === 'encrypted-file' ? {ENTRA_AUTH_CLI_PASSPHRASE: randomBytes(16).toString('hex')} : {}),
  }
  const name = `bench-${store}-${randomBytes(3).toString('hex')}`
  const created = await runAsync(
    [
      'config',
      'create',
      '--name',
      name,
      '--tenant-id',
      tenantId,
      '--client-id',
      clientId,
      '--authority',
      idp.authority(tenantId),
      '--client-secret-stdin',
    ],
    env,
    secret,
  )
  if (created.code !== 0) throw new Error(`config create failed: ${created.stderr}`)
  env.BENCH_PROFILE = name
  return {env, home}
}

const tokenRequests = (idp: Idp) => idp.requestCount('/oauth2/v2.0/token')

async function main() {
  const idp = await startIdp()
  const tenantId = randomUUID()
  const clientId = randomUUID()
  const secret = randomBytes(24).toString('base64url')
  idp.registerTenant(tenantId)
  idp.registerApp({clientId, clientSecret: secret, tenantId})
  const keyringAvailable = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS)
  const setups: Array<[string, Setup]> = []
  try {
    // (b) requests for a cold, a warm and a cached call
    const counts = await setupProfile(idp, 'encrypted-file', tenantId, clientId, secret)
    setups.push(['counts', counts])
    const p = counts.env.BENCH_PROFILE!
    const countCall = async (args: string[]) => {
      idp.resetCounts()
      const result = await runAsync(args, counts.env)
      if (result.code !== 0) throw new Error(result.stderr)
      return {all: idp.requestCount(), token: tokenRequests(idp)}
    }
    const cold = await countCall(['get-token', '-p', p, '--silent'])
    const warm = await countCall(['get-token', '-p', p, '--silent', '--force'])
    const cached = await countCall(['get-token', '-p', p, '--silent'])

    // (c) 10 concurrent cold processes
    const concurrent = await setupProfile(idp, 'encrypted-file', tenantId, clientId, secret)
    setups.push(['concurrent', concurrent])
    idp.resetCounts()
    const results = await Promise.all(
      Array.from({length: 10}, () =>
        runAsync(['get-token', '-p', concurrent.env.BENCH_PROFILE!, '--silent'], concurrent.env),
      ),
    )
    if (results.some((r) => r.code !== 0)) throw new Error('a concurrent get-token failed')
    const concurrentRequests = tokenRequests(idp)

    // (a) start-up ratios, the identity provider stopped: a hit must not need it
    const stores: Array<'keyring' | 'encrypted-file'> = keyringAvailable
      ? ['keyring', 'encrypted-file']
      : ['encrypted-file']
    const hitSetups: Record<string, Setup> = {}
    for (const store of stores) {
      hitSetups[store] = await setupProfile(idp, store, tenantId, clientId, secret)
      setups.push([store, hitSetups[store]])
      const warmup = await runAsync(
        ['get-token', '-p', hitSetups[store].env.BENCH_PROFILE!, '--silent'],
        hitSetups[store].env,
      )
      if (warmup.code !== 0) throw new Error(warmup.stderr)
    }
    // (d) the same hit with two unrelated plugins linked (a store and a flow it does not use), and a plugin flow's hit
    const plain = hitSetups[stores[0]]
    const withPlugins: Env = {...plain.env, ENTRA_AUTH_CLI_DATA_DIR: join(plain.home, 'data-two-plugins')}
    for (const dir of [
      join(ROOT, 'examples', 'store-env-key'),
      join(ROOT, 'test', 'fixtures', 'plugins', 'failing-flow'),
    ]) {
      const linked = await runAsync(['plugins', 'link', dir, '--no-install'], withPlugins)
      if (linked.code !== 0) throw new Error(`plugins link failed: ${linked.stderr}`)
    }
    const pluginFlow: Env = {...plain.env, ENTRA_AUTH_CLI_DATA_DIR: join(plain.home, 'data-static-flow')}
    const linkedFlow = await runAsync(
      ['plugins', 'link', join(ROOT, 'test', 'fixtures', 'plugins', 'static-flow'), '--no-install'],
      pluginFlow,
    )
    if (linkedFlow.code !== 0) throw new Error(`plugins link failed: ${linkedFlow.stderr}`)
    const staticProfile = `${plain.env.BENCH_PROFILE}-static`
    const createdStatic = await runAsync(['config', 'create', '--name', staticProfile, '--flow', 'Static'], pluginFlow)
    if (createdStatic.code !== 0) throw new Error(`config create (Static) failed: ${createdStatic.stderr}`)
    const warmStatic = await runAsync(['get-token', '-p', staticProfile, '--silent'], pluginFlow)
    if (warmStatic.code !== 0) throw new Error(warmStatic.stderr)

    const fileEnv = hitSetups['encrypted-file'].env
    // Long enough for a slow machine; locked again below, whatever happens.
    const unlocked = await runAsync(['unlock', '--timeout', '20m'], fileEnv)
    if (unlocked.code !== 0) throw new Error(`unlock failed: ${unlocked.stderr}`)
    await idp.stop()

    // Each candidate twice: as users run it (no NODE_EXTRA_CA_CERTS) and with the test CA set, as before.
    const withoutCa = (env: Env): Env => ({...env, NODE_EXTRA_CA_CERTS: undefined})
    const rows: Array<{label: string; argv: string[]; env: Env}> = [
      {argv: ['-e', '0'], env: fileEnv, label: 'node -e 0'},
    ]
    for (const store of stores) {
      const {env} = hitSetups[store]
      const args = [BIN, 'get-token', '-p', env.BENCH_PROFILE!, '--silent']
      if (store === 'encrypted-file') {
        rows.push({
          argv: args,
          env: {...env, ENTRA_AUTH_CLI_PASSPHRASE: undefined},
          label: 'get-token hit, encrypted-file (unlocked)',
        })
        rows.push({argv: args, env, label: 'get-token hit, encrypted-file (passphrase in env)'})
      } else {
        rows.push({argv: args, env, label: `get-token hit, ${store}`})
      }
    }
    const reference = hitSetups[stores[0]].env
    rows.push({
      argv: [OCLIF_ONLY, 'get-token', '-p', reference.BENCH_PROFILE!, '--silent'],
      env: reference,
      label: `get-token hit via oclif (no fast path), ${stores[0]}`,
    })
    const plainHit = [BIN, 'get-token', '-p', plain.env.BENCH_PROFILE!, '--silent']
    rows.push({argv: plainHit, env: withPlugins, label: `get-token hit, ${stores[0]}, 2 unrelated plugins`})
    rows.push({
      argv: [BIN, 'get-token', '-p', staticProfile, '--silent'],
      env: pluginFlow,
      label: `get-token hit, plugin flow (Static), ${stores[0]}`,
    })
    rows.push({argv: [BIN, '--version'], env: reference, label: '--version (oclif)'})
    rows.push({argv: [BIN, '--help'], env: reference, label: '--help (oclif)'})
    // Tab completion runs on every TAB (src/fast/complete.ts): flags from the manifest; profile names from profiles.json.
    rows.push({
      argv: [BIN, '__complete', 'get-token', '-'],
      env: reference,
      label: '__complete get-token -<TAB> (flags)',
    })
    rows.push({
      argv: [BIN, '__complete', 'get-token', '-p', ''],
      env: reference,
      label: '__complete get-token -p <TAB> (profiles)',
    })
    const candidates: Record<string, {argv: string[]; env: Env}> = {}
    for (const row of rows) {
      candidates[row.label] = {argv: row.argv, env: withoutCa(row.env)}
      candidates[`${row.label} +CA`] = {argv: row.argv, env: {...row.env, NODE_EXTRA_CA_CERTS: idp.caCertPath}}
    }
    const medians = measure(candidates)

    const base = medians['node -e 0']
    const baseCa = medians['node -e 0 +CA']
    const line = (label: string, value: string) => console.log(`  ${label.padEnd(52)} ${value}`)
    const ratio = (ms: number, of: number) => `${(ms / of).toFixed(2)}x (${ms.toFixed(0)} ms)`
    console.log(
      `\nentra-auth-cli bench (${SHORT ? 'short' : 'full'}: median of ${RUNS} interleaved runs each; identity provider stopped)`,
    )
    console.log(
      `(a) start-up, as a multiple of node -e 0 (${base.toFixed(0)} ms here); without NODE_EXTRA_CA_CERTS | with it`,
    )
    for (const {label} of rows)
      line(label, `${ratio(medians[label], base).padEnd(18)} | ${ratio(medians[`${label} +CA`], baseCa)}`)
    if (!keyringAvailable)
      console.log('  (keyring store not measured: no D-Bus session; run through scripts/with-keyring.sh)')
    const plainLabel =
      stores[0] === 'keyring' ? 'get-token hit, keyring' : 'get-token hit, encrypted-file (passphrase in env)'
    const unrelated = medians[`get-token hit, ${stores[0]}, 2 unrelated plugins`] / medians[plainLabel]
    line('2 unrelated plugins vs none (goal <= 1.05x)', `${unrelated.toFixed(3)}x`)
    console.log('(b) token-endpoint requests (all requests in brackets)')
    line('cold (no metadata, no token)', `${cold.token} [${cold.all}]`)
    line('warm (metadata cached, --force)', `${warm.token} [${warm.all}]`)
    line('cached', `${cached.token} [${cached.all}]`)
    console.log('(c) 10 concurrent cold get-token processes, one profile')
    line('token-endpoint requests', String(concurrentRequests))
  } finally {
    await idp.stop().catch(() => {})
    for (const [name, setup] of setups) {
      if (name === 'encrypted-file') await runAsync(['lock'], setup.env)
      rmSync(setup.home, {force: true, recursive: true})
    }
  }
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`)
  process.exit(1)
})
