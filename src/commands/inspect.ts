import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../cli/command-base.js'
import {parseDuration} from '../base/duration.js'
import {printable} from '../base/text.js'
import {claimDate, decodeJwt} from '../jwt/read.js'
import {createReporter} from '../cli/reporter.js'
import {commandLineTokenWarning, readToken} from '../cli/token-input.js'
import {summarizeToken} from '../jwt/summary.js'
import {ProfileStore} from '../profile/store.js'
import {pinnedIssuer, profileIssuers} from '../token/issuer.js'
import {writeStdout} from '../base/output-target.js'

export default class Inspect extends BaseCommand {
  static override summary = 'Show the claims of a token (JWT); optionally verify it against its issuer.'

  static override description = `Reads the token from stdin ('-' or a pipe), -f FILE, -t or the argument. Prefer a pipe or -f FILE: a token on the command line can be read by other local users (ps) and is kept in shell history, so it draws a warning (unless --silent). Surrounding whitespace, line breaks, quotes, a leading "Bearer " and the JSON of get-token --json are tolerated.

stdout gets exactly the payload claims as pretty JSON (for jq); stderr gets a short summary: header alg/kid/typ, issuer, audience, app and user, scopes or roles, and when it was issued and expires, in local time. The token and its signature are never printed.

--verify fetches the issuer's OpenID metadata (<iss>/.well-known/openid-configuration), then checks the signature against its JWKS, exp and nbf (allowing 5 min of clock skew), and --audience / --issuer when given; claims are printed only if every check passes. Without --issuer, the token's own issuer is trusted to publish the right keys, and anyone can run an issuer and its JWKS: the token is then reported as not verified (stderr, and "verified": false with "issuerPinned": false in --json) even though its signature and lifetime check out. Pin the issuer with --issuer, or with -p PROFILE to take it from a profile's authority and tenant. HTTPS_PROXY and NODE_EXTRA_CA_CERTS apply.

Encrypted (JWE) and opaque tokens (Microsoft account tokens, some Microsoft Graph tokens) cannot be read by anyone but the API they are for; they are reported as "not a readable JWT".

Exit codes: 0 ok; 2 usage; 5 metadata or JWKS unreachable; 6 expired, 7 not yet valid (with --verify); 8 not a readable JWT (or no token); 9 signature, key, algorithm, audience or issuer check failed.`

  static override examples = [
    {
      command: '<%= config.bin %> get-token -p myapp --silent | <%= config.bin %> inspect',
      description: 'Claims of a fresh token',
    },
    {
      command: 'echo "$TOKEN" | <%= config.bin %> inspect --silent | jq -r .roles[]',
      description: 'Read one claim in a script (a pipe keeps the token out of ps)',
    },
    {command: '<%= config.bin %> inspect -f token.txt --silent', description: 'Claims only, no summary'},
    {
      command:
        'echo "$TOKEN" | <%= config.bin %> inspect --verify --audience api://my-api --issuer https://login.microsoftonline.com/<tenant-id>/v2.0',
      description: 'Check signature, lifetime, audience and issuer',
    },
    {
      command: '<%= config.bin %> get-token -p myapp --silent | <%= config.bin %> inspect --verify -p myapp',
      description: "Verify a token against the issuer of the profile's authority and tenant",
    },
  ]

  static override args = {
    // ignoreStdin: oclif would otherwise read a pipe into this argument itself, uncapped, logging it under DEBUG, and
    // give up on a producer slower than 10 ms; readToken reads stdin with a size cap and names it in its messages.
    token: Args.string({
      description:
        "The token (visible in ps: prefer a pipe or -f FILE), or '-' to read it from stdin (the default when nothing else is given).",
      ignoreStdin: true,
    }),
  }

  static override flags = {
    audience: Flags.string({
      dependsOn: ['verify'],
      description: "With --verify: the 'aud' the token must carry (e.g. api://my-api or a client id).",
      helpValue: 'AUD',
    }),
    file: Flags.string({char: 'f', description: "Read the token from this file ('-' for stdin).", helpValue: 'FILE'}),
    issuer: Flags.string({
      dependsOn: ['verify'],
      exclusive: ['profile'],
      description:
        "With --verify: the 'iss' the token must carry; checked before any request is made. Without it the token is not counted as verified (anyone can run an issuer).",
      helpValue: 'URL',
    }),
    json: Flags.boolean({
      description:
        'Print {header, claims, expiresOn, secondsLeft, verified, issuerPinned} instead of the claims alone. verified is true only with --verify AND --issuer (or -p): signature, lifetime and issuer all checked; issuerPinned says whether the issuer was pinned.',
    }),
    profile: Flags.string({
      char: 'p',
      dependsOn: ['verify'],
      description:
        "With --verify: pin the issuer to this profile's authority and tenant (https://<authority>/<tenant-id>/v2.0, or the v1 https://sts.windows.net/<tenant-id>/ in the public cloud), instead of typing --issuer.",
      helpValue: 'PROFILE',
    }),
    silent: Flags.boolean({description: 'No summary and no warnings on stderr (errors still go there).'}),
    timeout: Flags.string({
      default: '10s',
      description: 'With --verify: give up on the metadata and JWKS requests after this long.',
      helpValue: 'DURATION',
    }),
    token: Flags.string({
      char: 't',
      description: "The token (visible in ps: prefer a pipe or -f FILE), or '-' for stdin.",
      helpValue: 'TOKEN',
    }),
    verify: Flags.boolean({
      description: "Verify the signature against the issuer's published keys, and exp/nbf (plus --audience/--issuer).",
    }),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Inspect)
    const reporter = createReporter({silent: flags.silent})
    const timeoutMs = parseDuration(flags.timeout, '--timeout')
    const sources = {argument: args.token, file: flags.file, token: flags.token}
    const token = await readToken(sources)
    // The token has already been in argv (ps, shell history) by now; the warning is about next time. --silent drops
    // it like the summary: whoever asked for quiet output in a script has chosen, and gains nothing from a nag per run.
    const warning = commandLineTokenWarning(sources, 'inspect')
    if (warning) reporter.status(warning)
    const decoded = await decodeJwt(token)
    // Verification comes first: a token that fails it gets the one-line error alone, and no claims on stdout.
    // "Verified" means signature, lifetime AND issuer: without --issuer, anyone running an issuer and a JWKS passes.
    let verified = false
    let issuerPinned = false
    let outcome: string | undefined
    if (flags.verify) {
      const {verifyJwt} = await import('../jwt/verify.js')
      let issuer = flags.issuer
      if (flags.profile) {
        const profile = await new ProfileStore(this.home).get(flags.profile)
        issuer = pinnedIssuer(await profileIssuers(this.home, profile, timeoutMs), decoded.claims.iss)
      }
      const result = await verifyJwt(token, decoded, {audience: flags.audience, issuer, timeoutMs})
      issuerPinned = result.issuerPinned
      verified = issuerPinned
      const signature = `signature (kid ${printable(result.kid ?? 'none')})`
      const audience = result.audience ? `audience '${printable(result.audience)}'` : undefined
      outcome = issuerPinned
        ? `✓ Verified: ${signature}, lifetime${audience ? `, ${audience}` : ''}; issuer ${flags.profile ? `of profile '${flags.profile}'` : 'as given'}.`
        : `Not verified: ${audience ? `${signature}, lifetime and ${audience}` : `${signature} and lifetime`} check out, but the issuer is not pinned and anyone can run an issuer; pass --issuer URL or -p PROFILE.`
    }
    for (const line of summarizeToken(decoded)) reporter.status(line)
    if (outcome) reporter.status(outcome)

    if (flags.json) {
      const expiresOn = claimDate(decoded.claims.exp)
      const envelope = {
        header: decoded.header,
        claims: decoded.claims,
        expiresOn: expiresOn?.toISOString() ?? null,
        secondsLeft: expiresOn ? Math.floor((expiresOn.getTime() - Date.now()) / 1000) : null,
        verified,
        issuerPinned,
      }
      await writeStdout(`${JSON.stringify(envelope, null, 2)}\n`, 'the claims')
    } else {
      await writeStdout(`${JSON.stringify(decoded.claims, null, 2)}\n`, 'the claims')
    }
  }
}
