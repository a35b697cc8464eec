/**
 * Runs a client scenario: a real `ClientSession` over a real standard tree
 * (DevInfo, DevDetail, DMAcc, Inbox, plus the scenario's nodes) against
 * scripted server messages read from test/fixtures/client-scenarios/*.json.
 *
 * A scenario file:
 * {
 *   "description": "…",                                   (one line: what the scenario shows)
 *   "account": { "client": "none|basic|md5|hmac", "server": "none|basic|md5|hmac", "encoding": "xml|wbxml" },   (optional)
 *   "session": { "maxMsgSize": 65536, "maxObjSize": 1048576, "initiator": "client|server", "maxAuthAttempts": 3 },  (optional)
 *   "nodes": [ { "uri": "./Vendor", "format": "node", "acl": "Add=dmsrv&…" },
 *              { "uri": "./Vendor/X", "value": "v", "format": "chr", "type": "text/plain", "title": "T", "permanent": true },
 *              { "uri": "./Vendor/Big", "fill": 3000 },           (a value of that many characters, "0123456789" repeated; bytes if format bin)
 *              { "uri": "./Vendor/Blob", "format": "bin", "base64": "AAEC" } ],   (binary value, given as base64)
 *   "ui": [ { "kind": "yes" }, … ]                        (answers given to UI alerts, in order; absent: unattended, DR defaults)
 *   "execAsync": ["./Vendor/Run"]                          (Exec handlers that accept (202) and report a Generic Alert at once:
 *                                                           Type "Reversed-Domain-Name: org.dmvisor.test.Done", Format int, Data 1200)
 *   "execSync": ["./Vendor/Ping"]                          (Exec handlers that answer 200)
 *   "genericAlerts": [ { "type": "…", "format": "chr", "data": "…", "sourceUri": "./X" } ],   (queued for package 1)
 *   "package1": { "alerts": [1201], "cred": "none|basic|md5", "hmac": true },   (checks on the client's first message: any of
 *                                                           alerts, alertDetails, cred, hmac, final, maxBytes, url as in "expect")
 *   "steps": [ {
 *       "header": 212,                                     (status the server gives our SyncHdr; default 212 on the first step, then 200)
 *       "chal": { "type": "syncml:auth-md5", "nonce": "base64" },   (Chal with that status, optional)
 *       "serverCred": "auto" | "none" | "wrong",          (default: auto — correct Cred/MAC for the account's server scheme)
 *       "commands": "<Get>…</Get>…",                        (SyncBody commands after the header Status; CmdIDs from 2)
 *       "final": true,                                     (default true)
 *       "maxMsgSize": 2000,                                (server announces this MaxMsgSize)
 *       "maxObjSize": 100,                                 (server announces this MaxObjSize)
 *       "respURI": "http://…",                             (server's RespURI)
 *       "sessionID": "FF",                                 (SessionID the server writes; default the session's, 1A)
 *       "raw": "…",                                        (send these bytes (UTF-8) instead of the message built from the fields above)
 *       "expect": {
 *         "send": true,                                    (false: the client must end the session instead)
 *         "final": true,
 *         "header": 212,                                   (status the client gives the server's SyncHdr)
 *         "chal": true,                                    (the client's header Status carries a Chal)
 *         "cred": "none|basic|md5",                        (what the client's SyncHdr carries; a Cred present is always verified)
 *         "hmac": true,                                    (the message carries an x-syncml-hmac header; present ones are always verified)
 *         "url": "http://…",                               (where the message goes)
 *         "statuses": { "2": 200, "3/./Vendor/X": 404, "3#2": 200 },   (by CmdRef, CmdRef/TargetRef, or MsgRef#CmdRef)
 *         "statusItems": { "2": ["CNN"] },                 (Item Data of a Status, e.g. the answer to a UI alert)
 *         "results": { "4": "value" },                     (Results by CmdRef: see ResultSpec below)
 *         "noResults": ["5"],                              (no Results for these CmdRefs)
 *         "alerts": [1222, 1226],                          (alert codes the client sends, in order)
 *         "alertDetails": [ { "code": 1226, "correlator": "c1", "source": "./Vendor/Run", "type": "…", "data": "1200" },
 *                           { "code": 1225, "target": "./Vendor/Big" } ],   (the n-th alert of each code, field by field)
 *         "maxBytes": 2000                                 (the client message is at most this long)
 *       } } ],
 *   "end": "completed|aborted|failed",
 *   "undelivered": 0,                                      (Generic Alerts left undelivered at the end)
 *   "after": { "./Vendor/X": "new value", "./Vendor/Gone": null,
 *              "./Vendor/Sub": { "format": "node", "acl": "…", "title": "…", "type": "…", "length": 3000, "value": "…" } },
 *                                                          (a string: a leaf's value; "length": that many filler characters)
 *   "unchanged": true                                      (the tree must be exactly as before: every change rolled back or refused)
 * }
 *
 * ResultSpec: a string (the Data of the first item), or an object with any of
 *   "data", "format", "type" (first item), "bytes" (decoded binary length),
 *   "tnds": true (an embedded TNDS document), "sources": [...] (Source of every
 *   item of every Results for that CmdRef in the message, in order), "values":
 *   [...] (their Data as text, null when absent), "moreData": bool and "size":
 *   n|null (the chunk's MoreData / Meta Size), "length" (characters of this
 *   chunk's Data), "assembled" (the whole value once the last chunk of a large
 *   object arrived: a string, {"length": n} for n filler characters, or
 *   {"base64Of": n} for the base64 text of n filler bytes).
 *
 * Checked on every client message, always: the SessionID, MsgIDs counting up
 * from 1, unique CmdIDs, a Status for the server's SyncHdr, Results only after
 * the Status of their Get, the size within the MaxMsgSize the server announced
 * last (default 65536), and any Cred or x-syncml-hmac header verifying with the
 * nonce the server gave last.
 *
 * Writing a scenario: `SCENARIO_DUMP=1 npx tsx --test test/session/client-scenarios.test.ts`
 * prints every message the client sends.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DmTree } from '../../src/tree/index.js';
import { createStandardTree } from '../../src/mo/index.js';
import { ClientSession, type OutboundMessage } from '../../src/session/client-session.js';
import type { AuthScheme, ClientAccount } from '../../src/session/client-account.js';
import type { UiResponse } from '../../src/session/command-executor.js';
import {
  decodeMessage, encodeMessage, encodeXml, type AlertCommand, type Command, type Item, type ResultsCommand, type StatusCommand, type SyncMLMessage,
} from '../../src/syncml/index.js';
import { decodeXml } from '../../src/syncml/index.js';
import {
  AUTH_BASIC, AUTH_MD5, computeHmacMac, computeMd5Cred, decodeBase64, decodeBasicCred, encodeBasicCred, encodeBase64, parseHmacHeader, verifyHmacMac, verifyMd5Cred,
} from '../../src/security/index.js';

type ValueSpec = string | { length: number } | { base64Of: number };

interface ResultObject {
  data?: string;
  format?: string;
  type?: string;
  bytes?: number;
  tnds?: boolean;
  sources?: string[];
  values?: (string | null)[];
  moreData?: boolean;
  size?: number | null;
  length?: number;
  assembled?: ValueSpec;
}

type ResultSpec = string | ResultObject;

interface AlertDetail {
  code: number;
  correlator?: string;
  source?: string;
  target?: string;
  type?: string;
  format?: string;
  data?: string;
}

interface MessageExpect {
  cred?: 'none' | 'basic' | 'md5';
  hmac?: boolean;
  url?: string;
  alerts?: number[];
  alertDetails?: AlertDetail[];
  maxBytes?: number;
  final?: boolean;
}

interface StepExpect extends MessageExpect {
  send?: boolean;
  header?: number;
  chal?: boolean;
  statuses?: Record<string, number>;
  statusItems?: Record<string, string[]>;
  results?: Record<string, ResultSpec>;
  noResults?: string[];
}

interface AfterObject {
  value?: string;
  length?: number;
  format?: string;
  type?: string;
  acl?: string;
  title?: string;
}

export interface Scenario {
  description: string;
  account?: { client?: AuthScheme; server?: AuthScheme; encoding?: 'xml' | 'wbxml' };
  session?: { maxMsgSize?: number; maxObjSize?: number; initiator?: 'client' | 'server'; maxAuthAttempts?: number };
  nodes?: { uri: string; format?: string; value?: string; fill?: number; base64?: string; acl?: string; type?: string; title?: string; permanent?: boolean }[];
  ui?: UiResponse[];
  execAsync?: string[];
  execSync?: string[];
  genericAlerts?: { type: string; format: string; data: string; sourceUri?: string; mark?: string; correlator?: string }[];
  package1?: MessageExpect;
  steps: Step[];
  end: 'completed' | 'aborted' | 'failed';
  undelivered?: number;
  after?: Record<string, string | null | AfterObject>;
  unchanged?: boolean;
}

interface Step {
  header?: number;
  chal?: { type: string; nonce?: string };
  serverCred?: 'auto' | 'none' | 'wrong';
  commands?: string;
  final?: boolean;
  maxMsgSize?: number;
  maxObjSize?: number;
  respURI?: string;
  sessionID?: string;
  raw?: string;
  expect?: StepExpect;
}

export const SERVER_ID = 'dmsrv';
const SERVER_URI = 'http://127.0.0.1:9/dm';
const DEV_ID = 'IMEI:357924080021735';
const CLIENT_NONCE = new TextEncoder().encode('client-nonce-16b');
const SERVER_NONCE: Uint8Array = new TextEncoder().encode('server-nonce-16b');
const CLIENT_SECRET = { username: 'dev', password: 'dev-secret' };

export function loadScenario(path: string): Scenario {
  return JSON.parse(readFileSync(path, 'utf8')) as Scenario;
}

/** Deterministic filler text of `n` characters. */
export function fillValue(n: number): string {
  return '0123456789'.repeat(Math.ceil(n / 10)).slice(0, n);
}

/** What the runner knows while checking client messages. */
interface Checker {
  encoding: 'xml' | 'wbxml';
  /** Nonce the server gave the client last (for its md5 Cred / HMAC). */
  clientNonce: Uint8Array;
  /** MaxMsgSize the server announced last. */
  serverMaxMsgSize: number;
  /** Every client message so far. */
  sent: SyncMLMessage[];
  /** Chunks of large objects under way, by CmdRef. */
  chunks: Map<string, (string | Uint8Array)[]>;
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
    const filled = n.fill === undefined ? undefined : n.format === 'bin' ? new TextEncoder().encode(fillValue(n.fill)) : fillValue(n.fill);
    const value = n.base64 !== undefined ? decodeBase64(n.base64) : filled ?? n.value;
    tree.createNode(n.uri, {
      format: n.format ?? 'chr', ...(value !== undefined ? { value } : {}), ...(n.acl ? { acl: n.acl } : {}),
      ...(n.type ? { type: n.type } : {}), ...(n.title ? { title: n.title } : {}), ...(n.permanent ? { permanent: true } : {}),
    });
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
    client: { scheme: clientScheme, name: CLIENT_SECRET.username, secret: CLIENT_SECRET.password, nonce: CLIENT_NONCE },
    server: { scheme: serverScheme, name: SERVER_ID, secret: 'srv-secret', nonce: SERVER_NONCE },
  };
  const answers = [...(s.ui ?? [])];
  let serverNonce = SERVER_NONCE;
  const session = new ClientSession({
    tree, account, deviceId: DEV_ID,
    devInfo: [{ uri: './DevInfo/DevId', value: DEV_ID }, { uri: './DevInfo/Man', value: 'Acme' }],
    sessionId: '1A', initiator: s.session?.initiator ?? 'client',
    maxMsgSize: s.session?.maxMsgSize ?? 65536, maxObjSize: s.session?.maxObjSize ?? 1048576,
    ...(s.session?.maxAuthAttempts !== undefined ? { maxAuthAttempts: s.session.maxAuthAttempts } : {}),
    ...(s.genericAlerts ? { genericAlerts: s.genericAlerts.map((a) => ({ ...a })) } : {}),
    pollGenericAlerts: () => tree.takeGenericAlerts().map((a) => ({ ...a })),
    ...(s.ui ? { ui: () => answers.shift() ?? { kind: 'cancel' } } : {}),
    random: (n) => new Uint8Array(n).fill(7),
  });
  const ck: Checker = { encoding, clientNonce: CLIENT_NONCE, serverMaxMsgSize: 65536, sent: [], chunks: new Map() };
  let out: OutboundMessage | null = session.start();
  {
    const where = `${s.description}: package 1`;
    const msg = decodeMessage(out.bytes, encoding);
    checkEveryMessage(where, msg, out, ck, false);
    ck.sent.push(msg);
    const first = msg.body.commands[0];
    assert.ok(first.kind === 'Alert' && (first.data === 1200 || first.data === 1201), `${where}: the first command is not Alert 1200/1201`);
    checkMessage(where, msg, out, ck, s.package1 ?? {});
  }

  s.steps.forEach((step, i) => {
    const where = `${s.description}: step ${i + 1}`;
    assert.ok(out, `${where}: the client ended the session before this step`);
    for (let e = session.pollEvent(); e; e = session.pollEvent()) if (e.type === 'server-nonce') serverNonce = e.nonce;
    const last = ck.sent[ck.sent.length - 1];
    const header = step.header ?? (i === 0 ? 212 : 200);
    const chal = step.chal ? `<Chal><Meta><Type xmlns="syncml:metinf">${step.chal.type}</Type><Format xmlns="syncml:metinf">b64</Format>${step.chal.nonce ? `<NextNonce xmlns="syncml:metinf">${step.chal.nonce}</NextNonce>` : ''}</Meta></Chal>` : '';
    const cred = serverCredXml(serverScheme, step.serverCred ?? 'auto', serverNonce);
    const meta = (step.maxMsgSize ? `<MaxMsgSize xmlns="syncml:metinf">${step.maxMsgSize}</MaxMsgSize>` : '')
      + (step.maxObjSize ? `<MaxObjSize xmlns="syncml:metinf">${step.maxObjSize}</MaxObjSize>` : '');
    const xml = `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>${step.sessionID ?? '1A'}</SessionID><MsgID>${i + 1}</MsgID>`
      + `<Target><LocURI>${DEV_ID}</LocURI></Target><Source><LocURI>${SERVER_URI}</LocURI>${serverScheme === 'md5' || serverScheme === 'hmac' ? `<LocName>${SERVER_ID}</LocName>` : ''}</Source>`
      + (step.respURI ? `<RespURI>${step.respURI}</RespURI>` : '') + cred
      + (meta ? `<Meta>${meta}</Meta>` : '')
      + `</SyncHdr><SyncBody><Status><CmdID>1</CmdID><MsgRef>${last.header.msgID}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><TargetRef>${SERVER_URI}</TargetRef><SourceRef>${DEV_ID}</SourceRef>${chal}<Data>${header}</Data></Status>`
      + (step.commands ?? '') + (step.final === false ? '' : '<Final/>') + '</SyncBody></SyncML>';
    const bytes = step.raw !== undefined ? new TextEncoder().encode(step.raw) : encodeMessage(decodeXml(xml), encoding);
    const hmacHeader = serverScheme === 'hmac' && (step.serverCred ?? 'auto') !== 'none'
      ? `algorithm=MD5, username="${SERVER_ID}", mac=${computeHmacMac({ username: SERVER_ID, password: step.serverCred === 'wrong' ? 'nope' : 'srv-secret' }, serverNonce, bytes)}`
      : undefined;
    if (step.chal?.nonce) ck.clientNonce = decodeBase64(step.chal.nonce);
    if (step.maxMsgSize) ck.serverMaxMsgSize = step.maxMsgSize;
    out = session.receive(bytes, hmacHeader ? { hmacHeader } : {});
    const x = step.expect ?? {};
    if (x.send === false) { assert.equal(out, null, `${where}: expected the session to end`); return; }
    assert.ok(out, `${where}: the client ended the session (${JSON.stringify(session.result)})`);
    const msg = decodeMessage(out.bytes, encoding);
    checkEveryMessage(where, msg, out, ck, true);
    ck.sent.push(msg);
    checkStep(where, msg, out, ck, x);
  });
  if (out !== null) {
    // The script is over but the client still has something to say: the scenario must say how it ends.
    assert.fail(`${s.description}: the client sent another message after the last step:\n${encodeXml(ck.sent[ck.sent.length - 1], { indent: 2 })}`);
  }
  assert.equal(session.result?.state, s.end, `${s.description}: end state (${session.result?.reason ?? ''})`);
  if (s.undelivered !== undefined) {
    assert.equal(session.result?.undeliveredAlerts.length, s.undelivered, `${s.description}: undelivered Generic Alerts ${JSON.stringify(session.result?.undeliveredAlerts)}`);
  }
  if (s.unchanged) assert.equal(JSON.stringify(tree.snapshot()), before, `${s.description}: the tree changed`);
  for (const [uri, want] of Object.entries(s.after ?? {})) checkNode(`${s.description}: ${uri}`, tree, uri, want);
  return { tree, sent: ck.sent };
}

function checkNode(where: string, tree: DmTree, uri: string, want: string | null | AfterObject): void {
  if (want === null) { assert.equal(tree.exists(uri), false, `${where} should not exist`); return; }
  assert.ok(tree.exists(uri), `${where} should exist`);
  const info = tree.info(uri);
  const value = (): string => {
    const v = tree.readValue(uri);
    return v === undefined ? '' : typeof v === 'string' ? v : new TextDecoder().decode(v);
  };
  if (typeof want === 'string') { assert.equal(info.interior, false, `${where} is interior`); assert.equal(value(), want, `${where}: value`); return; }
  if (want.format !== undefined) assert.equal(info.format, want.format, `${where}: Format`);
  if (want.type !== undefined) assert.equal(info.type, want.type, `${where}: Type`);
  if (want.acl !== undefined) assert.equal(info.acl, want.acl, `${where}: ACL`);
  if (want.title !== undefined) assert.equal(info.title, want.title, `${where}: Title`);
  if (want.value !== undefined) assert.equal(value(), want.value, `${where}: value`);
  if (want.length !== undefined) {
    const v = tree.readValue(uri);
    assert.equal(typeof v === 'string' ? v.length : v?.length, want.length, `${where}: value length`);
    if (typeof v === 'string') assert.equal(v, fillValue(want.length), `${where}: value content`);
  }
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

/** Invariants of every client message. */
function checkEveryMessage(where: string, msg: SyncMLMessage, out: OutboundMessage, ck: Checker, replying: boolean): void {
  const dump = () => encodeXml(msg, { indent: 2 });
  // Writing a scenario: SCENARIO_DUMP=1 prints every client message.
  if (process.env.SCENARIO_DUMP) console.log(`--- ${where}: ${out.bytes.length} bytes${out.hmacHeader ? `, x-syncml-hmac: ${out.hmacHeader}` : ''}\n${dump()}`);
  assert.equal(msg.header.sessionID, '1A', `${where}: SessionID`);
  assert.equal(msg.header.msgID, String(ck.sent.length + 1), `${where}: MsgID`);
  assert.ok(out.bytes.length <= ck.serverMaxMsgSize, `${where}: message of ${out.bytes.length} bytes exceeds the server's MaxMsgSize ${ck.serverMaxMsgSize}`);
  const ids = msg.body.commands.map((c) => c.cmdID);
  assert.equal(new Set(ids).size, ids.length, `${where}: CmdIDs not unique\n${dump()}`);
  if (replying) assert.ok(msg.body.commands.some((c) => c.kind === 'Status' && c.cmdRef === '0'), `${where}: no Status for the server's SyncHdr\n${dump()}`);
  // Results come after the Status of their Get (in this message or an earlier one).
  msg.body.commands.forEach((c, i) => {
    if (c.kind !== 'Results') return;
    const here = msg.body.commands.slice(0, i).some((p) => p.kind === 'Status' && p.cmdRef === c.cmdRef && p.msgRef === c.msgRef && p.cmd === 'Get');
    const earlier = ck.sent.some((m) => m.body.commands.some((p) => p.kind === 'Status' && p.cmdRef === c.cmdRef && p.msgRef === c.msgRef && p.cmd === 'Get'));
    assert.ok(here || earlier, `${where}: Results for ${c.cmdRef} before the Status of its Get\n${dump()}`);
  });
  // Credentials the client presents must verify.
  const cred = msg.header.cred;
  if (cred) {
    const type = cred.meta?.type;
    if (type === AUTH_BASIC) {
      const b = decodeBasicCred(cred.data);
      assert.deepEqual([b.username, b.password], [CLIENT_SECRET.username, CLIENT_SECRET.password], `${where}: basic Cred`);
    } else if (type === AUTH_MD5) {
      assert.ok(verifyMd5Cred(cred.data, CLIENT_SECRET, ck.clientNonce), `${where}: md5 Cred does not verify with nonce ${encodeBase64(ck.clientNonce)}`);
      assert.equal(msg.header.source.locName, CLIENT_SECRET.username, `${where}: LocName with md5`);
    } else assert.fail(`${where}: unexpected Cred type ${type}`);
  }
  if (out.hmacHeader !== undefined) {
    const h = parseHmacHeader(out.hmacHeader);
    assert.equal(h.username, CLIENT_SECRET.username, `${where}: HMAC username`);
    assert.equal(msg.header.source.locName, CLIENT_SECRET.username, `${where}: LocName with HMAC`);
    assert.ok(verifyHmacMac(h.mac, CLIENT_SECRET, ck.clientNonce, out.bytes), `${where}: x-syncml-hmac does not verify with nonce ${encodeBase64(ck.clientNonce)}`);
  }
}

function checkMessage(where: string, msg: SyncMLMessage, out: OutboundMessage, _ck: Checker, x: MessageExpect): void {
  const dump = () => encodeXml(msg, { indent: 2 });
  if (x.final !== undefined) assert.equal(msg.body.final, x.final, `${where}: Final\n${dump()}`);
  if (x.maxBytes !== undefined) assert.ok(out.bytes.length <= x.maxBytes, `${where}: message of ${out.bytes.length} bytes exceeds ${x.maxBytes}`);
  if (x.url !== undefined) assert.equal(out.url, x.url, `${where}: URL`);
  if (x.cred !== undefined) {
    const type = msg.header.cred?.meta?.type;
    const got = type === undefined ? 'none' : type === AUTH_BASIC ? 'basic' : type === AUTH_MD5 ? 'md5' : type;
    assert.equal(got, x.cred, `${where}: Cred in the SyncHdr`);
  }
  if (x.hmac !== undefined) assert.equal(out.hmacHeader !== undefined, x.hmac, `${where}: x-syncml-hmac header`);
  const alerts = msg.body.commands.filter((c): c is AlertCommand => c.kind === 'Alert');
  if (x.alerts) assert.deepEqual(alerts.map((a) => a.data), x.alerts, `${where}: alerts sent\n${dump()}`);
  const seen = new Map<number, number>();
  for (const d of x.alertDetails ?? []) {
    const n = seen.get(d.code) ?? 0;
    seen.set(d.code, n + 1);
    const a = alerts.filter((c) => c.data === d.code)[n];
    assert.ok(a, `${where}: no alert ${d.code} #${n + 1}\n${dump()}`);
    const item: Item | undefined = a.items[0];
    if (d.correlator !== undefined) assert.equal(a.correlator, d.correlator, `${where}: Correlator of ${d.code}`);
    if (d.source !== undefined) assert.equal(item?.source?.locURI, d.source, `${where}: Item Source of ${d.code}`);
    if (d.target !== undefined) assert.equal(item?.target?.locURI, d.target, `${where}: Item Target of ${d.code}`);
    if (d.type !== undefined) assert.equal(item?.meta?.type, d.type, `${where}: Meta Type of ${d.code}`);
    if (d.format !== undefined) assert.equal(item?.meta?.format, d.format, `${where}: Meta Format of ${d.code}`);
    if (d.data !== undefined) assert.equal(item?.data, d.data, `${where}: Data of ${d.code}`);
  }
}

function textOf(d: Item['data']): string | undefined {
  return typeof d === 'string' ? d : d instanceof Uint8Array ? new TextDecoder().decode(d) : undefined;
}

function checkStep(where: string, msg: SyncMLMessage, out: OutboundMessage, ck: Checker, x: StepExpect): void {
  const dump = () => encodeXml(msg, { indent: 2 });
  checkMessage(where, msg, out, ck, x);
  const commands = flat(msg.body.commands);
  const statuses = commands.filter((c): c is StatusCommand => c.kind === 'Status');
  const headerStatus = statuses.find((c) => c.cmdRef === '0')!;
  if (x.header !== undefined) assert.equal(headerStatus.data, x.header, `${where}: header status\n${dump()}`);
  if (x.chal !== undefined) assert.equal(headerStatus.chal !== undefined, x.chal, `${where}: Chal on the header status\n${dump()}`);
  const statusFor = (key: string): StatusCommand => {
    const [ref, ...rest] = key.split('/');
    const target = rest.join('/');
    const [msgRef, cmdRef] = ref.includes('#') ? ref.split('#') : [undefined, ref];
    const s = statuses.find((c) => c.cmdRef === cmdRef && (msgRef === undefined || c.msgRef === msgRef) && (target === '' || c.targetRefs.includes(target)));
    assert.ok(s, `${where}: no Status for ${key}\n${dump()}`);
    return s;
  };
  for (const [key, code] of Object.entries(x.statuses ?? {})) assert.equal(statusFor(key).data, code, `${where}: Status for ${key}\n${dump()}`);
  for (const [key, items] of Object.entries(x.statusItems ?? {})) assert.deepEqual(statusFor(key).items.map((i) => textOf(i.data)), items, `${where}: Status Items for ${key}\n${dump()}`);
  const results = commands.filter((c): c is ResultsCommand => c.kind === 'Results');
  for (const cmdRef of x.noResults ?? []) assert.ok(!results.some((r) => r.cmdRef === cmdRef), `${where}: unexpected Results for ${cmdRef}\n${dump()}`);
  // Follow large objects: collect chunks by CmdRef.
  const assembled = new Map<string, string | Uint8Array>();
  for (const r of results) {
    const item = r.items[0];
    const d = item?.data;
    if (typeof d !== 'string' && !(d instanceof Uint8Array)) continue;
    const parts = ck.chunks.get(r.cmdRef);
    if (item.moreData) { ck.chunks.set(r.cmdRef, [...(parts ?? []), d]); continue; }
    if (!parts) continue;
    ck.chunks.delete(r.cmdRef);
    const all = [...parts, d];
    assembled.set(r.cmdRef, all.every((p) => typeof p === 'string') ? all.join('') : Buffer.concat(all.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))));
  }
  for (const [cmdRef, want] of Object.entries(x.results ?? {})) {
    const r = results.find((c) => c.cmdRef === cmdRef);
    assert.ok(r, `${where}: no Results for ${cmdRef}\n${dump()}`);
    const item = r.items[0];
    const d = item?.data;
    const w: ResultObject = typeof want === 'string' ? { data: want } : want;
    const label = `${where}: Results for ${cmdRef}`;
    if (w.data !== undefined) assert.equal(textOf(d), w.data, label);
    if (w.format !== undefined) assert.equal(item?.meta?.format ?? r.meta?.format, w.format, `${label}: Format\n${dump()}`);
    if (w.type !== undefined) assert.equal(item?.meta?.type ?? r.meta?.type, w.type, `${label}: Type\n${dump()}`);
    if (w.bytes !== undefined) assert.equal(d instanceof Uint8Array ? d.length : typeof d === 'string' ? decodeBase64(d).length : -1, w.bytes, `${label}: bytes`);
    if (w.tnds !== undefined) assert.equal(typeof d === 'object' && !(d instanceof Uint8Array) && d?.kind === 'tnds', w.tnds, `${label}: TNDS document`);
    // Items of every Results for this CmdRef in the message (a big listing may come as several Results).
    const all = results.filter((c) => c.cmdRef === cmdRef).flatMap((c) => c.items);
    if (w.sources !== undefined) assert.deepEqual(all.map((i) => i.source?.locURI), w.sources, `${label}: item Sources`);
    if (w.values !== undefined) assert.deepEqual(all.map((i) => textOf(i.data) ?? null), w.values, `${label}: item Data`);
    if (w.moreData !== undefined) assert.equal(item?.moreData === true, w.moreData, `${label}: MoreData`);
    if (w.size !== undefined) assert.equal(item?.meta?.size ?? null, w.size, `${label}: Meta Size`);
    if (w.length !== undefined) assert.equal(typeof d === 'string' ? d.length : d instanceof Uint8Array ? d.length : -1, w.length, `${label}: chunk length`);
    if (w.assembled !== undefined) {
      const v = assembled.get(cmdRef);
      assert.ok(v !== undefined, `${label}: no large object completed here`);
      const text = typeof v === 'string' ? v : new TextDecoder().decode(v);
      if (typeof w.assembled === 'string') assert.equal(text, w.assembled, `${label}: assembled value`);
      else if ('base64Of' in w.assembled) assert.equal(text, Buffer.from(fillValue(w.assembled.base64Of)).toString('base64'), `${label}: assembled base64 of ${w.assembled.base64Of} filler bytes`);
      else { assert.equal(text.length, w.assembled.length, `${label}: assembled length`); assert.equal(text, fillValue(w.assembled.length), `${label}: assembled content`); }
    }
  }
}

export { encodeBase64 };
