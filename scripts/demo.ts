/**
 * `npm run demo`: the main job end to end on a fresh machine, with no Azure account and no network.
 * Starts the bundled local Entra-compatible identity provider (HTTPS on 127.0.0.1), creates a profile for its demo
 * app with the built CLI, and gets a real token: first from the provider, then from the encrypted cache.
 * Everything is written under a throwaway folder; the secret store is the encrypted file (no keyring needed).
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {randomBytes} from 'node:crypto'
import {startDemoIdp} from '../test/support/idp/cli.js'

const BIN = resolve(__dirname, '..', 'bin', 'run.js')

/** Asynchronous on purpose: the identity provider answers from this same process's event loop. */
function run(title: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<string> {
  process.stderr.write(`\n$ entra-auth-cli ${args.join(' ')}   # ${title}\n`)
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {env, stdio: ['pipe', 'pipe', 'inherit']})
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolvePromise(stdout) : reject(new Error(`entra-auth-cli ${args[0]} exited with ${code}`)),
    )
    child.stdin.end(input ?? '')
  })
}

async function main() {
  const demo = await startDemoIdp()
  const home = mkdtempSync(join(tmpdir(), 'entra-demo-'))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ENTRA_AUTH_CLI_HOME: join(home, '.entra-auth-cli'),
    ENTRA_AUTH_CLI_PASSPHRASE: randomBytes(18).toString('base64url'),
    ENTRA_AUTH_CLI_STORE: 'encrypted-file',
    // Trust the provider's freshly generated CA, as one trusts a corporate proxy's CA.
    NODE_EXTRA_CA_CERTS: demo.caCertPath,
  }
  try {
    process.stderr.write(`Local identity provider: ${demo.authority}\n`)
    await run(
      'create a profile; the secret is read from stdin',
      [
        'config',
        'create',
        '--name',
        'demo',
        '--tenant-id',
        demo.tenantId,
        '--client-id',
        demo.clientId,
        '--authority',
        demo.authority,
        '--client-secret-stdin',
      ],
      env,
      demo.clientSecret,
    )
    const token = await run('a real token from the identity provider', ['get-token', '-p', 'demo'], env)
    process.stdout.write(token)
    const cached = await run(
      'again: served from the encrypted cache, no request',
      ['get-token', '-p', 'demo', '--json'],
      env,
    )
    process.stdout.write(cached)
    const claims = await run(
      'its claims, read from stdin (never pass a token as an argument: it shows in ps)',
      ['inspect'],
      env,
      token,
    )
    process.stdout.write(claims)
    const requests = demo.idp.tokenRequests().length
    process.stderr.write(`\nToken requests the identity provider saw: ${requests} (the second call was a cache hit).\n`)
  } finally {
    await demo.idp.stop()
    rmSync(home, {force: true, recursive: true})
  }
}

main().catch((error: Error) => {
  process.stderr.write(`demo failed: ${error.message}\n`)
  process.exit(1)
})
