/**
 * The registration entra-auth-cli reads through the `entra:flow:managed-identity` hook: cheap to load (no msal),
 * so listing flows and the get-token fast path never pay for the flow itself.
 */
import {defineFlow} from 'entra-auth-cli-plugin-api'

export default defineFlow({
  name: 'ManagedIdentity',
  summary: 'App-only token for the Azure managed identity of this VM, App Service, Function or Arc server (no secret)',
  kind: 'app-only',
  interactive: false,
  supportsRefresh: false,
  // IMDS retries for up to 1 + 2 + 4 s when it is being updated or throttles; 30 s leaves room for three tries.
  defaultTimeoutSeconds: 30,
  // A managed identity needs no app registration, tenant or secret: the platform vouches for the machine.
  profileFields: {clientId: 'unused', credential: 'unused', tenant: 'unused'},
  options: [
    {description: 'Client id of a user-assigned identity (default: the system-assigned identity)', name: 'client-id'},
    {description: 'Object (principal) id of a user-assigned identity', name: 'object-id'},
    {description: 'ARM resource id of a user-assigned identity', name: 'resource-id'},
  ],
  async create() {
    return new (await import('./flow.js')).ManagedIdentityFlow()
  },
})
