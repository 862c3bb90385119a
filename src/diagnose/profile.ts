import {X509Certificate} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {loadClientCertificate} from '../base/certificate.js'
import {CliError} from '../base/errors.js'
import {canonicalName, type HookSource} from '../extensions/registry.js'
import {SecretStores} from '../extensions/secret-stores.js'
import {authorityHost, DEFAULT_FLOW, secretKeys, type Profile} from '../profile/model.js'
import {isTrustedAuthority} from '../flows/trusted-authority.js'
import {fail, ok, warn, type Finding} from './finding.js'

const EXPIRY_WARN_DAYS = 30
const DAY_MS = 86_400_000

/**
 * Whether the profile's credential is there: its client secret in the secret store (or AZURE_CLIENT_SECRET), its
 * certificate readable with its password and not expired, the federated token file of a WorkloadIdentity profile.
 * Secrets are read to see that they exist and are never shown.
 */
export async function checkProfileCredential(
  profile: Profile,
  hooks: HookSource,
  bin: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Finding[]> {
  const check = `profile '${profile.name}'`
  const flow = profile.defaultFlow ?? DEFAULT_FLOW
  if (canonicalName(flow) === canonicalName('WorkloadIdentity'))
    return [await federatedTokenFinding(check, profile, env)]
  if (profile.authMethod === 'None') return [ok(check, `Needs no stored credential (public client, flow ${flow}).`)]
  let secret: string | undefined
  const kind = profile.authMethod === 'Certificate' ? 'certificate password' : 'client secret'
  const key =
    profile.authMethod === 'Certificate'
      ? secretKeys.certificatePassword(profile.name)
      : secretKeys.clientSecret(profile.name)
  const storeName = typeof profile.secretStore === 'string' ? profile.secretStore : undefined
  if (storeName) {
    try {
      const store = await new SecretStores(hooks, () => undefined, env).openFor(profile.name, storeName)
      secret = await store.get(key)
    } catch (error) {
      if (!(error instanceof CliError)) throw error
      return [
        fail(
          check,
          `Its ${kind} cannot be read: ${error.message}`,
          `Make the '${storeName}' store usable (see the secret store findings), or store the ${kind} again with config edit.`,
        ),
      ]
    }
  }
  const envName = profile.authMethod === 'Certificate' ? 'AZURE_CLIENT_CERTIFICATE_PASSWORD' : 'AZURE_CLIENT_SECRET'
  // As get-token reads it (flows/client-credential): only for this app (and tenant, when AZURE_TENANT_ID is set).
  const fromEnv =
    !secret &&
    env[envName] &&
    env.AZURE_CLIENT_ID?.toLowerCase() === profile.clientId.toLowerCase() &&
    (!env.AZURE_TENANT_ID || env.AZURE_TENANT_ID.toLowerCase() === profile.tenantId.toLowerCase())
      ? env[envName]
      : undefined
  if (fromEnv && !isTrustedAuthority(profile, env)) {
    const authority = authorityHost(profile)
    return [
      fail(
        check,
        `${envName} is set, but it signs in at ${authority}, which is neither a Microsoft cloud nor AZURE_AUTHORITY_HOST, so the ${kind} is not sent there.`,
        `If you trust that server, set AZURE_AUTHORITY_HOST=${authority}, or store the ${kind} with ${bin} config edit -p ${profile.name}.`,
      ),
    ]
  }
  if (profile.authMethod === 'Certificate') return [await certificateFinding(check, profile, secret ?? fromEnv, bin)]
  if (secret) return [ok(check, `Its client secret is stored in the '${storeName}' store.`)]
  if (fromEnv)
    return [ok(check, `No client secret is stored; ${envName} supplies it (AZURE_CLIENT_ID names this app).`)]
  return [
    fail(
      check,
      'It has no client secret (none stored, and AZURE_CLIENT_SECRET does not apply).',
      `${bin} config edit -p ${profile.name} --client-secret-stdin`,
    ),
  ]
}

async function certificateFinding(
  check: string,
  profile: Profile,
  password: string | undefined,
  bin: string,
): Promise<Finding> {
  const path = String(profile.certificatePath ?? '')
  let pem: string
  try {
    pem = (await loadClientCertificate(path, password)).x5c
  } catch (error) {
    if (!(error instanceof CliError)) throw error
    return fail(check, error.message, `Fix the path or password with: ${bin} config edit -p ${profile.name}`)
  }
  const leaf = new X509Certificate(pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0])
  const expires = new Date(leaf.validTo)
  const days = Math.floor((expires.getTime() - Date.now()) / DAY_MS)
  const renew = `Create a new certificate, upload it to the app registration (Certificates & secrets), then: ${bin} config edit -p ${profile.name} --certificate NEW.pfx`
  if (days < 0) return fail(check, `Its certificate ${path} expired on ${expires.toISOString()}.`, renew)
  if (days < EXPIRY_WARN_DAYS)
    return warn(check, `Its certificate ${path} expires in ${days} day(s), on ${expires.toISOString()}.`, renew)
  return ok(check, `Its certificate ${path} opens and is valid until ${expires.toISOString()}.`)
}

async function federatedTokenFinding(check: string, profile: Profile, env: NodeJS.ProcessEnv): Promise<Finding> {
  const path = env.AZURE_FEDERATED_TOKEN_FILE
  const fix =
    'Set AZURE_FEDERATED_TOKEN_FILE to the file your platform writes the federated token to (Kubernetes workload identity sets it in the pod).'
  if (!path) return fail(check, 'Its flow is WorkloadIdentity, but AZURE_FEDERATED_TOKEN_FILE is not set.', fix)
  if (!isTrustedAuthority(profile, env)) {
    const authority = authorityHost(profile)
    return fail(
      check,
      `It signs in at ${authority}, which is neither a Microsoft cloud nor AZURE_AUTHORITY_HOST, so the federated token is not sent there.`,
      `If you trust that server, set AZURE_AUTHORITY_HOST=${authority}.`,
    )
  }
  let exp: unknown
  try {
    const token = (await readFile(path, 'utf8')).trim()
    exp = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {exp?: unknown}).exp
  } catch (error) {
    return fail(
      check,
      `The federated token file ${path} cannot be read as a JWT (${(error as NodeJS.ErrnoException).code ?? 'not a JWT'}).`,
      fix,
    )
  }
  if (typeof exp !== 'number') return warn(check, `The federated token in ${path} has no expiry.`)
  const expires = new Date(exp * 1000)
  if (expires.getTime() <= Date.now())
    return fail(
      check,
      `The federated token in ${path} expired at ${expires.toISOString()}.`,
      'Whoever writes that file must renew it (the kubelet does, hourly); a stale file means it stopped.',
    )
  return ok(check, `The federated token in ${path} is valid until ${expires.toISOString()}.`)
}
