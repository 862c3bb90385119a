import {defineFlow} from '../contract/index.js'

export default defineFlow({
  // Kubernetes workload identity (the azure-workload-identity webhook) sets these in the pod next to the token file.
  environmentDefaults: {authority: 'AZURE_AUTHORITY_HOST', clientId: 'AZURE_CLIENT_ID', tenantId: 'AZURE_TENANT_ID'},
  interactive: false,
  kind: 'app-only',
  name: 'WorkloadIdentity',
  // The credential is the federated token file, read at run time: nothing to store with the profile.
  profileFields: {clientId: 'required', credential: 'unused', tenant: 'required'},
  summary:
    'App-only token for a Kubernetes or CI workload, proving itself with the federated token in AZURE_FEDERATED_TOKEN_FILE',
  supportsRefresh: false,
  async create() {
    return new (await import('../flows/workload-identity.js')).WorkloadIdentityFlow()
  },
})
