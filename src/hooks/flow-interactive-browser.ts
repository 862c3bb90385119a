import {defineFlow} from '../contract/index.js'

export default defineFlow({
  interactive: true,
  kind: 'user',
  name: 'InteractiveBrowser',
  profileFields: {clientId: 'required', credential: 'optional', tenant: 'required'},
  summary: 'Sign a user in with the browser (PKCE, loopback redirect); a device code where no browser can open',
  supportsRefresh: true,
  async create() {
    return new (await import('../flows/interactive-browser.js')).InteractiveBrowserFlow()
  },
})
