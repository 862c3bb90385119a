import {defineFlow} from '../contract/index.js'

export default defineFlow({
  interactive: false,
  kind: 'app-only',
  name: 'ClientCredentials',
  profileFields: {clientId: 'required', credential: 'required', tenant: 'required'},
  summary: 'App-only token for a service principal, with a client secret or a certificate',
  supportsRefresh: false,
  async create() {
    return new (await import('../flows/client-credentials.js')).ClientCredentialsFlow()
  },
})
