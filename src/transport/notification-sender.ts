/**
 * Sends package #0 to a device: over UDP (framed as a WSP Push to the
 * syncml.dm application, as WAP push over SMS would carry it) or over HTTP
 * (`POST` with `application/vnd.syncml.notification`).
 *
 * A notification address is a URL: `udp://host:port` (port 2948 when
 * omitted) or `http(s)://host:port/path`.
 */
import dgram from 'node:dgram';
import { encodeWapPush, PushApplicationId } from '../notification/wap-push.js';
import { TransportError } from './transport-error.js';

/** Default UDP port for WAP push (WDP port 2948). */
export const WAP_PUSH_PORT = 2948;

/** Deliver one package #0 to `address`. Resolves when sent (UDP) or accepted (HTTP 2xx). */
export async function sendNotification(address: string, package0: Uint8Array, options: { timeoutMs?: number; tid?: number } = {}): Promise<void> {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new TransportError('network', `notification address ${JSON.stringify(address)} is not a URL (udp://host:port or http://…)`);
  }
  if (url.protocol === 'udp:') {
    const port = url.port ? Number(url.port) : WAP_PUSH_PORT;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const push = encodeWapPush({
      tid: options.tid ?? 1, pduType: 0x06, contentType: 'application/vnd.syncml.notification',
      applicationId: PushApplicationId.SYNCML_DM, body: package0,
    });
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    try {
      await new Promise<void>((resolve, reject) => sock.send(push, port, host, (err) => (err ? reject(new TransportError('network', err.message)) : resolve())));
    } finally {
      sock.close();
    }
    return;
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 10_000);
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.notification' }, body: package0, signal: controller.signal });
      if (res.status < 200 || res.status >= 300) throw new TransportError('http-status', `notification refused with HTTP ${res.status}`, res.status);
    } catch (e) {
      if (e instanceof TransportError) throw e;
      throw new TransportError(controller.signal.aborted ? 'timeout' : 'network', `notification to ${url.host} failed: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    return;
  }
  throw new TransportError('network', `unsupported notification address scheme ${url.protocol} (udp: or http(s):)`);
}
