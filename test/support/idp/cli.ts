/**
 * Standalone provider for demos: `npx tsx test/support/idp/cli.ts` prints one JSON line
 *   {"authority":"https://127.0.0.1:PORT/<tenant>","tenantId":"...","clientId":"...","clientSecret":"...","caCertPath":"..."}
 * and serves until SIGTERM/SIGINT. Point a profile at `authority` and run the CLI with
 * NODE_EXTRA_CA_CERTS=<caCertPath>.
 */
import {randomBytes, randomUUID} from 'node:crypto'
import {startIdp, type Idp} from './index.js'

export interface DemoIdp {
  idp: Idp
  authority: string
  tenantId: string
  clientId: string
  clientSecret: string
  caCertPath: string
}

/** A provider with one tenant (`contoso.example`) and one confidential app with a random secret. */
export async function startDemoIdp(): Promise<DemoIdp> {
  const idp = await startIdp()
  const tenantId = randomUUID()
  const clientId = randomUUID()
  // Entra secrets are 40 characters of this alphabet; the exact shape does not matter to anyone but a human.
  const clientSecret = randomBytes(30).toString('base64url')
  idp.registerTenant(tenantId, ['contoso.example'])
  idp.registerApp({tenantId, clientId, clientSecret, roles: ['Demo.Read'], displayName: 'entra-auth-cli demo'})
  return {idp, authority: idp.authority(tenantId), tenantId, clientId, clientSecret, caCertPath: idp.caCertPath}
}

async function main(): Promise<void> {
  const demo = await startDemoIdp()
  const {authority, tenantId, clientId, clientSecret, caCertPath} = demo
  process.stdout.write(`${JSON.stringify({authority, tenantId, clientId, clientSecret, caCertPath})}\n`)
  const shutdown = (): void => {
    // exit() also runs the provider's exit hook that deletes the CA file.
    void demo.idp.stop().finally(() => process.exit(0))
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    process.exit(1)
  })
}
