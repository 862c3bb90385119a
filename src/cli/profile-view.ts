import {authorityHost, DEFAULT_FLOW, DEFAULT_REDIRECT_URI, DEFAULT_SCOPE, type Profile} from '../profile/model.js'
import type {SecretStatus} from '../config/service.js'

/** What `config list/show` print about a profile: every setting, and where its secrets are, never the secrets. */
export function profileSummary(profile: Profile, secrets?: SecretStatus[]) {
  return {
    ...profile,
    authority: authorityHost(profile),
    defaultFlow: profile.defaultFlow ?? DEFAULT_FLOW,
    redirectUri: profile.redirectUri ?? DEFAULT_REDIRECT_URI,
    scopes: profile.scopes?.length ? profile.scopes : [DEFAULT_SCOPE],
    ...(secrets
      ? {secrets: Object.fromEntries(secrets.map((s) => [s.kind, s.stored ? `stored in ${s.location}` : 'not stored']))}
      : {}),
  }
}

export function secretWhere(profile: Profile): string {
  // A profile without a credential may still keep its flow's secret options in a store.
  if (typeof profile.secretStore === 'string') return profile.secretStore
  return profile.authMethod === 'None' ? '-' : 'not stored'
}
