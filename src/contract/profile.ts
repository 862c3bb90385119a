/** A profile as flows see it: what profiles.json holds for one name (secrets live in the secret store, never here). */

/** The Microsoft clouds a profile can name instead of an authority URL. */
export type Cloud = 'AzureChina' | 'AzurePublic' | 'AzureUSGovernment'

/** How a confidential client proves itself; `None` is a public client (a person signs in). */
export type AuthMethod = 'ClientSecret' | 'Certificate' | 'None'

export interface Profile {
  name: string
  /** '' when the profile's flow declares the tenant unused and none was given (ManagedIdentity). */
  tenantId: string
  /** '' when the profile's flow declares the client id unused, or optional and none was given. */
  clientId: string
  /** Authority host, e.g. https://login.microsoftonline.us (the tenant is appended). Wins over `cloud`. */
  authority?: string
  cloud?: Cloud
  scopes?: string[]
  defaultFlow?: string
  authMethod: AuthMethod
  certificatePath?: string
  redirectUri?: string
  useCertificate?: boolean
  /**
   * Values of the options the profile's flow declares (FlowRegistration.options), by option name. Secret options
   * are never here: they live in the secret store (read them with FlowContext.option()).
   */
  flowOptions?: Record<string, string>
  /** The plugin providing `defaultFlow` when it is not built in: named when that plugin is missing. */
  flowPlugin?: string
  /** The plugin providing `secretStore` when it is not built in: named when that plugin is missing. */
  storePlugin?: string
  /** Names of the secret options stored for this profile, so they are found again (a store cannot list its keys). */
  secretOptions?: string[]
  /** Fields written by newer versions or by hand are kept as they are. */
  [extra: string]: unknown
}
