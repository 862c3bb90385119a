import {Flags} from '@oclif/core'
import {UsageError} from '../base/errors.js'
import type {FlowNeeds} from '../profile/rules.js'
import {readStdin} from './stdin.js'

/** `config create` and `config edit`: the flow's own settings (FlowRegistration.options). */
export const flowOptionFlags = {
  option: Flags.string({
    description:
      "A setting of the profile's flow, NAME=VALUE (repeatable; NAME= clears it). Secret options go with --option-stdin.",
    helpValue: 'NAME=VALUE',
    multiple: true,
  }),
  'option-stdin': Flags.string({
    description:
      'Read the value of this (secret) flow option from stdin: it goes to the secret store, never to profiles.json or argv.',
    exclusive: ['client-secret-stdin', 'certificate-password-stdin'],
    helpValue: 'NAME',
  }),
}

/** The options given as flags, checked against what the flow declares; a secret option must not come through argv. */
export async function readFlowOptions(
  flags: {option?: string[]; 'option-stdin'?: string},
  needs: FlowNeeds,
  flow: string,
): Promise<Record<string, string> | undefined> {
  const options: Record<string, string> = {}
  for (const pair of flags.option ?? []) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`--option takes NAME=VALUE, not '${pair.split('=')[0]}'.`)
    const name = pair.slice(0, eq)
    const declared = needs.options.find((o) => o.name === name)
    if (declared?.secret) {
      throw new UsageError(
        `The option '${name}' of the ${flow} flow is secret: pipe it in with --option-stdin ${name} (argv is visible to other processes).`,
      )
    }
    options[name] = pair.slice(eq + 1)
  }
  const fromStdin = flags['option-stdin']
  if (fromStdin !== undefined) options[fromStdin] = await readStdin(`The option '${fromStdin}'`)
  return Object.keys(options).length > 0 ? options : undefined
}
