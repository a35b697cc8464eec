/**
 * Runs a client scenario: a real `ClientSession` over a real standard tree
 * (DevInfo, DevDetail, DMAcc, Inbox, plus the scenario's nodes) against
 * scripted server messages read from test/fixtures/client-scenarios/*.json.
 *
 * A scenario file:
 * {
 *   "description": "…",
 *   "account": { "client": "none|basic|md5|hmac", "server": "none|basic|md5|hmac", "encoding": "xml|wbxml" },   (optional)
 *   "session": { "maxMsgSize": 65536, "maxObjSize": 1048576, "initiator": "client|server" },                 (optional)
 *   "nodes": [ { "uri": "./Vendor", "format": "node", "acl": "Add=dmsrv&…" }, { "uri": "./Vendor/X", "value": "v", "format": "chr" } ],
 *   "ui": [ { "kind": "yes" }, … ]                        (answers given to UI alerts, in order; default: unattended)
 *   "execAsync": ["./Vendor/Run"]                          (Exec handlers that accept (202) and report a Generic Alert)
 *   "execSync": ["./Vendor/Ping"]                          (Exec handlers that answer 200)
 *   "steps": [ {
 *       "header": 212,                                     (status the server gives our SyncHdr; default 212 on the first step, then 200)
 *       "chal": { "type": "syncml:auth-md5", "nonce": "base64" },   (Chal with that status, optional)
 *       "serverCred": "auto" | "none" | "wrong",          (default: auto — correct Cred/MAC for the account's server scheme)
 *       "commands": "<Get>…</Get>…",                        (SyncBody commands after the header Status; CmdIDs from 2)
 *       "final": true,                                     (default true)
 *       "maxMsgSize": 2000,                                (server announces this MaxMsgSize)
 *       "expect": {
 *         "send": true,                                    (false: the client must end the session instead)
 *         "final": true,
 *         "header": 212,                                   (status the client gives the server's SyncHdr)
 *         "statuses": { "2": 200, "3/./Vendor/X": 404 },   (by CmdRef, or CmdRef/TargetRef)
 *         "results": { "4": "value" },                     (data of Results by CmdRef — string, or {"bytes": n}, or {"tnds": true})
 *         "alerts": [1222, 1226],                          (alert codes the client sends, in order)
 *         "maxBytes": 2000,                                (the client message is at most this long)
 *         "chal": true                                     (the client's header Status carries a Chal)
 *       } } ],
 *   "end": "completed|aborted|failed",
 *   "after": { "./Vendor/X": "new value", "./Vendor/Gone": null },
 *   "unchanged": true                                      (the tree must be exactly as before: every change rolled back or refused)
 * }
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DmTree } from '../../src/tree/index.js';
import { createStandardTree } from '../../src/mo/index.js';
import { ClientSession, type OutboundMessage } from '../../src/session/client-session.js';
import type { AuthScheme, ClientAccount } from '../../src/session/client-account.js';
import type { UiResponse } from '../../src/session/command-executor.js';
import {
  decodeMessage, encodeMessage, encodeXml, type Command, type ResultsCommand, type StatusCommand, type SyncMLMessage,
} from '../../src/syncml/index.js';
import { decodeXml } from '../../src/syncml/index.js';
import { computeHmacMac, computeMd5Cred, decodeBase64, encodeBasicCred, encodeBase64 } from '../../src/security/index.js';

export interface Scenario {
  description: string;
  account?: { client?: AuthScheme; server?: AuthScheme; encoding?: 'xml' | 'wbxml' };
  session?: { maxMsgSize?: number; maxObjSize?: number; initiator?: 'client' | 'server' };
  nodes?: { uri: string; format?: string; value?: string; acl?: string; type?: string }[];
  ui?: UiResponse[];
  execAsync?: string[];
  execSync?: string[];
  steps: Step[];
  end: 'completed' | 'aborted' | 'failed';
  after?: Record<string, string | null>;
  unchanged?: boolean;
}

interface Step {
  header?: number;
  chal?: { type: string; nonce?: string };
  serverCred?: 'auto' | 'none' | 'wrong';
  commands?: string;
  final?: boolean;
  maxMsgSize?: number;
  expect?: {
    send?: boolean;
    final?: boolean;
    header?: number;
    statuses?: Record<string, number>;
    results?: Record<string, string | { bytes: number } | { tnds: boolean }>;
    alerts?: number[];
    maxBytes?: number;
    chal?: boolean;
  };
}

export const SERVER_ID = 'dmsrv';
const SERVER_URI = 'http://127.0.0.1:9/dm';
const DEV_ID = 'IMEI:357924080021735';
const CLIENT_NONCE = new TextEncoder().encode('client-nonce-16b');
const SERVER_NONCE: Uint8Array = new TextEncoder().encode("server-nonce-16b");

export function loadScenario(path: string): Scenario {
  return JSON.parse(readFileSync(path, 'utf8')) as Scenario;
}

/** Run a scenario; throws an assertion error naming the step on any mismatch. */
export function runScenario(s: Scenario): { tree: DmTree; sent: SyncMLMessage[] } {
  let t = 0;
  const tree = createStandardTree({
    now: () => Date.UTC(2026, 10, 25) + (t += 1000),
    devInfo: { devId: DEV_ID, man: 'Acme', mod: 'VM-1', dmV: '1.2', lang: 'en-US' },
    devDetail: { devTyp: 'vm', oem: 'Acme', fwV: '1.0', swV: '1.0', hwV: 'A', lrgObj: true },
  });
  for (const n of s.nodes ?? []) {
    tree.createNode(n.uri, { format: n.format ?? 'chr', ...(n.value !== undefined ? { value: n.value } : {}), ...(n.acl ? { acl: n.acl } : {}), ...(n.type ? { type: n.type } : {}) });
  }
  for (const uri of s.execAsync ?? []) {
    tree.setExecHandler(uri, (ctx) => {
      ctx.report({ type: 'Reversed-Domain-Name: org.dmvisor.test.Done', format: 'int', data: '1200' });
      return { status: 202 };
    });
  }
  for (const uri of s.execSync ?? []) tree.setExecHandler(uri, () => ({ status: 200 }));
  const before = JSON.stringify(tree.snapshot());

  const encoding = s.account?.encoding ?? 'xml';
  const clientScheme = s.account?.client ?? 'none';
  const serverScheme = s.account?.server ?? 'none';
  const account: ClientAccount = {
    serverId: SERVER_ID, serverUri: SERVER_URI, encoding,
    client: { scheme: clientScheme, name: 'dev', secret: 'dev-secret', nonce: CLIENT_NONCE },
    server: { scheme: serverScheme, name: SERVER_ID, secret: 'srv-secret', nonce: SERVER_NONCE },
  };
  const answers = [...(s.ui ?? [])];
  let serverNonce = SERVER_NONCE;
  const session = new ClientSession({
    tree, account, deviceId: DEV_ID,
    devInfo: [{ uri: './DevInfo/DevId', value: DEV_ID }, { uri: './DevInfo/Man', value: 'Acme' }],
    sessionId: '1A', initiator: s.session?.initiator ?? 'client',
    maxMsgSize: s.session?.maxMsgSize ?? 65536, maxObjSize: s.session?.maxObjSize ?? 1048576,
    pollGenericAlerts: () => tree.takeGenericAlerts().map((a) => ({ ...a })),
    ...(s.ui ? { ui: () => answers.shift() ?? { kind: 'cancel' } } : {}),
    random: (n) => new Uint8Array(n).fill(7),
  });
  const sent: SyncMLMessage[] = [];
  let out: OutboundMessage | null = session.start();
  sent.push(decodeMessage(out.bytes, encoding));
  assert.equal(sent[0].body.commands[0].kind, 'Alert');

  s.steps.forEach((step, i) => {
    const where = `${s.description}: step ${i + 1}`;
    assert.ok(out, `${where}: the client ended the session before this step`);
    for (let e = session.pollEvent(); e; e = session.pollEvent()) if (e.type === 'server-nonce') serverNonce = e.nonce;
    const last = sent[sent.length - 1];
    const header = step.header ?? (i === 0 ? 212 : 200);
    const chal = step.chal ? `<Chal><Meta><Type xmlns="syncml:metinf">${step.chal.type}</Type><Format xmlns="syncml:metinf">b64</Format>${step.chal.nonce ? `<NextNonce xmlns="syncml:metinf">${step.chal.nonce}</NextNonce>` : ''}</Meta></Chal>` : '';
    const cred = serverCredXml(serverScheme, step.serverCred ?? 'auto', serverNonce);
    const xml = `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1A</SessionID><MsgID>${i + 1}</MsgID>`
      + `<Target><LocURI>${DEV_ID}</LocURI></Target><Source><LocURI>${SERVER_URI}</LocURI>${serverScheme === 'md5' || serverScheme === 'hmac' ? `<LocName>${SERVER_ID}</LocName>` : ''}</Source>${cred}`
      + (step.maxMsgSize ? `<Meta><MaxMsgSize xmlns="syncml:metinf">${step.maxMsgSize}</MaxMsgSize></Meta>` : '')
      + `</SyncHdr><SyncBody><Status><CmdID>1</CmdID><MsgRef>${last.header.msgID}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><TargetRef>${SERVER_URI}</TargetRef><SourceRef>${DEV_ID}</SourceRef>${chal}<Data>${header}</Data></Status>`
      + (step.commands ?? '') + (step.final === false ? '' : '<Final/>') + '</SyncBody></SyncML>';
    const bytes = encodeMessage(decodeXml(xml), encoding);
    const hmacHeader = serverScheme === 'hmac' && (step.serverCred ?? 'auto') !== 'none'
      ? `algorithm=MD5, username="${SERVER_ID}", mac=${computeHmacMac({ username: SERVER_ID, password: step.serverCred === 'wrong' ? 'nope' : 'srv-secret' }, serverNonce, bytes)}`
      : undefined;
    out = session.receive(bytes, hmacHeader ? { hmacHeader } : {});
    const x = step.expect ?? {};
    if (x.send === false) { assert.equal(out, null, `${where}: expected the session to end`); return; }
    assert.ok(out, `${where}: the client ended the session (${JSON.stringify(session.result)})`);
    const msg = decodeMessage(out.bytes, encoding);
    sent.push(msg);
    checkMessage(where, msg, out, x);
  });
  if (out !== null) {
    // The script is over but the client still has something to say: the scenario must say how it ends.
    assert.fail(`${s.description}: the client sent another message after the last step:\n${encodeXml(sent[sent.length - 1], { indent: 2 })}`);
  }
  assert.equal(session.result?.state, s.end, `${s.description}: end state (${session.result?.reason ?? ''})`);
  if (s.unchanged) assert.equal(JSON.stringify(tree.snapshot()), before, `${s.description}: the tree changed`);
  for (const [uri, value] of Object.entries(s.after ?? {})) {
    if (value === null) assert.equal(tree.exists(uri), false, `${s.description}: ${uri} should not exist`);
    else {
      assert.ok(tree.exists(uri), `${s.description}: ${uri} should exist`);
      const v = tree.readValue(uri);
      assert.equal(typeof v === 'string' ? v : new TextDecoder().decode(v), value, `${s.description}: value of ${uri}`);
    }
  }
  return { tree, sent };
}

function serverCredXml(scheme: AuthScheme, mode: 'auto' | 'none' | 'wrong', nonce: Uint8Array): string {
  if (mode === 'none' || scheme === 'none' || scheme === 'hmac') return '';
  const secret = mode === 'wrong' ? 'nope' : 'srv-secret';
  if (scheme === 'basic') return `<Cred><Meta><Type xmlns="syncml:metinf">syncml:auth-basic</Type><Format xmlns="syncml:metinf">b64</Format></Meta><Data>${encodeBasicCred(SERVER_ID, secret)}</Data></Cred>`;
  return `<Cred><Meta><Type xmlns="syncml:metinf">syncml:auth-md5</Type><Format xmlns="syncml:metinf">b64</Format></Meta><Data>${computeMd5Cred({ username: SERVER_ID, password: secret }, nonce)}</Data></Cred>`;
}

function flat(commands: Command[]): Command[] {
  return commands.flatMap((c) => (c.kind === 'Atomic' || c.kind === 'Sequence' ? [c, ...flat(c.commands)] : [c]));
}

function checkMessage(where: string, msg: SyncMLMessage, out: OutboundMessage, x: NonNullable<Step['expect']>): void {
  const dump = () => encodeXml(msg, { indent: 2 });
  const commands = flat(msg.body.commands);
  const statuses = commands.filter((c): c is StatusCommand => c.kind === 'Status');
  const headerStatus = statuses.find((c) => c.cmdRef === '0');
  assert.ok(headerStatus, `${where}: no Status for the server's SyncHdr\n${dump()}`);
  if (x.header !== undefined) assert.equal(headerStatus.data, x.header, `${where}: header status\n${dump()}`);
  if (x.chal !== undefined) assert.equal(headerStatus.chal !== undefined, x.chal, `${where}: Chal on the header status\n${dump()}`);
  if (x.final !== undefined) assert.equal(msg.body.final, x.final, `${where}: Final\n${dump()}`);
  if (x.maxBytes !== undefined) assert.ok(out.bytes.length <= x.maxBytes, `${where}: message of ${out.bytes.length} bytes exceeds ${x.maxBytes}`);
  for (const [key, code] of Object.entries(x.statuses ?? {})) {
    const [cmdRef, ...rest] = key.split('/');
    const target = rest.join('/');
    const s = statuses.find((c) => c.cmdRef === cmdRef && (target === '' || c.targetRefs.includes(target)));
    assert.ok(s, `${where}: no Status for ${key}\n${dump()}`);
    assert.equal(s.data, code, `${where}: Status for ${key}\n${dump()}`);
  }
  for (const [cmdRef, want] of Object.entries(x.results ?? {})) {
    const r = commands.find((c): c is ResultsCommand => c.kind === 'Results' && c.cmdRef === cmdRef);
    assert.ok(r, `${where}: no Results for ${cmdRef}\n${dump()}`);
    const d = r.items[0]?.data;
    if (typeof want === 'string') assert.equal(d, want, `${where}: Results for ${cmdRef}`);
    else if ('bytes' in want) assert.equal(d instanceof Uint8Array ? d.length : typeof d === 'string' ? decodeBase64(d).length : -1, want.bytes, `${where}: Results bytes for ${cmdRef}`);
    else assert.equal(typeof d === 'object' && !(d instanceof Uint8Array) && d?.kind === 'tnds', true, `${where}: TNDS Results for ${cmdRef}`);
  }
  if (x.alerts) {
    const alerts = msg.body.commands.filter((c) => c.kind === 'Alert').map((c) => (c as { data: number }).data);
    assert.deepEqual(alerts, x.alerts, `${where}: alerts sent\n${dump()}`);
  }
}

export { encodeBase64 };
