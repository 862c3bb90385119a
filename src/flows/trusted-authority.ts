import {ConfigError} from '../base/errors.js'
import {authorityHost, isMicrosoftAuthority, sameAuthorityHost} from '../profile/model.js'
import type {Profile} from '../contract/index.js'

/**
 * A credential taken from the environment (a client secret, a certificate password, a federated token) is only
 * sent to a Microsoft cloud, or to the host AZURE_AUTHORITY_HOST names: an imported or hand-edited profile with
 * your tenant and client id but another authority must not receive the pipeline's credential. `what` names the
 * credential in the message ("AZURE_CLIENT_SECRET is set, but ..."), `sent` what would be sent, and `otherwise`
 * the other way out the user has, if any.
 */
export function assertTrustedAuthority(what: string, profile: Profile, sent: string, otherwise = ''): void {
  if (isTrustedAuthority(profile)) return
  const authority = authorityHost(profile)
  throw new ConfigError(
    `${what} is set, but profile '${profile.name}' signs in at ${authority}, which is not a Microsoft cloud, so the ${sent} is not sent there; if you trust that server, set AZURE_AUTHORITY_HOST=${authority}${otherwise}.`,
    'ENV_CREDENTIAL_AUTHORITY',
  )
}

/** The profile signs in at a Microsoft cloud, or at the host AZURE_AUTHORITY_HOST names. */
export function isTrustedAuthority(profile: Profile, env: NodeJS.ProcessEnv = process.env): boolean {
  const authority = authorityHost(profile)
  const trusted = env.AZURE_AUTHORITY_HOST
  return isMicrosoftAuthority(authority) || Boolean(trusted && sameAuthorityHost(trusted, authority))
}
