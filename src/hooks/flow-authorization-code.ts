import {defineFlow} from '../contract/index.js'

export default defineFlow({
  interactive: true,
  kind: 'user',
  name: 'AuthorizationCode',
  profileFields: {clientId: 'required', credential: 'optional', tenant: 'required'},
  summary:
    "Authorization code with PKCE at the profile's redirect URI (default http://localhost:8080); public or confidential client",
  supportsRefresh: true,
  async create() {
    return new (await import('../flows/authorization-code.js')).AuthorizationCodeFlow()
  },
})
