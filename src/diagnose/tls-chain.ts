import {request} from 'node:http'
import type {Socket} from 'node:net'
import {connect, type DetailedPeerCertificate} from 'node:tls'
import {isIP} from 'node:net'

export interface PresentedChain {
  /** Subjects, leaf first, as the server sent them. */
  subjects: string[]
  /** Who must be trusted for the chain to validate: the issuer of the last certificate sent (or that one, self-signed). */
  anchor: string
  /** Node's verdict with the CAs this process trusts (NODE_EXTRA_CA_CERTS included); undefined when it validates. */
  error?: string
}

/**
 * The certificate chain a TLS server presents, read without trusting it, through the proxy the CLI would use: to
 * name the root CA a TLS-inspecting proxy or a private authority signs with, which has to go to NODE_EXTRA_CA_CERTS.
 */
export async function presentedChain(target: URL, proxy: URL | undefined, timeoutMs: number): Promise<PresentedChain> {
  const host = target.hostname.replace(/^\[|\]$/g, '')
  const port = Number(target.port || 443)
  const socket = proxy ? await tunnel(proxy, host, port, timeoutMs) : undefined
  return new Promise((resolve, reject) => {
    const tls = connect({
      host,
      port,
      rejectUnauthorized: false,
      servername: isIP(host) ? undefined : host,
      socket,
      timeout: timeoutMs,
    })
    tls.once('timeout', () => tls.destroy(new Error('timed out')))
    tls.once('error', reject)
    tls.once('secureConnect', () => {
      const chain = walk(tls.getPeerCertificate(true))
      const error = tls.authorized ? undefined : String(tls.authorizationError ?? 'not trusted')
      tls.destroy()
      const last = chain.at(-1)
      const anchor = !last ? 'unknown' : last.subject === last.issuer ? last.subject : last.issuer
      resolve({anchor, error, subjects: chain.map((c) => c.subject)})
    })
  })
}

function walk(leaf: DetailedPeerCertificate): Array<{subject: string; issuer: string}> {
  const chain: Array<{subject: string; issuer: string}> = []
  const seen = new Set<string>()
  for (
    let cert: DetailedPeerCertificate | undefined = leaf;
    cert && cert.raw && !seen.has(cert.fingerprint256);
    cert = cert.issuerCertificate
  ) {
    seen.add(cert.fingerprint256)
    chain.push({issuer: distinguishedName(cert.issuer), subject: distinguishedName(cert.subject)})
  }
  return chain
}

function distinguishedName(name: Partial<Record<string, string | string[]>> | undefined): string {
  if (!name) return 'unknown'
  const parts = (['CN', 'O', 'OU'] as const).filter((k) => name[k]).map((k) => `${k}=${String(name[k])}`)
  return parts.join(', ') || 'unknown'
}

function tunnel(proxy: URL, host: string, port: number, timeoutMs: number): Promise<Socket> {
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`
  const auth = proxy.username
    ? {
        'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`,
      }
    : {}
  return new Promise((resolve, reject) => {
    const req = request({
      headers: {host: target, ...auth},
      host: proxy.hostname,
      method: 'CONNECT',
      path: target,
      port: Number(proxy.port || 80),
      timeout: timeoutMs,
    })
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) resolve(socket)
      else {
        socket.destroy()
        reject(new Error(`the proxy answered CONNECT with HTTP ${res.statusCode}`))
      }
    })
    req.once('timeout', () => req.destroy(new Error('timed out')))
    req.once('error', reject)
    req.end()
  })
}
