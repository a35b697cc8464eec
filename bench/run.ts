/**
 * Codec benchmark for the SyncML DM wire layer (`npm run bench`).
 *
 * Method:
 * - A corpus of realistic DM messages is generated from a seeded PRNG
 *   (mulberry32; no Math.random, so every run sees the same bytes): package #1
 *   (Alert 1201 + Replace ./DevInfo), package #2 (Get/Replace/Add/Delete/Exec
 *   with Meta Format/Type, Atomic/Sequence), package #3 (a Status per command,
 *   Results with values, occasional TNDS) and Generic Alert messages, 1 to 500
 *   commands each, with short values, URLs needing escapes, a little non-ASCII
 *   and b64 blobs of 200–2000 characters. Each message is encoded once as XML
 *   (UTF-8 bytes) and once as WBXML; every encoding is checked to round-trip
 *   byte for byte before anything is timed.
 * - Each case (decode/encode × XML/WBXML) processes the whole corpus per pass.
 *   After a warm-up (JIT), a round times as many passes as fill ~0.4 s with
 *   `process.hrtime.bigint()`; several rounds are run and the median reported.
 *   Throughput is bytes of the encoded form per second (MB = 10^6 bytes) and
 *   messages per second. XML decode starts from UTF-8 bytes (as an HTTP body
 *   arrives); XML encode times `encodeXml`, which returns a string. The heap
 *   is collected before each case and holds only the corpus bytes plus, for
 *   an encode case, the models it encodes: the decoders are allocation-bound,
 *   so unrelated live objects would slow them through GC and blur the figures.
 * - When libwbxml2-utils is on PATH, a ≥ 20 MB corpus of a few large messages
 *   (~40,000 items each) is written to a temp dir and converted by
 *   `wbxml2xml`/`xml2wbxml` as child processes (wall time, median of runs) and
 *   in-process by our codecs (bytes in memory → bytes), and libwbxml's output
 *   is checked to decode with our decoders. libwbxml runs with the flags that
 *   match our output and are its fastest: `xml2wbxml -n -v 1.2` (no string
 *   table — ours has none, and building one is quadratic), `wbxml2xml -m 0`
 *   (compact, no indentation).
 *
 * Options: `--quick` (small corpus, few rounds: a CI smoke run),
 *          `--json FILE` (also write every figure as JSON),
 *          `--only LIST` (comma-separated subset of wbxml-decode, wbxml-encode,
 *          xml-decode, xml-encode, libwbxml, server, cluster, bootstrap, virt, gateway, campaign — e.g. to run one case under
 *          `node --cpu-prof`).
 *
 * The DM server figures (sessions/s against a bare node:http baseline, latency,
 * RSS) are bench/server-bench.ts, the virtualization figures (VM registration
 * time, memory per VM) bench/virt-bench.ts, the GwMO gateway figures (proxy
 * overhead, fan-out to 1,000 VMs, memory per end device) bench/gateway-bench.ts,
 * the campaign to 100,000 simulated devices bench/campaign-bench.ts;
 * their methods are described there.
 */
import { runClientBench } from './client-bench.js';
import { formatServerBench, runServerBench, type ServerBenchResult } from './server-bench.js';
import { formatClusterBench, runClusterBench, type ClusterBenchResult } from './cluster-bench.js';
import { formatBootstrapBench, runBootstrapBench, type BootstrapBenchResult } from './bootstrap-bench.js';
import { formatVirtBench, runVirtBench, type VirtBenchResult } from './virt-bench.js';
import { formatGatewayBench, runGatewayBench, type GatewayBenchResult } from './gateway-bench.js';
import { formatCampaignBench, runCampaignBench, type CampaignBenchResult } from './campaign-bench.js';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { delimiter, join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  decodeWbxml, decodeXml, encodeWbxml, encodeXml,
  type Command, type DataValue, type EmbeddedElement, type EmbeddedNode, type Item, type Meta, type StatusCommand,
  type SyncHdr, type SyncMLMessage,
} from '../src/syncml/index.js';

// ───────────────────────────── options ─────────────────────────────

const CASES = ['wbxml-decode', 'wbxml-encode', 'xml-decode', 'xml-encode', 'libwbxml', 'server', 'cluster', 'bootstrap', 'virt', 'gateway', 'campaign'] as const;
type CaseId = (typeof CASES)[number];

interface Options {
  quick: boolean;
  json: string | undefined;
  only: Set<CaseId>;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { quick: false, json: undefined, only: new Set(CASES) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opts.quick = true;
    else if (a === '--json') {
      const file = argv[++i];
      if (!file) usage('--json needs a file name');
      opts.json = file;
    } else if (a === '--only') {
      const list = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = list.filter((c) => !(CASES as readonly string[]).includes(c));
      if (list.length === 0 || unknown.length > 0) usage(`--only takes a comma-separated list of ${CASES.join(', ')}`);
      opts.only = new Set(list as CaseId[]);
    } else if (a === '-h' || a === '--help') usage();
    else usage(`unknown option ${a}`);
  }
  return opts;
}

function usage(error?: string): never {
  if (error) console.error(`bench: ${error}`);
  console.error(`usage: node dist/bench/run.js [--quick] [--json FILE] [--only ${CASES.join(',')}]`);
  process.exit(error ? 2 : 0);
}

interface Settings {
  seed: number;
  /** Stop adding messages to the main corpus once its XML form reaches this many bytes. */
  corpusXmlBytes: number;
  warmupMs: number;
  roundMs: number;
  rounds: number;
  /** libwbxml comparison corpus: total XML bytes, items per message, runs. */
  libXmlBytes: number;
  libItemsPerMessage: number;
  libRuns: number;
  oursRuns: number;
  /** Items of the message used to show xml2wbxml with its default string table (0: skip). */
  libStringTableItems: number;
}

const FULL: Settings = {
  seed: 0x5eed_d0d0, corpusXmlBytes: 4_000_000, warmupMs: 1000, roundMs: 400, rounds: 7,
  libXmlBytes: 20_000_000, libItemsPerMessage: 40_000, libRuns: 3, oursRuns: 7, libStringTableItems: 1_000,
};
const QUICK: Settings = {
  seed: 0x5eed_d0d0, corpusXmlBytes: 600_000, warmupMs: 200, roundMs: 100, rounds: 3,
  libXmlBytes: 1_500_000, libItemsPerMessage: 5_000, libRuns: 1, oursRuns: 3, libStringTableItems: 0,
};

// ───────────────────────────── deterministic PRNG ─────────────────────────────

/** mulberry32: small, fast, good enough to shape test data; fully determined by the seed. */
class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (this.next() * 256) | 0;
    return out;
  }

  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789ABCDEF'[this.int(0, 15)];
    return s;
  }
}

// ───────────────────────────── corpus generation ─────────────────────────────

const SERVER_URL = 'https://dm.example.com/oma-dm';
const MAX_COMMANDS = 500;

/** One DM value: where it lives, how it is typed, what it is. */
interface NodeValue {
  uri: string;
  format: string;
  type?: string;
  data: string;
}

/** Realistic management-tree leaves and values (DMAcc, DevInfo, DevDetail, FUMO, SCOMO, a VM vendor MO). */
function nodeValue(rng: Rng, allowBlob = true): NodeValue {
  const srv = `srv${rng.int(1, 3)}`;
  const vm = `vm${rng.int(1, 64)}`;
  const r = rng.next();
  if (allowBlob && r < 0.06) {
    // b64 blob of 200–2000 characters: a certificate, cloud-init user data, a key.
    const chars = rng.int(50, 500) * 4;
    const data = Buffer.from(rng.bytes((chars / 4) * 3)).toString('base64');
    const uri = rng.pick([
      `./Vendor/dmvisor/VM/${vm}/Config/CloudInit`,
      `./Vendor/dmvisor/Trust/CA/ca${rng.int(1, 9)}/Cert`,
      `./DMAcc/${srv}/AppAuth/ClientSide/AAuthData`,
    ]);
    return { uri, format: 'b64', type: 'application/octet-stream', data };
  }
  if (r < 0.2) {
    const leaf = rng.pick(['AAuthName', 'AAuthType', 'AAuthLevel']);
    const data = leaf === 'AAuthName' ? `dev-${rng.hex(8).toLowerCase()}` : leaf === 'AAuthType' ? rng.pick(['DIGEST', 'HMAC', 'BASIC']) : 'CLCRED';
    return { uri: `./DMAcc/${srv}/AppAuth/ClientSide/${leaf}`, format: 'chr', type: 'text/plain', data };
  }
  if (r < 0.3) {
    // URLs carry query strings: '&' must be escaped in XML.
    return {
      uri: `./DMAcc/${srv}/AppAddr/addr1/Addr`, format: 'chr', type: 'text/plain',
      data: `${SERVER_URL}?tenant=t${rng.int(1, 99)}&site=${rng.int(100, 999)}&proto=dm12`,
    };
  }
  if (r < 0.45) {
    const [leaf, data] = rng.pick([
      ['State', rng.pick(['running', 'stopped', 'paused', 'migrating'])],
      ['CPU/Count', String(rng.int(1, 64))],
      ['Memory/SizeMB', String(rng.int(1, 256) * 512)],
      [`Disk/${rng.int(1, 8)}/SizeGB`, String(rng.int(8, 4096))],
      [`Net/${rng.int(1, 4)}/MAC`, `52:54:00:${rng.hex(2)}:${rng.hex(2)}:${rng.hex(2)}`.toLowerCase()],
      ['Autostart', rng.pick(['true', 'false'])],
      // Some operators name things in their own language.
      ['Label', rng.pick(['Büro-Server 3', 'Salle serveur – baie 7', 'Lager Nord', 'web-frontend'])],
    ] as const);
    const format = /^\d+$/.test(data) ? 'int' : data === 'true' || data === 'false' ? 'bool' : 'chr';
    return { uri: `./Vendor/dmvisor/VM/${vm}/${leaf}`, format, type: 'text/plain', data };
  }
  if (r < 0.6) {
    const [leaf, data] = rng.pick([
      ['SwV', `3.${rng.int(0, 9)}.${rng.int(0, 20)}-build.${rng.int(1000, 9999)}`],
      ['FwV', `BIOS 2.${rng.int(0, 30)}`],
      ['HwV', `rev-${rng.pick(['A', 'B', 'C'])}${rng.int(1, 9)}`],
      ['OEM', 'Northwind Systems'],
      ['DevTyp', 'hypervisor'],
      ['URI/MaxDepth', String(rng.int(8, 32))],
      ['LrgObj', 'true'],
    ] as const);
    const format = /^\d+$/.test(data) ? 'int' : data === 'true' ? 'bool' : 'chr';
    return { uri: `./DevDetail/${leaf}`, format, type: 'text/plain', data };
  }
  if (r < 0.75) {
    const pkg = `fw${rng.int(1, 4)}`;
    const [leaf, data, format] = rng.pick([
      ['PkgName', `hypervisor-${rng.int(3, 5)}.${rng.int(0, 9)}`, 'chr'],
      ['PkgVersion', `${rng.int(3, 5)}.${rng.int(0, 9)}.${rng.int(0, 99)}`, 'chr'],
      ['DownloadAndUpdate/PkgURL', `https://updates.example.com/fw/${rng.hex(12).toLowerCase()}.bin?sig=${rng.hex(16)}&exp=${rng.int(1e9, 2e9)}`, 'chr'],
      ['State', String(rng.pick([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])), 'int'],
    ] as const);
    return { uri: `./FUMO/${pkg}/${leaf}`, format, type: 'text/plain', data };
  }
  if (r < 0.87) {
    const pkg = `pkg${rng.int(1, 200)}`;
    const [leaf, data] = rng.pick([
      ['Name', rng.pick(['qemu-guest-agent', 'openssh-server', 'node-exporter', 'libvirt-daemon'])],
      ['Version', `${rng.int(0, 9)}.${rng.int(0, 40)}.${rng.int(0, 9)}`],
      ['Status', rng.pick(['Active', 'Inactive'])],
      ['Description', 'Installed by the DM server during provisioning; managed, do not remove.'],
    ] as const);
    return { uri: `./SCOMO/Inventory/Deployed/${pkg}/${leaf}`, format: 'chr', type: 'text/plain', data };
  }
  const [leaf, data] = rng.pick([
    ['ServerID', `dm.example.com-${srv}`],
    ['Name', 'Northwind DM'],
    ['PrefConRef', './ConnMO/Ethernet0'],
    ['AppID', 'w7'],
  ] as const);
  return { uri: `./DMAcc/${srv}/${leaf}`, format: 'chr', type: 'text/plain', data };
}

function meta(format: string, type?: string): Meta {
  return type === undefined ? { format } : { format, type };
}

/** A Get/Delete/Exec target. */
function targetItem(uri: string): Item {
  return { target: { locURI: uri } };
}

/** A Replace/Add item carrying a value. */
function valueItem(v: NodeValue, withMeta: boolean): Item {
  const it: Item = { target: { locURI: v.uri }, data: v.data };
  if (withMeta) it.meta = meta(v.format, v.type);
  return it;
}

/** A Results item (Source, per-item Meta, Data). */
function resultItem(v: NodeValue): Item {
  return { source: { locURI: v.uri }, meta: meta(v.format, v.type), data: v.data };
}

function e(name: string, ...children: EmbeddedNode[]): EmbeddedElement {
  return { name, children };
}

/** A TNDS subtree of one VM, as a device answers `Get ./Vendor/dmvisor/VM/vmN?list=TNDS+Format+Type+Value`. */
function tndsTree(rng: Rng, vm: string): EmbeddedElement {
  const leaf = (name: string, format: string, value: string): EmbeddedElement =>
    e('Node', e('NodeName', name), e('RTProperties', e('ACL', 'Get=*&Replace=dm.example.com'), e('Format', e(format)), e('Type', e('MIME', 'text/plain'))), e('Value', value));
  const disks: EmbeddedElement[] = [];
  for (let d = 1, n = rng.int(1, 4); d <= n; d++) disks.push(leaf(String(d), 'int', String(rng.int(8, 2048))));
  return e('MgmtTree',
    e('VerDTD', '1.2'),
    e('Node',
      e('NodeName', vm),
      e('Path', './Vendor/dmvisor/VM'),
      e('RTProperties', e('Format', e('node')), e('Type', e('DDFName', 'urn:dmvisor:mo:vm:1.0'))),
      leaf('State', 'chr', rng.pick(['running', 'stopped'])),
      leaf('Autostart', 'bool', 'true'),
      e('Node', e('NodeName', 'CPU'), e('RTProperties', e('Format', e('node'))), leaf('Count', 'int', String(rng.int(1, 32)))),
      e('Node', e('NodeName', 'Disk'), e('RTProperties', e('Format', e('node'))), ...disks),
    ),
  );
}

/** Hands out CmdIDs and counts commands (nested ones included) for one message. */
class CmdCounter {
  next = 1;
  get count(): number {
    return this.next - 1;
  }
  id(): string {
    return String(this.next++);
  }
}

interface Peer {
  sessionID: string;
  device: string;
}

function clientHeader(rng: Rng, peer: Peer, msgID: number, withCred: boolean): SyncHdr {
  const h: SyncHdr = {
    verDTD: '1.2', verProto: 'DM/1.2', sessionID: peer.sessionID, msgID: String(msgID),
    target: { locURI: SERVER_URL },
    source: { locURI: peer.device, locName: `dev-${peer.sessionID.toLowerCase()}` },
    meta: { maxMsgSize: 1_048_576, maxObjSize: 4_194_304 },
  };
  if (withCred) h.cred = { meta: { type: 'syncml:auth-md5', format: 'b64' }, data: Buffer.from(rng.bytes(16)).toString('base64') };
  return h;
}

function serverHeader(peer: Peer, msgID: number): SyncHdr {
  return {
    verDTD: '1.2', verProto: 'DM/1.2', sessionID: peer.sessionID, msgID: String(msgID),
    target: { locURI: peer.device },
    source: { locURI: SERVER_URL },
    respURI: `${SERVER_URL}?sid=${peer.sessionID}&msg=${msgID + 1}`,
    meta: { maxMsgSize: 1_048_576, maxObjSize: 4_194_304 },
  };
}

function status(ids: CmdCounter, msgRef: string, cmdRef: string, cmd: string, code: number, targetRefs: string[] = [], sourceRefs: string[] = []): StatusCommand {
  return { kind: 'Status', cmdID: ids.id(), msgRef, cmdRef, cmd, targetRefs, sourceRefs, data: code, items: [] };
}

/** Package #1 commands: session alert and the DevInfo the client always sends. */
function devInfoCommands(rng: Rng, ids: CmdCounter, peer: Peer, alertCode: number): Command[] {
  const devInfo: [string, string][] = [
    ['DevId', peer.device], ['Man', 'Northwind Systems'], ['Mod', `NW-HV${rng.int(100, 900)}`], ['DmV', '1.2'], ['Lang', rng.pick(['en-US', 'de-DE', 'fr-FR'])],
  ];
  return [
    { kind: 'Alert', cmdID: ids.id(), data: alertCode, items: [] },
    {
      kind: 'Replace', cmdID: ids.id(),
      items: devInfo.map(([leaf, value]) => ({ source: { locURI: `./DevInfo/${leaf}` }, meta: meta('chr', 'text/plain'), data: value })),
    },
  ];
}

function package1(rng: Rng, peer: Peer): SyncMLMessage {
  const ids = new CmdCounter();
  const commands = devInfoCommands(rng, ids, peer, rng.chance(0.8) ? 1201 : 1200);
  return { version: '1.2', header: clientHeader(rng, peer, 1, true), body: { commands, final: true } };
}

function genericAlert(rng: Rng, ids: CmdCounter): Command {
  const fw = `fw${rng.int(1, 4)}`;
  const item: Item = {
    source: { locURI: `./FUMO/${fw}/DownloadAndUpdate` },
    meta: { type: 'org.openmobilealliance.dm.firmwareupdate.downloadandupdate', format: 'chr', mark: rng.pick(['critical', 'informational']) },
    data: String(rng.pick([200, 200, 200, 402, 403, 410, 501])),
  };
  return { kind: 'Alert', cmdID: ids.id(), data: 1226, correlator: `corr-${rng.hex(10).toLowerCase()}`, items: [item] };
}

/** A client-initiated session that reports asynchronous results: package #1 plus Generic Alerts. */
function genericAlertMessage(rng: Rng, peer: Peer, target: number): SyncMLMessage {
  const ids = new CmdCounter();
  const commands = devInfoCommands(rng, ids, peer, 1201);
  while (ids.count < target) commands.push(genericAlert(rng, ids));
  return { version: '1.2', header: clientHeader(rng, peer, 1, true), body: { commands, final: true } };
}

/** A management command of package #2 (never Results/Status). */
function managementCommand(rng: Rng, ids: CmdCounter, inAtomic: boolean): Command {
  const r = rng.next();
  if (r < 0.3 && !inAtomic) {
    // Get of one or several leaves (Atomic may not hold a Get).
    const items: Item[] = [];
    for (let i = 0, n = rng.int(1, 4); i < n; i++) items.push(targetItem(nodeValue(rng).uri));
    return { kind: 'Get', cmdID: ids.id(), items };
  }
  if (r < 0.65) {
    const items: Item[] = [];
    const v0 = nodeValue(rng);
    // Either one Meta on the command for uniform items, or Meta per item.
    const commandMeta = rng.chance(0.4);
    items.push(valueItem(v0, !commandMeta));
    for (let i = 1, n = rng.int(1, 3); i < n; i++) {
      const v = nodeValue(rng);
      items.push(commandMeta ? valueItem({ ...v, format: v0.format, type: v0.type }, false) : valueItem(v, true));
    }
    const kind = rng.chance(0.7) ? 'Replace' : 'Add';
    return commandMeta ? { kind, cmdID: ids.id(), meta: meta(v0.format, v0.type), items } : { kind, cmdID: ids.id(), items };
  }
  if (r < 0.72) {
    // Add of an interior node.
    return { kind: 'Add', cmdID: ids.id(), meta: meta('node'), items: [targetItem(`./Vendor/dmvisor/VM/vm${rng.int(65, 999)}`)] };
  }
  if (r < 0.82) {
    return { kind: 'Delete', cmdID: ids.id(), items: [targetItem(nodeValue(rng, false).uri)] };
  }
  const op = rng.pick(['Start', 'Stop', 'Reboot', 'Snapshot']);
  const item: Item = rng.chance(0.5)
    ? targetItem(`./FUMO/fw${rng.int(1, 4)}/DownloadAndUpdate`)
    : { target: { locURI: `./Vendor/dmvisor/VM/vm${rng.int(1, 64)}/Operations/${op}` }, meta: meta('chr', 'text/plain'), data: `reason=${rng.pick(['maintenance', 'patch', 'operator'])}&delay=${rng.int(0, 600)}` };
  return { kind: 'Exec', cmdID: ids.id(), correlator: `job-${rng.hex(12).toLowerCase()}`, item };
}

/** Package #2: server → client, statuses for package #1 then management commands. */
function package2(rng: Rng, peer: Peer, target: number): SyncMLMessage {
  const ids = new CmdCounter();
  const commands: Command[] = [status(ids, '1', '0', 'SyncHdr', 212, [SERVER_URL], [peer.device])];
  if (target >= 3) {
    commands.push(status(ids, '1', '1', 'Alert', 200));
    commands.push(status(ids, '1', '2', 'Replace', 200));
  }
  while (ids.count < target) {
    const room = target - ids.count;
    if (room >= 4 && rng.chance(0.06)) {
      // Atomic or Sequence of 2–6 commands.
      const inAtomic = rng.chance(0.5);
      const cmdID = ids.id();
      const inner: Command[] = [];
      for (let i = 0, n = Math.min(rng.int(2, 6), room - 1); i < n; i++) inner.push(managementCommand(rng, ids, inAtomic));
      commands.push(inAtomic ? { kind: 'Atomic', cmdID, commands: inner } : { kind: 'Sequence', cmdID, commands: inner });
    } else {
      commands.push(managementCommand(rng, ids, false));
    }
  }
  return { version: '1.2', header: serverHeader(peer, 2), body: { commands, final: true } };
}

/** Package #3: client → server, a Status per package #2 command and Results for the Gets. */
function package3(rng: Rng, peer: Peer, target: number): SyncMLMessage {
  const ids = new CmdCounter();
  const commands: Command[] = [status(ids, '2', '0', 'SyncHdr', 200, [peer.device], [SERVER_URL])];
  let cmdRef = 4;
  while (ids.count < target) {
    const ref = String(cmdRef++);
    const r = rng.next();
    if (r < 0.35 && target - ids.count >= 2) {
      // A Get: Status 200 then Results with one value per requested leaf (rarely a TNDS subtree).
      if (rng.chance(0.04)) {
        const vm = `vm${rng.int(1, 64)}`;
        const uri = `./Vendor/dmvisor/VM/${vm}?list=TNDS+ACL+Format+Type+Value`;
        commands.push(status(ids, '2', ref, 'Get', 200, [uri]));
        commands.push({
          kind: 'Results', cmdID: ids.id(), msgRef: '2', cmdRef: ref, meta: meta('xml', 'application/vnd.syncml.dmtnds+xml'),
          items: [{ source: { locURI: uri }, data: { kind: 'tnds', root: tndsTree(rng, vm) } satisfies DataValue }],
        });
        continue;
      }
      const values: NodeValue[] = [];
      for (let i = 0, n = rng.int(1, 5); i < n; i++) values.push(nodeValue(rng));
      commands.push(status(ids, '2', ref, 'Get', 200, values.map((v) => v.uri)));
      commands.push({ kind: 'Results', cmdID: ids.id(), msgRef: '2', cmdRef: ref, items: values.map(resultItem) });
    } else {
      const cmd = rng.pick(['Replace', 'Replace', 'Add', 'Delete', 'Exec']);
      const code = rng.chance(0.9) ? (cmd === 'Exec' ? rng.pick([200, 202]) : 200) : rng.pick([404, 405, 418, 500]);
      const refs = cmd === 'Exec' && rng.chance(0.3) ? [] : [nodeValue(rng, false).uri];
      commands.push(status(ids, '2', ref, cmd, code, refs));
    }
  }
  return { version: '1.2', header: clientHeader(rng, peer, 2, false), body: { commands, final: true } };
}

/** Command count of a message: skewed towards small messages, always within 1…500. */
function commandTarget(rng: Rng): number {
  return 1 + Math.floor((MAX_COMMANDS - 1) * rng.next() ** 2.5);
}

function newPeer(rng: Rng): Peer {
  return { sessionID: rng.hex(4), device: `IMEI:35792408${String(rng.int(0, 9_999_999)).padStart(7, '0')}` };
}

function generateMessage(rng: Rng, index: number): SyncMLMessage {
  const peer = newPeer(rng);
  // The first messages pin the extremes: 1 command and 500 commands.
  if (index === 0) return package2(rng, peer, 1);
  if (index === 1) return package3(rng, peer, MAX_COMMANDS);
  const r = rng.next();
  if (r < 0.15) return package1(rng, peer);
  if (r < 0.5) return package2(rng, peer, commandTarget(rng));
  if (r < 0.85) return package3(rng, peer, commandTarget(rng));
  return genericAlertMessage(rng, peer, rng.int(3, 60));
}

/**
 * One large package #3 message for the libwbxml comparison: the answer to a
 * bulk inventory Get, `items` values in Results of 100 items each.
 */
function bulkMessage(rng: Rng, items: number): SyncMLMessage {
  const peer = newPeer(rng);
  const ids = new CmdCounter();
  const commands: Command[] = [status(ids, '2', '0', 'SyncHdr', 200, [peer.device], [SERVER_URL])];
  for (let done = 0, ref = 4; done < items; ref++) {
    const n = Math.min(100, items - done);
    const values: NodeValue[] = [];
    for (let i = 0; i < n; i++) values.push(nodeValue(rng, rng.chance(0.1)));
    commands.push(status(ids, '2', String(ref), 'Get', 200, [`./Vendor/dmvisor/Inventory/${ref}`]));
    commands.push({ kind: 'Results', cmdID: ids.id(), msgRef: '2', cmdRef: String(ref), items: values.map(resultItem) });
    done += n;
  }
  return { version: '1.2', header: clientHeader(rng, peer, 2, false), body: { commands, final: true } };
}

// ───────────────────────────── corpus encoding and checks ─────────────────────────────

/**
 * The encoded corpus. Only bytes are kept: decoded models are built by the
 * encode cases just before they run and dropped after, so the live heap during
 * a measurement is the corpus bytes plus what the case itself needs. (Keeping
 * both decoded model sets alive roughly halved WBXML decode throughput in a
 * test: the decoders are allocation-bound and pay for live heap through GC.)
 */
interface Corpus {
  xml: Uint8Array[];
  wbxml: Uint8Array[];
  xmlBytes: number;
  wbxmlBytes: number;
  commands: number;
  items: number;
  minCommands: number;
  maxCommands: number;
  /** Messages whose re-encoding did not reproduce the bytes (should be 0). */
  roundTripFailures: string[];
}

const utf8 = new TextEncoder();

function countCommands(cmds: Command[]): { commands: number; items: number } {
  let commands = 0;
  let items = 0;
  for (const c of cmds) {
    commands++;
    if (c.kind === 'Atomic' || c.kind === 'Sequence') {
      const inner = countCommands(c.commands);
      commands += inner.commands;
      items += inner.items;
    } else if (c.kind === 'Exec') items++;
    else items += c.items.length;
  }
  return { commands, items };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** Encode every message both ways and check decode → encode reproduces the bytes. */
function encodeCorpus(messages: SyncMLMessage[], limits?: { maxBytes: number }): Corpus {
  const corpus: Corpus = {
    xml: [], wbxml: [], xmlBytes: 0, wbxmlBytes: 0,
    commands: 0, items: 0, minCommands: Infinity, maxCommands: 0, roundTripFailures: [],
  };
  const options = limits ? { limits } : {};
  messages.forEach((msg, i) => {
    const xml = utf8.encode(encodeXml(msg));
    const wbxml = encodeWbxml(msg);
    const fromXml = decodeXml(xml, options);
    const fromWbxml = decodeWbxml(wbxml, options);
    if (!sameBytes(utf8.encode(encodeXml(fromXml)), xml)) corpus.roundTripFailures.push(`message ${i}: XML decode→encode differs`);
    if (!sameBytes(encodeWbxml(fromWbxml), wbxml)) corpus.roundTripFailures.push(`message ${i}: WBXML decode→encode differs`);
    if (!sameBytes(encodeWbxml(fromXml), wbxml)) corpus.roundTripFailures.push(`message ${i}: XML→WBXML differs from direct WBXML`);
    const { commands, items } = countCommands(msg.body.commands);
    corpus.xml.push(xml);
    corpus.wbxml.push(wbxml);
    corpus.xmlBytes += xml.length;
    corpus.wbxmlBytes += wbxml.length;
    corpus.commands += commands;
    corpus.items += items;
    corpus.minCommands = Math.min(corpus.minCommands, commands);
    corpus.maxCommands = Math.max(corpus.maxCommands, commands);
  });
  return corpus;
}

/** Large messages for the libwbxml comparison; decoding them needs a larger maxBytes than the default. */
function buildBulkCorpus(settings: Settings, limits: { maxBytes: number }): Corpus {
  const rng = new Rng(settings.seed ^ 0x11b);
  const messages: SyncMLMessage[] = [];
  let xmlBytes = 0;
  while (xmlBytes < settings.libXmlBytes) {
    const msg = bulkMessage(rng, settings.libItemsPerMessage);
    messages.push(msg);
    xmlBytes += utf8.encode(encodeXml(msg)).length;
  }
  return encodeCorpus(messages, limits);
}

function buildMainCorpus(settings: Settings): Corpus {
  const rng = new Rng(settings.seed);
  const messages: SyncMLMessage[] = [];
  let xmlBytes = 0;
  while (xmlBytes < settings.corpusXmlBytes) {
    const msg = generateMessage(rng, messages.length);
    messages.push(msg);
    xmlBytes += utf8.encode(encodeXml(msg)).length;
  }
  return encodeCorpus(messages);
}

// ───────────────────────────── timing ─────────────────────────────

interface CaseResult {
  name: string;
  /** Median throughput, MB (10^6 bytes) of the encoded form per second. */
  mbPerSec: number;
  msgsPerSec: number;
  targetMBps: number;
  pass: boolean;
  /** Per-round MB/s, in run order. */
  roundsMBps: number[];
  passesPerRound: number;
}

/** Keeps results observable so the JIT cannot drop the work. */
let blackhole = 0;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** `global.gc`, made available without a command-line flag, to start every case from a collected heap. */
const collectGarbage: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

function measure(name: string, targetMBps: number, bytesPerPass: number, msgsPerPass: number, pass: () => number, s: Settings): CaseResult {
  collectGarbage();
  // Warm-up: at least two passes and warmupMs, which also sizes the rounds.
  let passes = 0;
  const w0 = nowNs();
  let elapsedMs = 0;
  while (passes < 2 || elapsedMs < s.warmupMs) {
    blackhole ^= pass();
    passes++;
    elapsedMs = Number(nowNs() - w0) / 1e6;
  }
  const passesPerRound = Math.max(1, Math.round(s.roundMs / (elapsedMs / passes)));
  const roundsMBps: number[] = [];
  const roundsMsgs: number[] = [];
  for (let r = 0; r < s.rounds; r++) {
    const t0 = nowNs();
    for (let p = 0; p < passesPerRound; p++) blackhole ^= pass();
    const seconds = Number(nowNs() - t0) / 1e9;
    roundsMBps.push((bytesPerPass * passesPerRound) / seconds / 1e6);
    roundsMsgs.push((msgsPerPass * passesPerRound) / seconds);
  }
  const mbPerSec = median(roundsMBps);
  return { name, mbPerSec, msgsPerSec: median(roundsMsgs), targetMBps, pass: mbPerSec >= targetMBps, roundsMBps, passesPerRound };
}

function runCases(c: Corpus, s: Settings, only: Set<CaseId>): CaseResult[] {
  const n = c.xml.length;
  const cases: [CaseId, () => CaseResult][] = [
    ['wbxml-decode', () => measure('WBXML decode', 100, c.wbxmlBytes, n, () => {
      let k = 0;
      for (const b of c.wbxml) k += decodeWbxml(b).body.commands.length;
      return k;
    }, s)],
    ['wbxml-encode', () => {
      const models = c.wbxml.map((b) => decodeWbxml(b));
      return measure('WBXML encode', 60, c.wbxmlBytes, n, () => {
        let k = 0;
        for (const m of models) k += encodeWbxml(m).length;
        return k;
      }, s);
    }],
    ['xml-decode', () => measure('XML decode', 40, c.xmlBytes, n, () => {
      let k = 0;
      for (const b of c.xml) k += decodeXml(b).body.commands.length;
      return k;
    }, s)],
    ['xml-encode', () => {
      const models = c.xml.map((b) => decodeXml(b));
      return measure('XML encode', 60, c.xmlBytes, n, () => {
        let k = 0;
        for (const m of models) k += encodeXml(m).length;
        return k;
      }, s);
    }],
  ];
  return cases.filter(([id]) => only.has(id)).map(([, run]) => run());
}

// ───────────────────────────── libwbxml comparison ─────────────────────────────

/** xml2wbxml: no string table (we emit none; building it is also libwbxml's slowest part), WBXML 1.2 as we emit. */
const XML2WBXML_FLAGS = ['-n', '-v', '1.2'];
/** wbxml2xml: compact generation (no indentation), as our encoder writes. */
const WBXML2XML_FLAGS = ['-m', '0'];

interface Direction {
  name: string;
  inputBytes: number;
  libwbxmlMs: number;
  oursMs: number;
  libwbxmlMBps: number;
  oursMBps: number;
  ratio: number;
  targetRatio: number;
  pass: boolean;
}

interface LibwbxmlReport {
  skipped: false;
  version: string;
  files: number;
  itemsPerMessage: number;
  xmlBytes: number;
  wbxmlBytes: number;
  flags: { xml2wbxml: string[]; wbxml2xml: string[] };
  processStartMs: number;
  /** xml2wbxml with its default flags (string table) on one smaller message, for reference. */
  stringTable: { items: number; xmlBytes: number; ms: number | null; timeoutMs: number } | null;
  directions: Direction[];
  sanity: { ok: boolean; notes: string[] };
}

type LibwbxmlResult = LibwbxmlReport | { skipped: true; reason: string };

function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** Run a libwbxml tool once; wall time in ms. The tools exit 0 even on failure, so the output file is checked. */
function runTool(cmd: string, flags: string[], input: string, output: string, timeoutMs = 600_000): number {
  rmSync(output, { force: true });
  const t0 = nowNs();
  const r = spawnSync(cmd, [...flags, '-o', output, input], { encoding: 'utf8', timeout: timeoutMs });
  const ms = Number(nowNs() - t0) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0 || !existsSync(output) || statSync(output).size === 0) {
    throw new Error(`${cmd} ${[...flags, '-o', output, input].join(' ')} failed: ${(r.stderr || r.stdout).trim()}`);
  }
  return ms;
}

/** Median wall time of converting every file (files run one after another, times summed per run). */
function timeTool(cmd: string, flags: string[], files: { input: string; output: string }[], runs: number): number {
  const totals: number[] = [];
  for (let r = 0; r < runs; r++) totals.push(files.reduce((sum, f) => sum + runTool(cmd, flags, f.input, f.output), 0));
  return median(totals);
}

/** Median wall time of converting every buffer in-process, after one warm-up run. */
function timeOurs(convert: () => number, runs: number): number {
  collectGarbage();
  blackhole ^= convert();
  const totals: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = nowNs();
    blackhole ^= convert();
    totals.push(Number(nowNs() - t0) / 1e6);
  }
  return median(totals);
}

function libwbxmlVersion(): string {
  const r = spawnSync('xml2wbxml', ['-h'], { encoding: 'utf8' });
  return /libwbxml ([\d.]+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
}

/** Data items that came back as bytes (libwbxml writes `<Data>` of Format b64 as OPAQUE holding the b64 text). */
function opaqueDataItems(msg: SyncMLMessage): number {
  let n = 0;
  const visit = (cmds: Command[]): void => {
    for (const c of cmds) {
      if (c.kind === 'Atomic' || c.kind === 'Sequence') visit(c.commands);
      else for (const it of c.kind === 'Exec' ? [c.item] : c.items) if (it.data instanceof Uint8Array) n++;
    }
  };
  visit(msg.body.commands);
  return n;
}

/** Treat OPAQUE Data as the UTF-8 text it holds, so libwbxml's b64-as-OPAQUE compares equal to our b64 text. */
function opaqueDataAsText(msg: SyncMLMessage): SyncMLMessage {
  const decoder = new TextDecoder();
  const fixItem = (it: Item): Item => (it.data instanceof Uint8Array ? { ...it, data: decoder.decode(it.data) } : it);
  const fix = (c: Command): Command => {
    if (c.kind === 'Atomic' || c.kind === 'Sequence') return { ...c, commands: c.commands.map(fix) };
    if (c.kind === 'Exec') return { ...c, item: fixItem(c.item) };
    return { ...c, items: c.items.map(fixItem) } as Command;
  };
  return { ...msg, body: { ...msg.body, commands: msg.body.commands.map(fix) } };
}

function compareWithLibwbxml(s: Settings): LibwbxmlResult {
  if (!onPath('xml2wbxml') || !onPath('wbxml2xml')) return { skipped: true, reason: 'libwbxml2-utils not installed (xml2wbxml/wbxml2xml not on PATH)' };

  const limits = { maxBytes: 256 * 1024 * 1024 };
  const corpus = buildBulkCorpus(s, limits);
  const dir = mkdtempSync(join(os.tmpdir(), 'dmvisor-bench-'));
  try {
    const files = corpus.xml.map((xml, i) => {
      const base = join(dir, `bulk-${i}`);
      writeFileSync(`${base}.xml`, xml);
      writeFileSync(`${base}.wbxml`, corpus.wbxml[i]);
      return { xml: `${base}.xml`, wbxml: `${base}.wbxml`, libXml: `${base}.lib.xml`, libWbxml: `${base}.lib.wbxml` };
    });

    // Process start-up cost, for reading the wall times: one tiny message.
    const tiny = join(dir, 'tiny.wbxml');
    writeFileSync(tiny, encodeWbxml(package1(new Rng(1), newPeer(new Rng(2)))));
    const processStartMs = timeTool('wbxml2xml', WBXML2XML_FLAGS, [{ input: tiny, output: join(dir, 'tiny.xml') }], 5);

    // For reference: the default xml2wbxml mode builds a string table, in time that grows much faster than the input.
    let stringTable: LibwbxmlReport['stringTable'] = null;
    if (s.libStringTableItems > 0) {
      const input = join(dir, 'string-table.xml');
      const xml = utf8.encode(encodeXml(bulkMessage(new Rng(s.seed ^ 0x57), s.libStringTableItems)));
      writeFileSync(input, xml);
      const timeoutMs = 60_000;
      let ms: number | null;
      try {
        ms = runTool('xml2wbxml', ['-v', '1.2'], input, join(dir, 'string-table.wbxml'), timeoutMs);
      } catch {
        ms = null;
      }
      stringTable = { items: s.libStringTableItems, xmlBytes: xml.length, ms, timeoutMs };
    }

    const libToXmlMs = timeTool('wbxml2xml', WBXML2XML_FLAGS, files.map((f) => ({ input: f.wbxml, output: f.libXml })), s.libRuns);
    const libToWbxmlMs = timeTool('xml2wbxml', XML2WBXML_FLAGS, files.map((f) => ({ input: f.xml, output: f.libWbxml })), s.libRuns);

    const opts = { limits };
    const oursToXmlMs = timeOurs(() => {
      let k = 0;
      for (const b of corpus.wbxml) k += utf8.encode(encodeXml(decodeWbxml(b, opts))).length;
      return k;
    }, s.oursRuns);
    const oursToWbxmlMs = timeOurs(() => {
      let k = 0;
      for (const b of corpus.xml) k += encodeWbxml(decodeXml(b, opts)).length;
      return k;
    }, s.oursRuns);

    // Sanity: libwbxml's output of our files decodes with our decoders and means the same thing.
    const notes: string[] = [];
    let ok = true;
    let opaque = 0;
    files.forEach((f, i) => {
      try {
        const fromLibXml = decodeXml(readFileSync(f.libXml), opts);
        if (!sameBytes(encodeWbxml(fromLibXml), corpus.wbxml[i])) {
          ok = false;
          notes.push(`bulk-${i}: wbxml2xml output decodes but differs from our message`);
        }
        const fromLibWbxml = decodeWbxml(readFileSync(f.libWbxml), opts);
        opaque += opaqueDataItems(fromLibWbxml);
        if (!sameBytes(encodeWbxml(opaqueDataAsText(fromLibWbxml)), corpus.wbxml[i])) {
          ok = false;
          notes.push(`bulk-${i}: xml2wbxml output decodes but differs from our message`);
        }
      } catch (err) {
        ok = false;
        notes.push(`bulk-${i}: ${(err as Error).message}`);
      }
    });
    if (opaque > 0) {
      notes.push(`xml2wbxml wrote ${opaque} Data items of Format b64 as OPAQUE (holding the b64 text); decodeWbxml returns them as bytes, ` +
        'compared here as text — encodeXml would base64 those bytes a second time');
    }

    const direction = (name: string, inputBytes: number, libMs: number, oursMs: number): Direction => {
      const libwbxmlMBps = inputBytes / 1e6 / (libMs / 1e3);
      const oursMBps = inputBytes / 1e6 / (oursMs / 1e3);
      const ratio = oursMBps / libwbxmlMBps;
      return { name, inputBytes, libwbxmlMs: libMs, oursMs, libwbxmlMBps, oursMBps, ratio, targetRatio: 20, pass: ratio >= 20 };
    };
    return {
      skipped: false,
      version: libwbxmlVersion(),
      files: files.length,
      itemsPerMessage: s.libItemsPerMessage,
      xmlBytes: corpus.xmlBytes,
      wbxmlBytes: corpus.wbxmlBytes,
      flags: { xml2wbxml: XML2WBXML_FLAGS, wbxml2xml: WBXML2XML_FLAGS },
      processStartMs,
      stringTable,
      directions: [
        direction('WBXML → XML', corpus.wbxmlBytes, libToXmlMs, oursToXmlMs),
        direction('XML → WBXML', corpus.xmlBytes, libToWbxmlMs, oursToWbxmlMs),
      ],
      sanity: { ok: ok && corpus.roundTripFailures.length === 0, notes: [...corpus.roundTripFailures, ...notes] },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ───────────────────────────── reporting ─────────────────────────────

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

function fixed(n: number, digits = 1): string {
  return n.toFixed(digits);
}

function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Plain-text table: first column left-aligned, the rest right-aligned. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('   '), ...rows.map(line)].join('\n');
}

function machine(): { cpu: string; cores: number; memoryBytes: number; node: string; platform: string } {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, memoryBytes: os.totalmem(), node: process.version, platform: `${process.platform} ${process.arch}` };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const s = opts.quick ? QUICK : FULL;
  const m = machine();
  console.log(`Machine: ${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, Node ${m.node} (${m.platform})`);
  console.log(`Mode: ${opts.quick ? 'quick' : 'full'} — ${s.rounds} rounds of ~${s.roundMs} ms after ${s.warmupMs} ms warm-up; median reported; MB = 10^6 bytes of the encoded form`);

  const t0 = nowNs();
  const corpus = buildMainCorpus(s);
  console.log(`Corpus: ${corpus.xml.length} messages, ${corpus.minCommands}–${corpus.maxCommands} commands each (${int(corpus.commands)} commands, ${int(corpus.items)} items), ` +
    `XML ${mb(corpus.xmlBytes)}, WBXML ${mb(corpus.wbxmlBytes)}, seed 0x${s.seed.toString(16)} (built and checked in ${fixed(Number(nowNs() - t0) / 1e9, 1)} s)`);
  if (corpus.roundTripFailures.length > 0) {
    console.log(`✗ ROUND-TRIP FAILURES (${corpus.roundTripFailures.length}):`);
    for (const f of corpus.roundTripFailures.slice(0, 10)) console.log(`  ${f}`);
    process.exitCode = 1;
  } else {
    console.log('Round-trip check: every message decodes and re-encodes to identical bytes in both encodings ✓');
  }
  console.log('');

  const results = runCases(corpus, s, opts.only);
  if (results.length > 0) console.log(table(
    ['case', 'MB/s', 'target', '', 'msgs/s', 'rounds min–max MB/s', 'passes/round'],
    results.map((r) => [
      r.name, fixed(r.mbPerSec), `≥ ${r.targetMBps}`, r.pass ? '✓' : '✗', int(r.msgsPerSec),
      `${fixed(Math.min(...r.roundsMBps))}–${fixed(Math.max(...r.roundsMBps))}`, String(r.passesPerRound),
    ]),
  ));
  console.log('');

  let lib: LibwbxmlResult;
  try {
    lib = opts.only.has('libwbxml') ? compareWithLibwbxml(s) : { skipped: true, reason: 'not selected (--only)' };
  } catch (err) {
    lib = { skipped: true, reason: `libwbxml comparison failed: ${(err as Error).message}` };
    process.exitCode = 1;
  }
  if (lib.skipped) {
    console.log(`libwbxml comparison skipped: ${lib.reason}`);
  } else {
    console.log(`libwbxml ${lib.version} comparison: ${lib.files} messages × ${int(lib.itemsPerMessage)} items, XML ${mb(lib.xmlBytes)}, WBXML ${mb(lib.wbxmlBytes)}`);
    console.log(`  libwbxml: \`xml2wbxml ${lib.flags.xml2wbxml.join(' ')}\`, \`wbxml2xml ${lib.flags.wbxml2xml.join(' ')}\`, wall time of child processes, median of ${s.libRuns} run(s) ` +
      `(process start on a tiny message: ${fixed(lib.processStartMs)} ms)`);
    console.log(`  ours: in-process, bytes → model → bytes (decodeWbxml→encodeXml→UTF-8, decodeXml→encodeWbxml), median of ${s.oursRuns} runs; MB/s of input`);
    console.log(table(
      ['conversion', 'libwbxml s', 'libwbxml MB/s', 'ours s', 'ours MB/s', 'ratio', 'target', ''],
      lib.directions.map((d) => [
        d.name, fixed(d.libwbxmlMs / 1e3, 2), fixed(d.libwbxmlMBps, 2), fixed(d.oursMs / 1e3, 3), fixed(d.oursMBps), `${fixed(d.ratio)}×`, `≥ ${d.targetRatio}×`, d.pass ? '✓' : '✗',
      ]),
    ));
    console.log(`  sanity: libwbxml's output of our files decodes with our decoders and re-encodes to our bytes: ${lib.sanity.ok ? '✓' : '✗'}`);
    for (const n of lib.sanity.notes) console.log(`    note: ${n}`);
    const st = lib.stringTable;
    if (st) {
      console.log(`  for reference, \`xml2wbxml -v 1.2\` (default: builds a string table) on one ${int(st.items)}-item message (${mb(st.xmlBytes)}): ` +
        (st.ms === null ? `did not finish within ${st.timeoutMs / 1e3} s` : `${fixed(st.ms / 1e3, 2)} s = ${fixed(st.xmlBytes / 1e6 / (st.ms / 1e3), 2)} MB/s`) +
        ' — its cost grows much faster than the input, so larger messages are slower still');
    }
    if (!lib.sanity.ok) process.exitCode = 1;
  }
  console.log('');

  const client = runClientBench(opts.quick);
  console.log(`DM client (${int(client.clients)} standard trees held at once; 1-command sessions: package 1, Get, Status + Results, closing message; codec included)`);
  console.log(table(
    ['figure', 'value', 'target', ''],
    [
      ['memory per idle client', `${fixed(client.bytesPerClient / 1024, 1)} KiB`, '≤ 50 KB', client.bytesPerClient <= 50_000 ? '✓' : '✗'],
      ...client.sessions.map((x) => [`CPU per session (${x.encoding.toUpperCase()})`, `${fixed(x.msPerSession, 3)} ms (${int(x.sessionsPerSec)}/s)`, '≤ 0.2 ms', x.msPerSession <= 0.2 ? '✓' : '✗']),
    ],
  ));
  console.log('');

  collectGarbage();
  const mem = process.memoryUsage();
  console.log(`Memory after runs: rss ${(mem.rss / 2 ** 20).toFixed(1)} MiB (keeps the heap's high-water mark), ` +
    `heap used ${(mem.heapUsed / 2 ** 20).toFixed(1)} MiB after a GC (main corpus bytes still referenced)`);

  // DM server sessions/s against a bare node:http baseline (bench/server-bench.ts): child processes, ~25 s quick.
  let server: ServerBenchResult | { skipped: true; reason: string } = { skipped: true, reason: 'not selected (--only)' };
  if (opts.only.has('server')) {
    console.log('');
    try {
      const r = await runServerBench(opts.quick);
      server = r;
      console.log(formatServerBench(r));
      if (!r.clean) process.exitCode = 1;
    } catch (err) {
      server = { skipped: true, reason: `server bench failed: ${(err as Error).stack ?? String(err)}` };
      console.log(`✗ ${server.reason}`);
      process.exitCode = 1;
    }
  }

  // The same sessions on PostgreSQL: one node, one in cluster mode, two cluster nodes (bench/cluster-bench.ts).
  let cluster: ClusterBenchResult = { skipped: true, reason: 'not selected (--only)' };
  if (opts.only.has('cluster')) {
    console.log('');
    try {
      cluster = await runClusterBench(opts.quick);
      console.log(formatClusterBench(cluster));
      if (!cluster.skipped && cluster.rows.some((r) => r.throughput.failed > 0)) process.exitCode = 1;
    } catch (err) {
      cluster = { skipped: true, reason: `cluster bench failed: ${(err as Error).stack ?? String(err)}` };
      console.log(`✗ ${cluster.reason}`);
      process.exitCode = 1;
    }
  }

  // Client-initiated bootstraps/s (bench/bootstrap-bench.ts): a server child and a storm of new devices.
  let bootstrap: BootstrapBenchResult | { skipped: true; reason: string } = { skipped: true, reason: 'not selected (--only)' };
  if (opts.only.has('bootstrap')) {
    console.log('');
    try {
      const r = await runBootstrapBench(opts.quick);
      bootstrap = r;
      console.log(formatBootstrapBench(r));
      if (r.failures > 0) process.exitCode = 1;
    } catch (err) {
      bootstrap = { skipped: true, reason: `bootstrap bench failed: ${(err as Error).stack ?? String(err)}` };
      console.log(`✗ ${bootstrap.reason}`);
      process.exitCode = 1;
    }
  }

  // Virtualization (bench/virt-bench.ts): VM registration time and memory per VM.
  let virt: VirtBenchResult | { skipped: true; reason: string } = { skipped: true, reason: 'not selected (--only)' };
  if (opts.only.has('virt')) {
    console.log('');
    try {
      const r = await runVirtBench(opts.quick);
      virt = r;
      console.log(formatVirtBench(r, table));
    } catch (err) {
      virt = { skipped: true, reason: `virt bench failed: ${(err as Error).stack ?? String(err)}` };
      console.log(`✗ ${virt.reason}`);
      process.exitCode = 1;
    }
  }

  // GwMO gateway (bench/gateway-bench.ts): in-process server, gateway and 1,000 simulated VMs.
  let gateway: GatewayBenchResult | { skipped: true; reason: string } = { skipped: true, reason: 'not selected (--only)' };
  if (opts.only.has('gateway')) {
    console.log('');
    try {
      const r = await runGatewayBench(opts.quick);
      gateway = r;
      console.log(formatGatewayBench(r, table));
    } catch (err) {
      gateway = { skipped: true, reason: `gateway bench failed: ${(err as Error).stack ?? String(err)}` };
      console.log(`✗ ${gateway.reason}`);
      process.exitCode = 1;
    }
  }

  // One Replace to 100,000 simulated devices (bench/campaign-bench.ts): server child + fleet simulator.
  let campaign: CampaignBenchResult | { skipped: true; reason: string } = { skipped: true, reason: 'not selected (--only)' };
  if (opts.only.has('campaign')) {
    console.log('');
    try {
      const r = await runCampaignBench(opts.quick);
      campaign = r;
      console.log(formatCampaignBench(r, table));
      if (!r.pass || r.failedSessions > 0) process.exitCode = 1;
    } catch (err) {
      campaign = { skipped: true, reason: `campaign bench failed: ${(err as Error).stack ?? String(err)}` };
      console.log(`✗ ${campaign.reason}`);
      process.exitCode = 1;
    }
  }

  if (opts.json) {
    const report = {
      machine: m,
      mode: opts.quick ? 'quick' : 'full',
      settings: s,
      corpus: {
        messages: corpus.xml.length, commands: corpus.commands, items: corpus.items, minCommands: corpus.minCommands,
        maxCommands: corpus.maxCommands, xmlBytes: corpus.xmlBytes, wbxmlBytes: corpus.wbxmlBytes, roundTripFailures: corpus.roundTripFailures,
      },
      results,
      libwbxml: lib,
      client,
      server,
      cluster,
      bootstrap,
      virt,
      gateway,
      campaign,
      memory: { rss: mem.rss, heapUsed: mem.heapUsed },
      blackhole,
    };
    writeFileSync(opts.json, JSON.stringify(report, null, 2) + '\n');
    console.log(`JSON written to ${opts.json}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
