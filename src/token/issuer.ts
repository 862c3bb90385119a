import {UsageError} from '../base/errors.js'
import {resolveAuthorityMetadata} from '../net/authority-metadata.js'
import {HttpClient} from '../net/http-client.js'
import {authorityHost, authorityUrl, CLOUDS, isGuid, type Profile} from '../profile/model.js'

const MULTI_TENANT = new Set(['common', 'organizations', 'consumers'])

/**
 * The issuers a profile's tokens may carry, for `inspect --verify -p`: Entra's v2.0 issuer
 * `https://<authority host>/<tenant GUID>/v2.0`, and in the public cloud also the v1.0 one,
 * `https://sts.windows.net/<tenant GUID>/` (APIs whose manifest asks for v1 tokens, Microsoft Graph among them).
 * A tenant given by domain name is turned into its GUID through the authority's OpenID metadata, which names the
 * issuer (the same cached document get-token uses; fetched once a day).
 */
export async function profileIssuers(home: string, profile: Profile, timeoutMs: number): Promise<string[]> {
  const host = authorityHost(profile)
  let tenant = profile.tenantId
  if (MULTI_TENANT.has(tenant.toLowerCase())) {
    throw new UsageError(
      `Profile '${profile.name}' signs in to '${tenant}', which names no single issuer; pass --issuer URL instead of -p.`,
    )
  }
  if (!isGuid(tenant)) {
    const metadata = await resolveAuthorityMetadata(home, authorityUrl(profile), new HttpClient({timeoutMs}))
    const issuer = (JSON.parse(metadata.authorityMetadata) as {issuer?: unknown}).issuer
    const match = typeof issuer === 'string' ? /^https:\/\/[^/]+\/([\da-f-]{36})\/v2\.0\/?$/i.exec(issuer) : null
    if (!match || !isGuid(match[1]) || new URL(issuer as string).origin !== new URL(host).origin) {
      throw new UsageError(
        `The OpenID metadata of ${authorityUrl(profile)} names no usable issuer for tenant '${tenant}'; pass --issuer URL instead of -p.`,
      )
    }
    tenant = match[1]
  }
  const issuers = [`${host}/${tenant}/v2.0`]
  if (host === CLOUDS.AzurePublic) issuers.push(`https://sts.windows.net/${tenant}/`)
  return issuers
}

/** The issuer to require of a token: the profile's one that it names, else the v2.0 one (and the check fails). */
export function pinnedIssuer(issuers: string[], tokenIssuer: unknown): string {
  const normalize = (url: string) => url.replace(/\/+$/, '').toLowerCase()
  const named =
    typeof tokenIssuer === 'string' ? issuers.find((i) => normalize(i) === normalize(tokenIssuer)) : undefined
  return named ?? issuers[0]
}
