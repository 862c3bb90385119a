import {defineFlow} from '../contract/index.js'

export default defineFlow({
  // Entra's device codes live 15 minutes; the person needs time to reach another device and sign in.
  defaultTimeoutSeconds: 900,
  interactive: true,
  kind: 'user',
  name: 'DeviceCode',
  profileFields: {clientId: 'required', credential: 'optional', tenant: 'required'},
  summary: 'Sign a user in on another device with a code (RFC 8628), for terminals without a browser',
  supportsRefresh: true,
  async create() {
    return new (await import('../flows/device-code.js')).DeviceCodeFlow()
  },
})
