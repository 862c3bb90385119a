import {expect} from 'chai'
import {resolve} from 'node:path'
import type {Profile} from '../../../src/profile/model.js'
import {
  applyProfileChanges,
  flowNeeds,
  userFlows,
  type FlowNeeds,
  type ProfileChanges,
  type RuleContext,
  type RuleOutcome,
} from '../../../src/profile/rules.js'

const TENANT = 'contoso.onmicrosoft.com'
const CLIENT = '11111111-2222-3333-4444-555555555555'
const context: RuleContext = {
  existingNames: ['app', 'other', 'Mixed'],
  flows: ['AuthorizationCode', 'ClientCredentials', 'DeviceCode', 'InteractiveBrowser'],
  needs: (flow) => flowNeeds({profileFields: {credential: flow === 'ClientCredentials' ? 'required' : 'optional'}}),
}
/** Every flow requires a credential. */
const allRequire = (): FlowNeeds => flowNeeds({profileFields: {credential: 'required'}})
const secretApp: Profile = {
  authMethod: 'ClientSecret',
  clientId: CLIENT,
  defaultFlow: 'ClientCredentials',
  name: 'app',
  secretStore: 'keyring',
  tenantId: TENANT,
}
const certApp: Profile = {
  ...secretApp,
  authMethod: 'Certificate',
  certificatePath: '/certs/app.pfx',
  useCertificate: true,
}
const userApp: Profile = {...secretApp, authMethod: 'None', defaultFlow: 'DeviceCode'}
const create = (changes: ProfileChanges) =>
  applyProfileChanges(undefined, {clientId: CLIENT, newName: 'new', tenantId: TENANT, ...changes}, context)
const firstProblem = (outcome: RuleOutcome) => outcome.problems[0]?.message

describe('profile rules', () => {
  describe('a new profile (config create)', () => {
    const cases: Array<[string, ProfileChanges, Partial<Profile>]> = [
      [
        'a client-secret app for ClientCredentials by default',
        {},
        {authMethod: 'ClientSecret', defaultFlow: 'ClientCredentials'},
      ],
      [
        'a public client when only a sign-in flow is named',
        {flow: 'device-code'},
        {authMethod: 'None', defaultFlow: 'DeviceCode'},
      ],
      [
        'a sign-in flow by default for auth method None',
        {authMethod: 'none'},
        {authMethod: 'None', defaultFlow: 'InteractiveBrowser'},
      ],
      [
        'a client secret makes a confidential client whatever the flow',
        {clientSecret: 's', flow: 'DeviceCode'},
        {authMethod: 'ClientSecret', defaultFlow: 'DeviceCode'},
      ],
      [
        'a certificate path makes a certificate app',
        {certificatePath: 'app.pfx'},
        {authMethod: 'Certificate', certificatePath: resolve('app.pfx'), useCertificate: true},
      ],
      [
        'lower-cased client id, authority host, scopes',
        {authority: `https://login.microsoftonline.us/${TENANT}/`, clientId: CLIENT.toUpperCase(), scopes: ['a', 'b']},
        {authority: 'https://login.microsoftonline.us', clientId: CLIENT, scopes: ['a', 'b']},
      ],
      ['a national cloud', {cloud: 'AzureChina'}, {cloud: 'AzureChina'}],
    ]
    for (const [label, changes, expected] of cases) {
      it(label, () => {
        const outcome = create(changes)
        expect(outcome.problems).to.deep.equal([])
        expect(outcome.profile).to.deep.include({clientId: CLIENT, name: 'new', tenantId: TENANT, ...expected})
      })
    }

    it('says which secrets to store and which certificate to open', () => {
      expect(create({clientSecret: 's'}).secrets['client-secret']).to.deep.equal({kind: 'set', value: 's'})
      const cert = create({certificatePassword: 'pw', certificatePath: 'app.pfx'})
      expect(cert.secrets['certificate-password']).to.deep.equal({kind: 'set', value: 'pw'})
      expect(cert.certificate).to.deep.equal({password: 'pw', path: 'app.pfx'})
      expect(create({}).certificate).to.equal(undefined)
    })

    const refused: Array<[string, ProfileChanges, RegExp]> = [
      ['no name', {newName: undefined}, /^Invalid profile name ''/],
      ['no tenant', {tenantId: undefined}, /^Invalid tenant id ''/],
      ['a client id that is not a GUID', {clientId: 'my-app'}, /^Invalid client id 'my-app'/],
      [
        'both authority and cloud',
        {authority: 'https://h', cloud: 'AzureChina'},
        /^Give either --authority or --cloud, not both\.$/,
      ],
      ['an http authority', {authority: 'http://login.example.com'}, /must use https/],
      [
        'an authority naming another tenant',
        {authority: 'https://login.microsoftonline.us/other'},
        /names tenant 'other'/,
      ],
      [
        'an unknown cloud',
        {cloud: 'Mars'},
        /^Unknown cloud 'Mars': use AzureChina, AzurePublic, AzureUSGovernment, or --authority URL\.$/,
      ],
      ['a scope with a space', {scopes: ['a b']}, /^Invalid scope 'a b'\.$/],
      ['a plain-http redirect URI off loopback', {redirectUri: 'http://example.com'}, /^Invalid redirect URI/],
      [
        'an unknown flow',
        {flow: 'Telepathy'},
        /^Unknown flow 'Telepathy'\. Installed flows: AuthorizationCode, ClientCredentials, DeviceCode, InteractiveBrowser\.$/,
      ],
      [
        'an unknown auth method',
        {authMethod: 'Magic'},
        /^Unknown auth method 'Magic': use ClientSecret, Certificate, None\.$/,
      ],
      [
        'a secret and a certificate',
        {certificatePath: 'a.pfx', clientSecret: 's'},
        /^Give a client secret or a certificate, not both\.$/,
      ],
      ['Certificate without a file', {authMethod: 'Certificate'}, /^Auth method Certificate needs --certificate PATH/],
      [
        'a certificate for ClientSecret',
        {authMethod: 'ClientSecret', certificatePath: 'a.pfx'},
        /go with auth method Certificate, not ClientSecret/,
      ],
      [
        'a secret for None',
        {authMethod: 'None', clientSecret: 's'},
        /^Auth method None takes no client secret or certificate\.$/,
      ],
      [
        'None with an app-only flow',
        {authMethod: 'None', flow: 'ClientCredentials'},
        /^ClientCredentials needs a credential, so auth method None needs a sign-in flow too: add --flow AuthorizationCode \(installed: AuthorizationCode, DeviceCode, InteractiveBrowser\)\.$/,
      ],
      [
        'a name taken in another case',
        {newName: 'APP'},
        /^Profile 'app' already exists and differs from 'APP' only in case/,
      ],
    ]
    for (const [label, changes, message] of refused) {
      it(`refuses ${label}`, () => {
        expect(firstProblem(create(changes))).to.match(message)
      })
    }

    it('reports every bad field, in the order they are checked', () => {
      const outcome = create({clientId: 'x', cloud: 'Mars', tenantId: 'not a tenant'})
      expect(outcome.problems.map((p) => p.field)).to.deep.equal(['tenantId', 'clientId', 'cloud'])
    })
  })

  describe('an existing profile (config edit and its menu)', () => {
    const cases: Array<[string, Profile, ProfileChanges, Partial<Profile>, Partial<RuleOutcome['secrets']>]> = [
      ['nothing asked, nothing changes', secretApp, {}, secretApp, {'client-secret': {kind: 'keep'}}],
      [
        'a new secret replaces the stored one',
        secretApp,
        {clientSecret: 'n'},
        {authMethod: 'ClientSecret'},
        {'client-secret': {kind: 'set', value: 'n'}},
      ],
      [
        'a certificate replaces the client secret',
        secretApp,
        {certificatePath: 'new.pfx'},
        {authMethod: 'Certificate', certificatePath: resolve('new.pfx'), useCertificate: true},
        {'client-secret': {kind: 'remove'}},
      ],
      [
        'a client secret replaces the certificate and its password',
        certApp,
        {clientSecret: 'n'},
        {authMethod: 'ClientSecret', certificatePath: undefined, useCertificate: undefined},
        {'certificate-password': {kind: 'remove'}, 'client-secret': {kind: 'set', value: 'n'}},
      ],
      [
        'an empty certificate password removes the stored one',
        certApp,
        {certificatePassword: ''},
        {certificatePath: '/certs/app.pfx'},
        {'certificate-password': {kind: 'remove'}},
      ],
      [
        'auth method None drops both secrets',
        {...secretApp, defaultFlow: 'DeviceCode'},
        {authMethod: 'None'},
        {authMethod: 'None'},
        {'certificate-password': {kind: 'remove'}, 'client-secret': {kind: 'remove'}},
      ],
      [
        'a cloud replaces a custom authority',
        {...secretApp, authority: 'https://login.example.com'},
        {cloud: 'AzureUSGovernment'},
        {authority: undefined, cloud: 'AzureUSGovernment'},
        {},
      ],
      [
        'an empty scope list goes back to the default',
        {...secretApp, scopes: ['x']},
        {scopes: []},
        {scopes: undefined},
        {},
      ],
      ['a rename to a free name', secretApp, {newName: 'renamed'}, {name: 'renamed'}, {}],
      [
        'a public client moves to another sign-in flow',
        userApp,
        {flow: 'InteractiveBrowser'},
        {defaultFlow: 'InteractiveBrowser'},
        {},
      ],
    ]
    for (const [label, base, changes, expected, secrets] of cases) {
      it(label, () => {
        const outcome = applyProfileChanges(base, changes, context)
        expect(outcome.problems).to.deep.equal([])
        for (const [field, value] of Object.entries(expected))
          expect(outcome.profile[field], field).to.deep.equal(value)
        expect(outcome.secrets).to.deep.include(secrets)
      })
    }

    it('leaves the profile it was given untouched', () => {
      const base = structuredClone(certApp)
      applyProfileChanges(base, {clientSecret: 'n', newName: 'z', scopes: ['s']}, context)
      expect(base).to.deep.equal(certApp)
    })

    it('a new certificate without a password is opened with the stored one (the caller decides)', () => {
      expect(applyProfileChanges(certApp, {certificatePath: 'b.pfx'}, context).certificate).to.deep.equal({
        password: undefined,
        path: 'b.pfx',
      })
      expect(applyProfileChanges(certApp, {scopes: ['s']}, context).certificate).to.equal(undefined)
    })

    const refused: Array<[string, Profile, ProfileChanges, RegExp]> = [
      [
        'a rename onto another profile',
        secretApp,
        {newName: 'other'},
        /^Profile 'other' already exists; pick another name or delete that profile first\.$/,
      ],
      [
        'a rename differing only in case from its own name',
        secretApp,
        {newName: 'APP'},
        /differs from the current name 'app' only in case/,
      ],
      [
        'switching to a client secret without one',
        certApp,
        {authMethod: 'ClientSecret'},
        /^Switching 'app' to a client secret needs the secret: add --client-secret-stdin/,
      ],
      [
        'switching to a certificate without a file',
        secretApp,
        {authMethod: 'Certificate'},
        /^Switching 'app' to a certificate needs --certificate PATH/,
      ],
      [
        'a secret for a certificate app',
        certApp,
        {authMethod: 'Certificate', clientSecret: 's'},
        /^Auth method Certificate takes no client secret; give --certificate PATH instead\.$/,
      ],
      ['an empty client secret', secretApp, {clientSecret: ''}, /^The client secret is empty\.$/],
      [
        'None while the flow stays app-only',
        secretApp,
        {authMethod: 'None'},
        /^ClientCredentials needs a credential, so auth method None needs a sign-in flow too/,
      ],
      [
        'an app-only flow for a public client',
        userApp,
        {flow: 'client-credentials'},
        /^ClientCredentials needs a credential/,
      ],
    ]
    for (const [label, base, changes, message] of refused) {
      it(`refuses ${label}`, () => {
        expect(firstProblem(applyProfileChanges(base, changes, context))).to.match(message)
      })
    }
  })

  it('takes which flows need a credential from their registrations, not from their names', () => {
    const pluginContext: RuleContext = {flows: ['ClientCredentials', 'ManagedIdentity'], needs: allRequire}
    expect(userFlows(pluginContext)).to.deep.equal([])
    const outcome = applyProfileChanges(
      undefined,
      {authMethod: 'None', clientId: CLIENT, flow: 'ManagedIdentity', newName: 'mi', tenantId: TENANT},
      pluginContext,
    )
    expect(firstProblem(outcome)).to.equal(
      'ManagedIdentity needs a credential, so auth method None needs a sign-in flow too: add --flow DeviceCode.',
    )
    expect(
      applyProfileChanges(
        undefined,
        {clientId: CLIENT, flow: 'DeviceCode', newName: 'u', tenantId: TENANT},
        {...context, needs: allRequire},
      ).profile.authMethod,
    ).to.equal('ClientSecret')
  })

  describe('what a flow declares (fields it uses, options)', () => {
    const mi = flowNeeds({
      options: [
        {description: 'Identity', name: 'identity'},
        {description: 'Endpoint', name: 'endpoint', required: true},
        {description: 'Key', name: 'key', secret: true},
      ],
      profileFields: {clientId: 'optional', credential: 'unused', tenant: 'unused'},
    })
    const withMi: RuleContext = {
      ...context,
      flows: [...context.flows, 'ManagedIdentity'],
      needs: (f) => (f === 'ManagedIdentity' ? mi : context.needs(f)),
    }

    it('a new profile needs no tenant, client id or credential the flow does not use; options land where they belong', () => {
      const outcome = applyProfileChanges(
        undefined,
        {flow: 'managed-identity', newName: 'mi', options: {endpoint: 'https://e', key: 'k3y'}},
        withMi,
      )
      expect(outcome.problems).to.deep.equal([])
      expect(outcome.profile).to.deep.include({
        authMethod: 'None',
        clientId: '',
        defaultFlow: 'ManagedIdentity',
        flowOptions: {endpoint: 'https://e'},
        tenantId: '',
      })
      expect(outcome.optionSecrets).to.deep.equal({key: {kind: 'set', value: 'k3y'}})
    })

    it('refuses an option the flow does not declare, a missing required one, and a credential it does not use', () => {
      expect(
        firstProblem(
          applyProfileChanges(
            undefined,
            {flow: 'ManagedIdentity', newName: 'mi', options: {endpoint: 'e', nope: '1'}},
            withMi,
          ),
        ),
      ).to.equal("The ManagedIdentity flow has no option 'nope'; its options: identity, endpoint, key.")
      expect(firstProblem(applyProfileChanges(undefined, {flow: 'ManagedIdentity', newName: 'mi'}, withMi))).to.match(
        /needs the option 'endpoint'/,
      )
      expect(
        firstProblem(
          applyProfileChanges(
            undefined,
            {clientSecret: 's', flow: 'ManagedIdentity', newName: 'mi', options: {endpoint: 'e'}},
            withMi,
          ),
        ),
      ).to.match(/uses no client secret/)
    })

    it('leaving the flow drops its options and removes its secret ones; a flow needing a tenant then asks for it', () => {
      const base: Profile = {
        authMethod: 'None',
        clientId: '',
        defaultFlow: 'ManagedIdentity',
        flowOptions: {endpoint: 'e'},
        name: 'mi',
        secretOptions: ['key'],
        tenantId: '',
      }
      const outcome = applyProfileChanges(base, {clientId: CLIENT, flow: 'DeviceCode', tenantId: TENANT}, withMi)
      expect(outcome.problems).to.deep.equal([])
      expect(outcome.profile.flowOptions).to.equal(undefined)
      expect(outcome.optionSecrets).to.deep.equal({key: {kind: 'remove'}})
      expect(firstProblem(applyProfileChanges(base, {flow: 'DeviceCode'}, withMi))).to.equal(
        'The DeviceCode flow needs --tenant-id.',
      )
    })
  })
})
