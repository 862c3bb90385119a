/**
 * `npm run bench` — start-up and request counts, measured side by side in one run and printed as ratios.
 *
 * (a) a cached `get-token --silent` against a bare `node -e 0`, interleaved, medians of N runs each, with the keyring
 *     store (real Secret Service) and with the encrypted-file store, with the identity provider STOPPED;
 *     plus the same hit through oclif alone (no fast path) and `--version`, for scale;
 * (b) token-endpoint requests for a cold, a warm and a cached call;
 * (c) token-endpoint requests made by 10 concurrent cold get-token processes for one profile.
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

function runAsync(args: string[], env: Env, input = ''): Promise<{code: number | null; stdout: string; stderr: string}> {
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

async function setupProfile(idp: Idp, store: 'keyring' | 'encrypted-file', tenantId: string, clientId: string, secret: string): Promise<Setup> {
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
  const created = await runAsync(['config', 'create', '--name', name, '--tenant-id', tenantId, '--client-id', clientId, '--authority', idp.authority(tenantId), '--client-secret-stdin'], env, secret)
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
    const results = await Promise.all(Array.from({length: 10}, () => runAsync(['get-token', '-p', concurrent.env.BENCH_PROFILE!, '--silent'], concurrent.env)))
    if (results.some((r) => r.code !== 0)) throw new Error('a concurrent get-token failed')
    const concurrentRequests = tokenRequests(idp)

    // (a) start-up ratios, the identity provider stopped: a hit must not need it
    const stores: Array<'keyring' | 'encrypted-file'> = keyringAvailable ? ['keyring', 'encrypted-file'] : ['encrypted-file']
    const hitSetups: Record<string, Setup> = {}
    for (const store of stores) {
      hitSetups[store] = await setupProfile(idp, store, tenantId, clientId, secret)
      setups.push([store, hitSetups[store]])
      const warmup = await runAsync(['get-token', '-p', hitSetups[store].env.BENCH_PROFILE!, '--silent'], hitSetups[store].env)
      if (warmup.code !== 0) throw new Error(warmup.stderr)
    }
    await idp.stop()
    const candidates: Record<string, {argv: string[]; env: Env}> = {'node -e 0': {argv: ['-e', '0'], env: process.env}}
    for (const store of stores) {
      const {env} = hitSetups[store]
      candidates[`get-token hit, ${store}`] = {argv: [BIN, 'get-token', '-p', env.BENCH_PROFILE!, '--silent'], env}
    }
    const reference = hitSetups[stores[0]].env
    candidates[`get-token hit via oclif (no fast path), ${stores[0]}`] = {argv: [OCLIF_ONLY, 'get-token', '-p', reference.BENCH_PROFILE!, '--silent'], env: reference}
    candidates['--version (oclif)'] = {argv: [BIN, '--version'], env: reference}
    // Tab completion runs on every TAB (src/fast/complete.ts): flags from the manifest; profile names from profiles.json.
    const completionEnv = {...reference}
    delete completionEnv.NODE_EXTRA_CA_CERTS
    candidates['__complete get-token -<TAB> (flags)'] = {argv: [BIN, '__complete', 'get-token', '-'], env: completionEnv}
    candidates['__complete get-token -p <TAB> (profiles)'] = {argv: [BIN, '__complete', 'get-token', '-p', ''], env: completionEnv}
    const medians = measure(candidates)

    const base = medians['node -e 0']
    const line = (label: string, value: string) => console.log(`  ${label.padEnd(52)} ${value}`)
    console.log(`\nentra-auth-cli bench (${SHORT ? 'short' : 'full'}: median of ${RUNS} interleaved runs each; identity provider stopped)`)
    console.log(`(a) start-up, as a multiple of node -e 0 (${base.toFixed(0)} ms here)`)
    for (const [name, ms] of Object.entries(medians)) line(name, `${(ms / base).toFixed(2)}x  (${ms.toFixed(0)} ms)`)
    if (!keyringAvailable) console.log('  (keyring store not measured: no D-Bus session; run through scripts/with-keyring.sh)')
    if (medians['get-token hit, keyring'] && medians['get-token hit, encrypted-file']) {
      line('encrypted-file minus keyring (scrypt N=2^15 + file)', `${(medians['get-token hit, encrypted-file'] - medians['get-token hit, keyring']).toFixed(0)} ms`)
    }
    console.log('(b) token-endpoint requests (all requests in brackets)')
    line('cold (no metadata, no token)', `${cold.token} [${cold.all}]`)
    line('warm (metadata cached, --force)', `${warm.token} [${warm.all}]`)
    line('cached', `${cached.token} [${cached.all}]`)
    console.log('(c) 10 concurrent cold get-token processes, one profile')
    line('token-endpoint requests', String(concurrentRequests))
  } finally {
    await idp.stop().catch(() => {})
    for (const [, setup] of setups) rmSync(setup.home, {force: true, recursive: true})
  }
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`)
  process.exit(1)
})
