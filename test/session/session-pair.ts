/**
 * `SessionPair`: our ClientSession (over a real standard tree) against our
 * ServerSession, joined in memory — full DM sessions with no sockets.
 */
import { createStandardTree } from '../../src/mo/index.js';
import type { DmTree } from '../../src/tree/index.js';
import { ClientSession, type ClientSessionResult } from '../../src/session/client-session.js';
import type { AuthScheme, ClientAccount } from '../../src/session/client-account.js';
import { ServerSession, type DeviceCredentials, type PendingOperation, type ServerSessionEvent, type ServerSessionResult, type ServerSessionSnapshot } from '../../src/session/server-session.js';
import { decodeMessage, type SyncMLMessage } from '../../src/syncml/index.js';

export const DEV_ID = 'IMEI:357924080021735';
export const SERVER_URI = 'http://127.0.0.1:8080/dm';
export const SERVER_ID = 'dmvisor';

export function deviceTree(): DmTree {
  return createStandardTree({
    devInfo: { devId: DEV_ID, man: 'Acme', mod: 'Enterprise VM', dmV: '1.2', lang: 'en-US' },
    devDetail: { devTyp: 'vm', oem: 'Acme', fwV: '2.1', swV: '2.1', hwV: 'A', lrgObj: true },
  });
}

export interface PairOptions {
  tree?: DmTree;
  clientScheme?: Exclude<AuthScheme, 'none'>;
  serverScheme?: AuthScheme;
  encoding?: 'xml' | 'wbxml';
  operations?: PendingOperation[];
  /** What the server has on file (default: the same credentials the client uses). */
  device?: DeviceCredentials | undefined;
  clientMaxMsgSize?: number;
  serverMaxMsgSize?: number;
  clientNonce?: Uint8Array;
  serverNonce?: Uint8Array;
  initiator?: 'client' | 'server';
  /** Between messages, replace the server engine by one restored from its snapshot (a session moving between nodes). */
  moveServer?: (snapshot: ServerSessionSnapshot) => ServerSessionSnapshot;
}

export interface PairRun {
  client: ClientSessionResult;
  server: ServerSessionResult | null;
  serverEvents: ServerSessionEvent[];
  messages: { from: 'client' | 'server'; message: SyncMLMessage; bytes: number }[];
  tree: DmTree;
}

/** Run one full session; throws if it does not end within 50 exchanges. */
export function runPair(o: PairOptions = {}): PairRun {
  const tree = o.tree ?? deviceTree();
  const encoding = o.encoding ?? 'xml';
  const clientNonce = o.clientNonce ?? new TextEncoder().encode('nonce-for-client');
  const serverNonce = o.serverNonce ?? new TextEncoder().encode('nonce-for-server');
  const clientScheme = o.clientScheme ?? 'md5';
  const serverScheme = o.serverScheme ?? 'none';
  const account: ClientAccount = {
    serverId: SERVER_ID, serverUri: SERVER_URI, encoding,
    client: { scheme: clientScheme, name: 'vm-enterprise', secret: 'client-secret', nonce: clientNonce },
    server: { scheme: serverScheme, name: SERVER_ID, secret: 'server-secret', nonce: serverNonce },
  };
  const device: DeviceCredentials | undefined = 'device' in o ? o.device : {
    devId: DEV_ID,
    client: { scheme: clientScheme, name: 'vm-enterprise', secret: 'client-secret', nonce: clientNonce },
    server: { scheme: serverScheme, name: SERVER_ID, secret: 'server-secret', nonce: serverNonce },
  };
  let seed = 1;
  const client = new ClientSession({
    tree, account, deviceId: DEV_ID, sessionId: '2F', initiator: o.initiator ?? 'client',
    devInfo: [{ uri: './DevInfo/DevId', value: DEV_ID }, { uri: './DevInfo/Man', value: 'Acme' }, { uri: './DevInfo/Mod', value: 'Enterprise VM' }],
    maxMsgSize: o.clientMaxMsgSize ?? 65536,
    pollGenericAlerts: () => tree.takeGenericAlerts().map((a) => ({ ...a })),
    random: (n) => new Uint8Array(n).fill(seed++),
  });
  const serverOptions = {
    serverUri: SERVER_URI, serverId: SERVER_ID, device,
    maxMsgSize: o.serverMaxMsgSize ?? 65536, random: (n: number) => new Uint8Array(n).fill(100 + seed++),
  };
  let server = new ServerSession({ ...serverOptions, operations: o.operations ?? [] });
  const messages: PairRun['messages'] = [];
  const serverEvents: ServerSessionEvent[] = [];
  let out = client.start();
  for (let i = 0; i < 50; i++) {
    const msg = decodeMessage(out.bytes, encoding);
    messages.push({ from: 'client', message: msg, bytes: out.bytes.length });
    const answer = server.receive(msg, out.bytes, { encoding, ...(out.hmacHeader ? { hmacHeader: out.hmacHeader } : {}) });
    for (let e = server.pollEvent(); e; e = server.pollEvent()) serverEvents.push(e);
    if (o.moveServer) server = ServerSession.fromSnapshot(serverOptions, o.moveServer(server.snapshot()));
    messages.push({ from: 'server', message: answer.message, bytes: answer.bytes.length });
    const next = client.receive(answer.bytes, { encoding, ...(answer.hmacHeader ? { hmacHeader: answer.hmacHeader } : {}) });
    if (next === null) return { client: client.result!, server: server.result, serverEvents, messages, tree };
    if (server.done) throw new Error(`the server ended the session but the client sent message ${next.message.header.msgID}`);
    out = next;
  }
  throw new Error('the session did not end within 50 exchanges');
}
