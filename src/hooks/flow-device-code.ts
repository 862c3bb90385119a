import {defineFlow} from '../plugin.js'

export default defineFlow({
  interactive: true,
  name: 'DeviceCode',
  summary: 'Sign a user in on another device with a code (RFC 8628), for terminals without a browser',
  supportsRefresh: true,
  async create() {
    return new (await import('../flows/device-code.js')).DeviceCodeFlow()
  },
})
