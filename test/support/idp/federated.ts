/**
 * Workload identity federation as Entra does it: a client assertion whose `iss` is not the app's own client id is
 * a token from another issuer (a Kubernetes cluster, GitHub Actions). It is accepted when the app has a federated
 * credential for that issuer, its signature checks out against the keys the issuer publishes (fetched from
 * `<issuer>/.well-known/openid-configuration` -> `jwks_uri`, every time: issuers rotate keys), it is within its
 * lifetime, and its subject and audience match that credential.
 */
import {get} from 'node:https'
import {rootCertificates} from 'node:tls'
import {createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload} from 'jose'
import {AADSTS} from './errors.js'
import type {AppRegistration, FederatedCredential} from './registry.js'
import type {ClientAuthResult} from './client-auth.js'

function fetchJson(url: string, caPem: string | undefined): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = get(url, {ca: caPem ? [...rootCertificates, caPem] : undefined, timeout: 5000}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode} from ${url}`))
        try {
          resolve(JSON.parse(body))
        } catch (error) {
          reject(error)
        }
      })
    })
    request.on('timeout', () => request.destroy(new Error(`timeout fetching ${url}`)))
    request.on('error', reject)
  })
}

async function issuerKeys(credential: FederatedCredential): Promise<JSONWebKeySet> {
  const base = credential.issuer.replace(/\/+$/, '')
  const metadata = (await fetchJson(`${base}/.well-known/openid-configuration`, credential.issuerCaPem)) as {
    issuer?: string
    jwks_uri?: string
  }
  if (metadata.issuer !== credential.issuer || typeof metadata.jwks_uri !== 'string')
    throw new Error('issuer metadata does not name this issuer or has no jwks_uri')
  return (await fetchJson(metadata.jwks_uri, credential.issuerCaPem)) as JSONWebKeySet
}

export async function verifyFederatedAssertion(
  app: AppRegistration,
  assertion: string,
  claims: JWTPayload,
): Promise<ClientAuthResult> {
  const issuer = String(claims.iss ?? '')
  const credentials = app.federatedCredentials.filter((f) => f.issuer === issuer)
  if (credentials.length === 0) return {ok: false, error: AADSTS.federatedIssuerNotFound(issuer)}

  let keys: JSONWebKeySet
  try {
    keys = await issuerKeys(credentials[0])
  } catch {
    return {ok: false, error: AADSTS.federatedMetadataUnreachable(issuer)}
  }
  let payload: JWTPayload
  try {
    ;({payload} = await jwtVerify(assertion, createLocalJWKSet(keys), {
      algorithms: ['RS256', 'PS256', 'ES256'],
      issuer,
      requiredClaims: ['exp', 'sub', 'aud'],
    }))
  } catch (e) {
    const now = Math.floor(Date.now() / 1000)
    if (
      e instanceof joseErrors.JWTExpired ||
      (e instanceof joseErrors.JWTClaimValidationFailed && (e.claim === 'nbf' || e.claim === 'exp'))
    ) {
      return {ok: false, error: AADSTS.assertionOutsideValidity(now, claims.nbf, claims.exp)}
    }
    if (e instanceof joseErrors.JWSSignatureVerificationFailed || e instanceof joseErrors.JWKSNoMatchingKey)
      return {ok: false, error: AADSTS.assertionSignatureInvalid()}
    return {ok: false, error: AADSTS.assertionMalformed(e instanceof Error ? e.message : String(e))}
  }

  const audiences = (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).filter(
    (a): a is string => typeof a === 'string',
  )
  const match = credentials.some((f) => f.subject === payload.sub && audiences.some((a) => f.audiences.includes(a)))
  if (!match)
    return {ok: false, error: AADSTS.federatedRecordNotFound(issuer, String(payload.sub), audiences.join(','))}
  return {ok: true, kind: 'assertion'}
}
