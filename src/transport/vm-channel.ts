/**
 * The host↔VM channel: newline-delimited JSON over a Unix socket. The host
 * listens (one socket per VM, in the VM's directory); the guest connects. It
 * is the only link a network-isolated VM has to its host, and the link the
 * gateway (GwMO) work will carry DM traffic over.
 *
 * Every line is one JSON object with a string `type`, at most
 * {@link MAX_CHANNEL_MESSAGE} bytes; a peer that sends anything else is
 * disconnected. Messages defined so far ({@link GuestMessage}, {@link HostMessage})
 * are a closed set; unknown types are ignored by receivers (forward compatible).
 */
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';

/** Longest message line accepted. */
export const MAX_CHANNEL_MESSAGE = 64 * 1024;

/** Guest → host. */
export type GuestMessage =
  | { type: 'hello'; name: string; pid: number }
  /** The VM's DM client listens for notifications on this port (inside the VM). */
  | { type: 'client-listening'; httpPort: number }
  /** A session of the VM's DM client ended. */
  | { type: 'client-session'; state: string; reason?: string }
  | { type: 'error'; message: string }
  /** What the guest's DM client made of a package #0 the gateway delivered (`reason` when rejected). */
  | { type: 'notification-result'; accepted: boolean; reason?: string };

/** Host → guest. */
export type HostMessage =
  /** Start the DM client from this config file (relative to the VM directory). */
  | { type: 'install-client'; config: string }
  | { type: 'stop' }
  /** The gateway delivers a package #0 (base64) to the guest's DM client (GwMO transparent and proxy modes). */
  | { type: 'notification'; package0: string };

/** Any channel message. */
export interface ChannelMessage { type: string; [k: string]: unknown }

/** One open channel end: send messages, receive `message` and `close` events. */
export class VmChannel extends EventEmitter<{ message: [ChannelMessage]; close: [] }> {
  private buffer = '';

  constructor(private readonly socket: net.Socket) {
    super();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('close', () => this.emit('close'));
    socket.on('error', () => socket.destroy());
  }

  /** Send one message (dropped if the channel is closed). */
  send(message: GuestMessage | HostMessage): void {
    if (!this.socket.writable) return;
    this.socket.write(JSON.stringify(message) + '\n');
  }

  /** Close this end. */
  close(): void {
    this.socket.end();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      const msg = parseMessage(line);
      if (!msg) { this.socket.destroy(); return; }
      this.emit('message', msg);
    }
    if (Buffer.byteLength(this.buffer) > MAX_CHANNEL_MESSAGE) this.socket.destroy();
  }
}

/** Parse one line; undefined when it is not a channel message. */
export function parseMessage(line: string): ChannelMessage | undefined {
  if (Buffer.byteLength(line) > MAX_CHANNEL_MESSAGE) return undefined;
  try {
    const v = JSON.parse(line) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as { type?: unknown }).type !== 'string') return undefined;
    return v as ChannelMessage;
  } catch {
    return undefined;
  }
}

/**
 * Host side: listen on `path` (replacing a stale socket file); each guest
 * connection is handed to `onConnect`. Close with the returned function.
 */
export async function listenVmChannel(path: string, onConnect: (channel: VmChannel) => void): Promise<() => Promise<void>> {
  await rm(path, { force: true });
  const server = net.createServer((socket) => onConnect(new VmChannel(socket)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => { server.off('error', reject); resolve(); });
  });
  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(path, { force: true });
  };
}

/** Guest side: connect to the host's socket. */
export function connectVmChannel(path: string): Promise<VmChannel> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(path);
    socket.once('error', reject);
    socket.once('connect', () => { socket.off('error', reject); resolve(new VmChannel(socket)); });
  });
}
