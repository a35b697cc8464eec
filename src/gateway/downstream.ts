/**
 * The gateway as a DM server for its proxy-mode end devices: the downstream
 * half of proxy mode. The same `ServerSession` engine the DM server uses runs
 * here, over HTTP on one Unix socket per VM (a file in the VM's directory,
 * reachable from a VM in its own network namespace).
 *
 * Identity is bound to the socket: a message arriving on VM A's socket must
 * carry A's local DevId as its Source, else it is refused (403) and logged —
 * a VM cannot speak for another, nor see another's commands or results.
 *
 * Work for an end device is a {@link DownstreamJob}: commands the server sent
 * upstream, stripped of the end device's prefix. Jobs are persisted (a
 * journal file, appended at every change before the end device or the server
 * is answered), so a gateway restart loses nothing and runs nothing twice:
 * - a job the end device had received but not answered when the gateway
 *   died is NOT re-run: its unanswered commands end 500 "state unknown";
 * - a job still waiting for the end device is kept when the gateway owes
 *   the server its result (it answered 202 upstream), else dropped (the
 *   server's operation went back to pending when the upstream session died,
 *   and the server sends it again);
 * - an Exec the server sends again with a Correlator the gateway already
 *   ran gets the recorded answer, not a second run.
 *
 * To start a session the gateway sends the VM a package #0 over the host↔VM
 * channel, made with the VM's credentials (which the gateway provisioned).
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { classifyDmContentType, decodeMessage, dmMediaTypeFor, encodeEmbeddedXml, type Item, type SyncMLMessage } from '../syncml/index.js';
import { ServerSession, type OperationCommand, type ServerSessionEvent } from '../session/server-session.js';
import { encodePackage0 } from '../notification/index.js';
import { HMAC_HEADER_NAME } from '../security/index.js';
import { DecodeError } from '../errors.js';
import { listenUnixHttp } from './unix-http.js';

/** A command for an end device, with the server's Correlator of the upstream Exec. */
export interface DownstreamCommand extends OperationCommand {
  upstreamCorrelator?: string;
}

/** One Results item, JSON-safe (bytes as base64 with format b64). Addresses are inside the end device. */
export interface DownstreamResult {
  source?: string;
  data?: string;
  format?: string;
  type?: string;
}

/** The end device's answer to one command. */
export interface DownstreamAnswer {
  status: number;
  reason?: string;
  results?: DownstreamResult[];
}

/** Work for one end device. */
export interface DownstreamJob {
  id: string;
  node: string;
  commands: DownstreamCommand[];
  state: 'queued' | 'sent' | 'done';
  answers: (DownstreamAnswer | null)[];
  /** Indexes of the commands sent to the end device (an Exec already run is answered from the record instead). */
  send: number[];
  /** The gateway answered 202 upstream: it owes the server the result (by Generic Alert). */
  detached: boolean;
  /** Epoch ms after which a job still waiting ends with 408. */
  expiresAt: number;
}

/** What the gateway holds per proxy-mode end device. */
export interface DownstreamDevice {
  node: string;
  localId: string;
  /** Client credentials the gateway provisioned (md5). */
  secret: string;
  clientNonce: string;
  serverNonce: string;
  /** Unix socket the VM's client reaches the gateway on. */
  socketPath: string;
}

/** A Generic Alert an end device raised (addresses inside the end device). */
export interface EndDeviceAlert {
  type?: string;
  format?: string;
  mark?: string;
  data?: string;
  sourceUri?: string;
  /** Upstream Correlator when the alert completes a proxied Exec. */
  correlator?: string;
}

/** What the hub tells the gateway. */
export type DownstreamEvent =
  | { event: 'job-done'; job: DownstreamJob }
  | { event: 'alert'; node: string; alert: EndDeviceAlert }
  | { event: 'contact'; node: string }
  | { event: 'refused'; node: string; reason: string }
  | { event: 'session-end'; node: string; state: string; reason?: string };

interface LiveSession {
  token: string;
  node: string;
  engine: ServerSession;
  jobIds: string[];
  lastActivity: number;
}

/** A downstream session with no message for this long is over (the VM went away mid-session). */
const SESSION_IDLE_MS = 30_000;

/** Options of {@link DownstreamHub.open}. */
export interface DownstreamHubOptions {
  stateFile: string;
  serverId: string;
  /** Deliver a package #0 to a VM (over its channel); false when the VM cannot be reached. */
  deliver(node: string, package0: Uint8Array): boolean;
  onEvent(e: DownstreamEvent): void;
  /** How long a job may wait for its end device. Default 10 min. */
  jobTtlMs?: number;
}

const SERVER_URI = 'http://gateway/dm';
const MAX_MESSAGE = 4 * 1024 * 1024;

/** See the module comment. */
export class DownstreamHub {
  /** Devices and Exec records; jobs live in {@link jobs} and are written with them. */
  private state: { devices: Record<string, DownstreamDevice>; execDone: Record<string, DownstreamAnswer> } = { devices: {}, execDone: {} };
  private readonly jobs = new Map<string, DownstreamJob>();
  /** Job ids by end device. */
  private readonly nodeJobs = new Map<string, Set<string>>();
  /** Jobs handed to a live session. */
  private readonly claimed = new Set<string>();
  /** Live sessions per end device. */
  private readonly liveNodes = new Map<string, number>();
  private readonly sessions = new Map<string, LiveSession>();
  private readonly listeners = new Map<string, () => Promise<void>>();
  private saving: Promise<void> = Promise.resolve();
  private sweeper: NodeJS.Timeout | undefined;
  private seq = 0;

  private constructor(private readonly options: DownstreamHubOptions) {}

  /** Load the persisted state and recover from a restart (see the module comment). */
  static async open(options: DownstreamHubOptions): Promise<DownstreamHub> {
    const hub = new DownstreamHub(options);
    const text = await readFile(options.stateFile, 'utf8').catch(() => undefined);
    if (text) hub.replay(text);
    const recovered: DownstreamJob[] = [];
    for (const job of hub.jobs.values()) {
      if (job.state === 'sent') {
        job.answers = job.answers.map((a) => a ?? { status: 500, reason: 'the gateway restarted while the end device ran this command; its outcome is unknown and it is not run again' });
        // The server may send the Exec again (its session died with the gateway): it gets this answer, not a second run.
        job.commands.forEach((c, i) => { if (c.verb === 'Exec' && c.upstreamCorrelator) hub.state.execDone[c.upstreamCorrelator] = job.answers[i]!; });
        job.state = 'done';
        recovered.push(job);
      }
    }
    // Jobs no one is owed are the server's to resend.
    for (const j of [...hub.jobs.values()]) if (j.state === 'queued' && !j.detached) hub.removeJob(j);
    for (const job of recovered) hub.finish(job);
    await hub.compact();
    hub.sweeper = setInterval(() => hub.sweep(), 1000);
    hub.sweeper.unref();
    return hub;
  }

  // Jobs are indexed by id and by end device: with a thousand end devices in flight, a scan per event adds up.
  private job(id: string): DownstreamJob | undefined {
    return this.jobs.get(id);
  }

  private addJob(job: DownstreamJob): void {
    this.dirtyJobs.add(job.id);
    this.jobs.set(job.id, job);
    let set = this.nodeJobs.get(job.node);
    if (!set) this.nodeJobs.set(job.node, (set = new Set()));
    set.add(job.id);
  }

  private removeJob(job: DownstreamJob): void {
    this.dirtyJobs.add(job.id);
    this.jobs.delete(job.id);
    this.nodeJobs.get(job.node)?.delete(job.id);
  }

  private jobsOf(node: string): DownstreamJob[] {
    return [...(this.nodeJobs.get(node) ?? [])].map((id) => this.jobs.get(id)!).filter(Boolean);
  }

  /** The persisted end device, if any. */
  device(node: string): DownstreamDevice | undefined {
    return this.state.devices[node];
  }

  /** Register (or re-register) an end device and listen on its socket. */
  async addDevice(d: Omit<DownstreamDevice, 'clientNonce' | 'serverNonce'> & Partial<Pick<DownstreamDevice, 'clientNonce' | 'serverNonce'>>): Promise<void> {
    const prev = this.state.devices[d.node];
    this.state.devices[d.node] = { clientNonce: prev?.clientNonce ?? '', serverNonce: prev?.serverNonce ?? '', ...d };
    this.dirtyDevices.add(d.node);
    await this.save();
    await this.listen(d.node);
  }

  /** Listen on a known device's socket (after a restart). */
  async listen(node: string): Promise<void> {
    const d = this.state.devices[node];
    if (!d || this.listeners.has(node)) return;
    await mkdir(dirname(d.socketPath), { recursive: true });
    this.listeners.set(node, await listenUnixHttp(d.socketPath, (req, res) => { void this.handle(node, req, res); }));
  }

  /** Forget an end device: stop listening, drop its jobs. */
  async removeDevice(node: string): Promise<void> {
    await this.listeners.get(node)?.();
    this.listeners.delete(node);
    delete this.state.devices[node];
    this.dirtyDevices.add(node);
    for (const j of this.jobsOf(node)) this.removeJob(j);
    await this.save();
  }

  /** Jobs of a device not yet final. */
  pending(node: string): DownstreamJob[] {
    return this.jobsOf(node).filter((j) => j.state !== 'done');
  }

  /**
   * Queue commands for an end device and have it open a session. An Exec
   * whose upstream Correlator already ran is answered from the record.
   */
  async submit(node: string, commands: DownstreamCommand[]): Promise<DownstreamJob> {
    const job: DownstreamJob = {
      id: `${Date.now().toString(36)}${(this.seq++).toString(36)}${randomBytes(3).toString('hex')}`,
      node, commands, state: 'queued', answers: commands.map(() => null), send: [], detached: false,
      expiresAt: Date.now() + (this.options.jobTtlMs ?? 600_000),
    };
    commands.forEach((c, i) => {
      const done = c.upstreamCorrelator ? this.state.execDone[c.upstreamCorrelator] : undefined;
      if (done) job.answers[i] = done;
      else job.send.push(i);
    });
    if (job.answers.every((a) => a !== null)) {
      job.state = 'done';
      return job;
    }
    this.addJob(job);
    await this.save();
    this.kick(node);
    return job;
  }

  /** The gateway answered 202 upstream for this job: it now owes the result. */
  async detach(jobId: string): Promise<void> {
    const job = this.job(jobId);
    if (!job) return;
    job.detached = true;
    this.dirtyJobs.add(job.id);
    await this.save();
  }

  /** Give up a job nothing was sent of (its upstream answer went out without it). */
  async abandon(jobId: string): Promise<boolean> {
    const job = this.job(jobId);
    if (!job || job.state !== 'queued') return false;
    this.removeJob(job);
    await this.save();
    return true;
  }

  /** Ask the device for a session when it has work and none is open. */
  kick(node: string): void {
    const d = this.state.devices[node];
    if (!d || (this.liveNodes.get(node) ?? 0) > 0) return;
    if (!this.pending(node).some((j) => j.state === 'queued')) return;
    const sessionId = 1 + (randomBytes(2).readUInt16BE(0) % 0xffff);
    const pkg = encodePackage0({ uiMode: 0, initiator: 1, sessionId, serverId: this.options.serverId }, { serverPassword: '', nonce: Buffer.from(d.serverNonce, 'base64') });
    this.options.deliver(node, pkg);
  }

  /** Stop listening and write the state. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const stop of this.listeners.values()) await stop();
    this.listeners.clear();
    await this.save();
  }

  // ───────────── sessions ─────────────

  private async handle(node: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const d = this.state.devices[node];
      if (!d || req.method !== 'POST') { res.writeHead(d ? 405 : 404).end(); return; }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size > MAX_MESSAGE) { res.writeHead(413).end(); return; }
        chunks.push(c as Buffer);
      }
      const body = new Uint8Array(Buffer.concat(chunks));
      let msg: SyncMLMessage;
      let encoding: 'xml' | 'wbxml';
      try {
        encoding = classifyDmContentType(String(req.headers['content-type'] ?? '')).encoding;
        msg = decodeMessage(body, encoding);
      } catch (e) {
        if (e instanceof DecodeError) { res.writeHead(400, { 'content-type': 'text/plain' }).end(`${e.message}\n`); return; }
        throw e;
      }
      if (msg.header.source.locURI !== d.localId) {
        this.options.onEvent({ event: 'refused', node, reason: `a message on ${node}'s channel claims DevId ${JSON.stringify(msg.header.source.locURI)} (expected ${JSON.stringify(d.localId)})` });
        res.writeHead(403, { 'content-type': 'text/plain' }).end('identity is bound to the channel\n');
        return;
      }
      const token = new URL(req.url ?? '/', 'http://gateway').searchParams.get('s');
      let live = token ? this.sessions.get(token) : undefined;
      if (live && live.node !== node) live = undefined;
      if (!live) {
        this.options.onEvent({ event: 'contact', node });
        live = this.openSession(d);
      }
      live.lastActivity = Date.now();
      const hmac = req.headers[HMAC_HEADER_NAME];
      const out = live.engine.receive(msg, body, { encoding, ...(typeof hmac === 'string' ? { hmacHeader: hmac } : {}) });
      await this.drain(live, d);
      if (live.engine.done) await this.endSession(live);
      const headers: http.OutgoingHttpHeaders = { 'content-type': dmMediaTypeFor(encoding), 'content-length': out.bytes.length };
      if (out.hmacHeader) headers[HMAC_HEADER_NAME] = out.hmacHeader;
      res.writeHead(200, headers).end(out.bytes);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(e as Error).message}\n`);
    }
  }

  private openSession(d: DownstreamDevice): LiveSession {
    const token = randomBytes(12).toString('base64url');
    const jobs = this.jobsOf(d.node).filter((j) => j.state === 'queued' && !this.claimed.has(j.id));
    for (const j of jobs) this.claimed.add(j.id);
    this.liveNodes.set(d.node, (this.liveNodes.get(d.node) ?? 0) + 1);
    const engine = new ServerSession({
      serverUri: SERVER_URI,
      serverId: this.options.serverId,
      device: {
        devId: d.localId,
        client: { scheme: 'md5', name: d.localId, secret: d.secret, nonce: Buffer.from(d.clientNonce, 'base64') },
        server: { scheme: 'none', name: '', secret: '', nonce: Buffer.from(d.serverNonce, 'base64') },
      },
      operations: jobs.map((j) => ({
        id: j.id,
        commands: j.send.map((i) => { const { upstreamCorrelator: _u, ...c } = j.commands[i]; return c; }),
      })),
      respURI: `${SERVER_URI}?s=${token}`,
    });
    const live: LiveSession = { token, node: d.node, engine, jobIds: jobs.map((j) => j.id), lastActivity: Date.now() };
    this.sessions.set(token, live);
    return live;
  }

  private async drain(live: LiveSession, d: DownstreamDevice): Promise<void> {
    let changed = false;
    for (let e: ServerSessionEvent | undefined = live.engine.pollEvent(); e; e = live.engine.pollEvent()) {
      switch (e.type) {
        case 'client-nonce': d.clientNonce = Buffer.from(e.nonce).toString('base64'); this.dirtyDevices.add(d.node); changed = true; break;
        case 'server-nonce': d.serverNonce = Buffer.from(e.nonce).toString('base64'); this.dirtyDevices.add(d.node); changed = true; break;
        case 'command-sent': {
          const job = this.job(e.operationId);
          if (job && job.state === 'queued') { job.state = 'sent'; this.dirtyJobs.add(job.id); changed = true; }
          break;
        }
        case 'command-result': {
          const job = this.job(e.operationId);
          const index = job?.send[e.index];
          if (!job || index === undefined) break;
          const prev = job.answers[index];
          const answer: DownstreamAnswer = prev && e.results ? { ...prev } : { status: e.status };
          if (e.results) answer.results = [...(prev?.results ?? []), ...e.results.map(toResult)];
          job.answers[index] = answer;
          const cmd = job.commands[index];
          if (cmd?.verb === 'Exec' && cmd.upstreamCorrelator) { this.state.execDone[cmd.upstreamCorrelator] = answer; this.dirtyExec.add(cmd.upstreamCorrelator); }
          this.dirtyJobs.add(job.id);
          changed = true;
          // A Get is complete with its Results; other commands with their Status.
          if (job.answers.every((a, i) => a !== null && (job.commands[i].verb !== 'Get' || a.status !== 200 || a.results !== undefined))) {
            job.state = 'done';
            this.finish(job);
          }
          break;
        }
        case 'generic-alert': {
          for (const it of e.items) {
            const alert: EndDeviceAlert = {};
            if (it.meta?.type) alert.type = it.meta.type;
            if (it.meta?.format) alert.format = it.meta.format;
            if (it.meta?.mark) alert.mark = it.meta.mark;
            if (typeof it.data === 'string') alert.data = it.data;
            if (it.source?.locURI) alert.sourceUri = it.source.locURI;
            const upstream = e.correlator ? this.upstreamCorrelator(e.correlator) : undefined;
            if (upstream) alert.correlator = upstream;
            this.options.onEvent({ event: 'alert', node: live.node, alert });
          }
          break;
        }
        default:
          break;
      }
    }
    if (changed) await this.save();
  }

  /** Map a downstream Correlator (`<job>.<index>`) of this gateway's Exec back to the server's. */
  private upstreamCorrelator(correlator: string): string | undefined {
    const dot = correlator.lastIndexOf('.');
    const job = this.job(correlator.slice(0, dot));
    const index = job?.send[Number(correlator.slice(dot + 1))];
    return index === undefined ? undefined : job?.commands[index]?.upstreamCorrelator;
  }

  private async endSession(live: LiveSession): Promise<void> {
    this.sessions.delete(live.token);
    this.liveNodes.set(live.node, (this.liveNodes.get(live.node) ?? 1) - 1);
    for (const id of live.jobIds) this.claimed.delete(id);
    const result = live.engine.result;
    for (const id of live.jobIds) {
      const job = this.job(id);
      if (!job || job.state === 'done') continue;
      if (job.state === 'queued') continue;
      job.answers = job.answers.map((a) => a ?? { status: 500, reason: `the end device's session ended (${result?.state ?? 'failed'}) before it answered` });
      job.state = 'done';
      this.dirtyJobs.add(job.id);
      this.finish(job);
    }
    await this.save();
    this.options.onEvent({ event: 'session-end', node: live.node, state: result?.state ?? 'failed', ...(result?.reason ? { reason: result.reason } : {}) });
    this.kick(live.node);
  }

  /** Tell the gateway; keep done jobs only while an Exec's 202 may still be followed by its alert. */
  private finish(job: DownstreamJob): void {
    this.options.onEvent({ event: 'job-done', job });
    const keep = job.commands.some((c, i) => c.verb === 'Exec' && job.answers[i]?.status === 202);
    if (!keep) this.removeJob(job);
  }

  private sweep(): void {
    const now = Date.now();
    for (const live of [...this.sessions.values()]) if (now - live.lastActivity > SESSION_IDLE_MS) void this.endSession(live);
    let changed = false;
    for (const job of [...this.jobs.values()]) {
      if (job.state === 'done' || job.expiresAt > now) continue;
      if (this.claimed.has(job.id)) continue;
      job.answers = job.answers.map((a) => a ?? { status: 408, reason: 'the end device did not take this command before it expired' });
      job.state = 'done';
      this.dirtyJobs.add(job.id);
      this.finish(job);
      changed = true;
    }
    // An Exec kept for its later alert is dropped after the same time.
    const before = this.jobs.size;
    for (const j of [...this.jobs.values()]) if (j.state === 'done' && j.expiresAt <= now - 3_600_000) this.removeJob(j);
    if (changed || before !== this.jobs.size) void this.save();
  }

  // ───────────── persistence ─────────────
  // A journal of JSON lines (a device, a job, a job removed, an Exec answer), appended per
  // change and compacted into a snapshot at start, at close and when it grows: each write
  // is the size of what changed, not of the whole state.

  private readonly dirtyJobs = new Set<string>();
  private readonly dirtyDevices = new Set<string>();
  private readonly dirtyExec = new Set<string>();
  private journalBytes = 0;

  private replay(text: string): void {
    for (const line of text.split('\n')) {
      if (!line) continue;
      let e: JournalEntry;
      try {
        e = JSON.parse(line) as JournalEntry;
      } catch {
        continue; // a line cut by a crash mid-write
      }
      if (e.t === 'dev') this.state.devices[e.d.node] = e.d;
      else if (e.t === 'dev-') delete this.state.devices[e.node];
      else if (e.t === 'job') { this.removeJob(e.j); this.addJob(e.j); }
      else if (e.t === 'job-') { const j = this.jobs.get(e.id); if (j) this.removeJob(j); }
      else if (e.t === 'exec') this.state.execDone[e.c] = e.a;
    }
  }

  private snapshotLines(): string[] {
    return [
      ...Object.values(this.state.devices).map((d) => JSON.stringify({ t: 'dev', d })),
      ...[...this.jobs.values()].map((j) => JSON.stringify({ t: 'job', j })),
      ...Object.entries(this.state.execDone).map(([c, a]) => JSON.stringify({ t: 'exec', c, a })),
    ];
  }

  /** Rewrite the journal as a snapshot. */
  compact(): Promise<void> {
    this.saving = this.saving.then(async () => {
      this.dirtyJobs.clear(); this.dirtyDevices.clear(); this.dirtyExec.clear();
      const text = this.snapshotLines().join('\n') + '\n';
      const tmp = `${this.options.stateFile}.tmp`;
      await mkdir(dirname(this.options.stateFile), { recursive: true });
      await writeFile(tmp, text);
      await rename(tmp, this.options.stateFile);
      this.journalBytes = text.length;
    });
    return this.saving;
  }

  /** Append what changed (serialised; coalesces bursts). Resolves once it is written. */
  save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const lines: string[] = [];
      for (const id of this.dirtyJobs) {
        const j = this.jobs.get(id);
        lines.push(JSON.stringify(j ? { t: 'job', j } : { t: 'job-', id }));
      }
      for (const node of this.dirtyDevices) {
        const d = this.state.devices[node];
        lines.push(JSON.stringify(d ? { t: 'dev', d } : { t: 'dev-', node }));
      }
      for (const c of this.dirtyExec) if (this.state.execDone[c]) lines.push(JSON.stringify({ t: 'exec', c, a: this.state.execDone[c] }));
      this.dirtyJobs.clear(); this.dirtyDevices.clear(); this.dirtyExec.clear();
      if (lines.length === 0) return;
      const text = lines.join('\n') + '\n';
      await appendFile(this.options.stateFile, text); // its directory was made by compact() at open
      this.journalBytes += text.length;
    });
    if (this.journalBytes > JOURNAL_COMPACT_BYTES) return this.saving.then(() => this.compact());
    return this.saving;
  }
}

/** One journal line. */
type JournalEntry =
  | { t: 'dev'; d: DownstreamDevice }
  | { t: 'dev-'; node: string }
  | { t: 'job'; j: DownstreamJob }
  | { t: 'job-'; id: string }
  | { t: 'exec'; c: string; a: DownstreamAnswer };

/** Compact the journal past this size. */
const JOURNAL_COMPACT_BYTES = 8 * 1024 * 1024;

function toResult(it: Item): DownstreamResult {
  const r: DownstreamResult = {};
  if (it.source?.locURI) r.source = it.source.locURI;
  if (typeof it.data === 'string') r.data = it.data;
  else if (it.data instanceof Uint8Array) { r.data = Buffer.from(it.data).toString('base64'); r.format = 'b64'; }
  else if (it.data !== undefined) r.data = encodeEmbeddedXml(it.data);
  if (it.meta?.format && r.format === undefined) r.format = it.meta.format;
  if (it.meta?.type) r.type = it.meta.type;
  return r;
}
