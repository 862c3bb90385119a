import {X509Certificate} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {fail, ok, type Finding} from './finding.js'

/**
 * NODE_EXTRA_CA_CERTS, when set, must name a readable PEM file: Node only prints a warning at start-up when it
 * cannot load it, and every HTTPS request then fails as "certificate not trusted" with the cause out of sight.
 */
export async function checkExtraCaCerts(env: NodeJS.ProcessEnv = process.env): Promise<Finding[]> {
  const path = env.NODE_EXTRA_CA_CERTS
  if (!path) return []
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    return [
      fail(
        'TLS',
        `NODE_EXTRA_CA_CERTS names ${path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); Node ignores it.`,
        'Point NODE_EXTRA_CA_CERTS at a readable PEM file holding the CA certificate(s).',
      ),
    ]
  }
  const names: string[] = []
  for (const pem of text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) {
    try {
      const cert = new X509Certificate(pem)
      names.push(/CN=([^\n]+)/.exec(cert.subject)?.[1] ?? cert.subject.replaceAll('\n', ', '))
    } catch {
      // An unreadable block among good ones: Node skips it too.
    }
  }
  if (names.length === 0) {
    return [
      fail(
        'TLS',
        `NODE_EXTRA_CA_CERTS names ${path}, which holds no PEM certificate; Node ignores it.`,
        'Convert the CA certificate to PEM (openssl x509 -inform der -in ca.cer -out ca.pem) and point NODE_EXTRA_CA_CERTS at it.',
      ),
    ]
  }
  return [
    ok(
      'TLS',
      `NODE_EXTRA_CA_CERTS=${path} adds ${names.length} CA certificate(s): ${names.slice(0, 3).join('; ')}${names.length > 3 ? '; …' : ''}.`,
    ),
  ]
}
