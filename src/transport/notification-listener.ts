/**
 * Where a DM client hears package #0: a UDP socket (the WAP push port 2948 by
 * default — a WSP Push PDU, or a bare package #0) and/or an HTTP endpoint
 * (`POST` with `application/vnd.syncml.notification`). The listener only
 * unframes and hands the package #0 bytes to its handler; verifying them is
 * the client's job.
 */
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeWapPush } from '../notification/wap-push.js';
import { DecodeError } from '../errors.js';

/** Where a notification came from. */
export interface NotificationOrigin {
  transport: 'udp' | 'http';
  address: string;
  port: number;
}

/** Receives package #0 bytes; errors it throws are reported, never crash the listener. */
export type NotificationHandler = (package0: Uint8Array, origin: NotificationOrigin) => void | Promise<void>;

/** A bootstrap message pushed to the device (WSP push over UDP, or HTTP POST to the bootstrap path). */
export interface PushedBootstrap {
  bytes: Uint8Array;
  contentType: string;
  /** SEC as sent: a WSP number (UDP) or a name/number (HTTP parameter). */
  sec?: number | string;
  mac?: string;
}

/** Receives bootstrap pushes; errors it throws are reported, never crash the listener. */
export type BootstrapHandler = (push: PushedBootstrap, origin: NotificationOrigin) => void | Promise<void>;

/** Options of a {@link NotificationListener}. */
export interface NotificationListenerOptions {
  /** UDP port (0 = any free port); omit for no UDP. */
  udpPort?: number;
  /** HTTP port (0 = any free port); omit for no HTTP. */
  httpPort?: number;
  /** Address to bind. Default 127.0.0.1. */
  host?: string;
  /** HTTP path. Default `/notify`. */
  httpPath?: string;
  /** Bootstrap pushes go here; without it they are rejected. */
  onBootstrap?: BootstrapHandler;
  /** HTTP path of bootstrap pushes. Default `/bootstrap`. */
  bootstrapPath?: string;
  /** Called with what could not be used (bad framing, wrong content type). */
  onReject?: (reason: string, origin: NotificationOrigin) => void;
}

const PACKAGE0_TYPE = 'application/vnd.syncml.notification';

/** Extract package #0 from a datagram: a WSP Push carrying it, or the bare bytes. */
export function unframeNotification(datagram: Uint8Array): Uint8Array {
  // A WSP Push has PDU type 0x06/0x07 in byte 1; a bare package #0 starts with 16 digest bytes, so test the push parse.
  if (datagram.length > 4 && (datagram[1] === 0x06 || datagram[1] === 0x07)) {
    try {
      const push = decodeWapPush(datagram);
      if (push.contentType === PACKAGE0_TYPE) return push.body;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  }
  return datagram;
}

/** Media types of bootstrap messages (DM profile, CP profile). */
const BOOTSTRAP_TYPES = new Set(['application/vnd.syncml.dm+wbxml', 'application/vnd.syncml.dm+xml', 'application/vnd.wap.connectivity-wbxml', 'text/vnd.wap.connectivity-xml']);

/** A WSP push carrying a bootstrap message, or undefined for anything else. */
export function bootstrapPush(datagram: Uint8Array): PushedBootstrap | undefined {
  if (datagram.length <= 4 || (datagram[1] !== 0x06 && datagram[1] !== 0x07)) return undefined;
  try {
    const push = decodeWapPush(datagram);
    if (!BOOTSTRAP_TYPES.has(push.contentType)) return undefined;
    return { bytes: push.body, contentType: push.contentType, ...(push.sec !== undefined ? { sec: push.sec } : {}), ...(push.mac !== undefined ? { mac: push.mac } : {}) };
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}

/** Listens for package #0 on UDP and/or HTTP. */
export class NotificationListener {
  private udp: dgram.Socket | undefined;
  private server: http.Server | undefined;

  constructor(private readonly handler: NotificationHandler, private readonly options: NotificationListenerOptions) {}

  /** Start listening; resolves with the bound ports. */
  async start(): Promise<{ udpPort?: number; httpPort?: number }> {
    const host = this.options.host ?? '127.0.0.1';
    const out: { udpPort?: number; httpPort?: number } = {};
    if (this.options.udpPort !== undefined) {
      const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      this.udp = sock;
      sock.on('message', (msg, rinfo) => {
        const origin: NotificationOrigin = { transport: 'udp', address: rinfo.address, port: rinfo.port };
        const bytes = new Uint8Array(msg);
        const push = bootstrapPush(bytes);
        if (push) { this.deliverBootstrap(push, origin); return; }
        this.deliver(unframeNotification(bytes), origin);
      });
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(this.options.udpPort, host, () => { sock.off('error', reject); resolve(); });
      });
      out.udpPort = (sock.address() as AddressInfo).port;
    }
    if (this.options.httpPort !== undefined) {
      const path = this.options.httpPath ?? '/notify';
      const server = http.createServer((req, res) => {
        const origin: NotificationOrigin = { transport: 'http', address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 };
        if (req.method === 'POST' && req.url === (this.options.bootstrapPath ?? '/bootstrap') && this.options.onBootstrap) {
          this.receiveBootstrap(req, res, origin);
          return;
        }
        if (req.method !== 'POST' || req.url !== path) { res.writeHead(404).end(); return; }
        const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        if (type !== PACKAGE0_TYPE) {
          this.options.onReject?.(`content type ${JSON.stringify(type)} is not ${PACKAGE0_TYPE}`, origin);
          res.writeHead(415).end();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (c: Buffer) => {
          size += c.length;
          if (size > 4096) { res.writeHead(413).end(); req.destroy(); return; }
          chunks.push(c);
        });
        req.on('end', () => {
          if (res.headersSent) return;
          this.deliver(new Uint8Array(Buffer.concat(chunks)), origin);
          res.writeHead(202).end();
        });
      });
      this.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.options.httpPort, host, () => { server.off('error', reject); resolve(); });
      });
      out.httpPort = (server.address() as AddressInfo).port;
    }
    return out;
  }

  /** HTTP bootstrap push: `Content-Type: <type>; SEC=<method>; MAC=<hex>`, body ≤ 64 KiB; 202 once taken (applying is the client's job). */
  private receiveBootstrap(req: http.IncomingMessage, res: http.ServerResponse, origin: NotificationOrigin): void {
    const [type, ...params] = String(req.headers['content-type'] ?? '').split(';').map((s) => s.trim());
    if (!BOOTSTRAP_TYPES.has(type.toLowerCase())) {
      this.options.onReject?.(`content type ${JSON.stringify(type)} is not a bootstrap type`, origin);
      res.writeHead(415).end();
      return;
    }
    const push: PushedBootstrap = { bytes: new Uint8Array(0), contentType: type.toLowerCase() };
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim().toUpperCase();
      const val = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (k === 'SEC') push.sec = val;
      else if (k === 'MAC') push.mac = val;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) { res.writeHead(413).end(); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      push.bytes = new Uint8Array(Buffer.concat(chunks));
      this.deliverBootstrap(push, origin);
      res.writeHead(202).end();
    });
  }

  private deliverBootstrap(push: PushedBootstrap, origin: NotificationOrigin): void {
    const handler = this.options.onBootstrap;
    if (!handler) { this.options.onReject?.(`bootstrap push (${push.contentType}) not accepted here`, origin); return; }
    Promise.resolve()
      .then(() => handler(push, origin))
      .catch((e: unknown) => this.options.onReject?.(e instanceof Error ? e.message : String(e), origin));
  }

  private deliver(bytes: Uint8Array, origin: NotificationOrigin): void {
    Promise.resolve()
      .then(() => this.handler(bytes, origin))
      .catch((e: unknown) => this.options.onReject?.(e instanceof Error ? e.message : String(e), origin));
  }

  /** Stop listening. */
  async stop(): Promise<void> {
    await Promise.all([
      this.udp ? new Promise<void>((r) => this.udp!.close(() => r())) : undefined,
      this.server ? new Promise<void>((r) => { this.server!.closeAllConnections(); this.server!.close(() => r()); }) : undefined,
    ]);
    this.udp = undefined;
    this.server = undefined;
  }
}
