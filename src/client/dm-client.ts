/**
 * The DM client agent: a device's (or a VM's) tree with the standard MOs, its
 * server accounts, the session engine and the transports, composed.
 *
 * - {@link DmClient.runSession} runs one session with one server over HTTP(S)
 *   until the engine says it is over, persisting nonces and the tree.
 * - {@link DmClient.listen} waits for package #0 (UDP / HTTP), checks it with
 *   the {@link NotificationGate} and starts the session it asks for.
 *
 * All state lives in the tree (DMAcc holds accounts and nonces), saved to a
 * {@link TreeStore} after every session: a restarted client resumes with the
 * same accounts, nonces and undelivered Generic Alerts.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { mkdir, readFile } from 'node:fs/promises';
import { DmTree } from '../tree/dm-tree.js';
import { FileTreeStore } from '../tree/file-store.js';
import { loadTree, type TreeStore } from '../tree/store.js';
import type { GenericAlert as TreeGenericAlert } from '../tree/hooks.js';
import { childUri } from '../tree/uri.js';
import { addDmAccount, createStandardTree, listDmAccounts, moResolver, type DmAccount, type DmAccountEntry } from '../mo/index.js';
import { ClientSession, type ClientSessionResult, type GenericAlert } from '../session/client-session.js';
import type { AuthScheme, ClientAccount } from '../session/client-account.js';
import type { UiHandler } from '../session/command-executor.js';
import type { ManagementTree } from '../tree/management-tree.js';
import { NotificationGate } from '../session/notification-gate.js';
import { DmHttpClient, type DmHttpClientOptions } from '../transport/http-client.js';
import { NotificationListener, type NotificationOrigin } from '../transport/notification-listener.js';
import { TransportError } from '../transport/transport-error.js';
import type { DeviceConfig, ConfigAccount, ConfigAuth } from './device-config.js';
import { decodeBase64 } from '../security/index.js';
import { DmvisorError } from '../errors.js';
import { applyBootstrap, bootstrapProfileOf, type BootstrapDocument, type BootstrapOutcome } from '../bootstrap/apply.js';
import { accountAcl } from '../bootstrap/dm-profile.js';
import { parseSecMethod, type BootstrapSecrets } from '../bootstrap/security.js';
import { cardDocuments, type CardContents } from '../bootstrap/virtual-card.js';
import { guessBootstrapType } from '../bootstrap/content-type.js';
import { BootstrapLedger } from './bootstrap-ledger.js';
import { openSmartCard, type SmartCard } from './smartcard.js';
import type { PushedBootstrap } from '../transport/notification-listener.js';
import { createHash } from 'node:crypto';

/** Something worth telling an operator (the CLI prints these). */
export type DmClientLogEvent =
  | { event: 'session-start'; serverId: string; initiator: 'client' | 'server'; sessionId: string }
  | { event: 'session-end'; serverId: string; sessionId: string; result: ClientSessionResult }
  | { event: 'notification-rejected'; reason: string; origin?: NotificationOrigin }
  | { event: 'notification-accepted'; serverId: string; sessionId: string }
  | { event: 'listening'; udpPort?: number; httpPort?: number }
  | { event: 'bootstrap-applied'; origin: string; profile: 'dm' | 'cp'; serverIds: string[] }
  | { event: 'bootstrap-skipped'; origin: string; reason: string }
  | { event: 'bootstrap-refused'; origin: string; reason: string }
  | { event: 'bootstrap-removed'; origin: string; serverIds: string[] };

/** Options of {@link DmClient.open}. */
export interface DmClientOptions {
  config: DeviceConfig;
  /** Where the tree persists. Default: a file store in `config.stateDir`. */
  store?: TreeStore;
  http?: DmHttpClientOptions;
  ui?: UiHandler;
  log?: (e: DmClientLogEvent) => void;
  now?: () => number;
  /** The smartcard slot; default from `config.bootstrap.smartcard`; null for none. */
  smartcard?: SmartCard | null;
}

/** A session run because a bootstrap gave the client a new server. */
export interface FollowUpSession {
  serverId: string;
  result: ClientSessionResult;
}

/**
 * A role layered on the client's sessions (the GwMO gateway): the tree the
 * session engine runs commands on, and an asynchronous step before each
 * server message is handed to the engine (where the gateway runs proxied
 * commands downstream).
 */
export interface SessionHooks {
  tree: ManagementTree;
  beforeReceive(body: Uint8Array, encoding: 'xml' | 'wbxml', serverId: string): Promise<void>;
}

/** Map DMAcc AAuthType names to session schemes. */
function schemeOf(type: string | undefined): AuthScheme {
  switch ((type ?? '').toUpperCase()) {
    case 'BASIC': return 'basic';
    case 'DIGEST': return 'md5';
    case 'HMAC': return 'hmac';
    default: return 'none';
  }
}

const CONFIG_TYPE: Record<ConfigAuth['type'], string> = { NONE: 'TRANSPORT', BASIC: 'BASIC', DIGEST: 'DIGEST', HMAC: 'HMAC' };

/** The DMAcc form of a configured account. */
function toDmAccount(a: ConfigAccount): DmAccount {
  const auth = [
    { level: 'CLCRED' as const, type: CONFIG_TYPE[a.clientAuth.type], name: a.clientAuth.name, secret: a.clientAuth.secret, data: a.clientAuth.nonce ? decodeBase64(a.clientAuth.nonce) : new Uint8Array(0) },
    { level: 'SRVCRED' as const, type: CONFIG_TYPE[a.serverAuth.type], name: a.serverAuth.name, secret: a.serverAuth.secret, data: a.serverAuth.nonce ? decodeBase64(a.serverAuth.nonce) : new Uint8Array(0) },
  ];
  return { serverId: a.serverId, ...(a.name ? { name: a.name } : {}), addresses: [{ addr: a.serverUri, addrType: 'URI' }], authPref: CONFIG_TYPE[a.clientAuth.type], auth };
}

/** A DM client agent. */
export class DmClient {
  private readonly http: DmHttpClient;
  private listener: NotificationListener | undefined;
  private readonly gate: NotificationGate;
  private readonly encodings = new Map<string, 'xml' | 'wbxml'>();
  private readonly pending = new Map<string, GenericAlert[]>();
  private running: Promise<unknown> = Promise.resolve();
  private hooks: SessionHooks | undefined;
  private ledger!: BootstrapLedger;
  private card: SmartCard | undefined;
  private stopCardWatch: (() => void) | undefined;
  /** Servers a bootstrap added that the client has not contacted yet. */
  private readonly newServers: string[] = [];
  /** Sessions run with newly bootstrapped servers, in order. */
  readonly followUps: FollowUpSession[] = [];

  private constructor(readonly tree: DmTree, private readonly store: TreeStore, private readonly options: DmClientOptions, tls: Pick<DmHttpClientOptions, 'ca' | 'cert' | 'key'>) {
    this.http = new DmHttpClient({ timeoutMs: options.config.session.timeoutMs, retries: options.config.session.retries, ...tls, ...options.http });
    for (const a of options.config.accounts) this.encodings.set(a.serverId, a.encoding);
    const n = options.config.notifications;
    this.gate = new NotificationGate((id) => this.account(id), { allowNonceResync: n?.allowNonceResync ?? false, resetNonce: n?.resetNonce ?? 'zero-bytes' });
  }

  /** Load the tree from the store (or build it from the config the first time) and add configured accounts it lacks. */
  static async open(options: DmClientOptions): Promise<DmClient> {
    const { config } = options;
    let store = options.store;
    if (!store) {
      await mkdir(config.stateDir, { recursive: true });
      store = new FileTreeStore(join(config.stateDir, 'tree.json'));
    }
    const treeOptions = { resolveMo: moResolver(), ...(options.now ? { now: options.now } : {}) };
    const loaded = await loadTree(store, treeOptions);
    const d = config.device;
    const tree = createStandardTree({
      ...treeOptions,
      devInfo: { devId: d.devId, man: d.man, mod: d.mod, dmV: d.dmV, lang: d.lang },
      devDetail: { devTyp: d.devTyp, oem: d.oem, fwV: d.fwV, swV: d.swV, hwV: d.hwV, lrgObj: d.lrgObj },
    }, loaded);
    const existing = new Set(listDmAccounts(tree).map((a) => a.serverId));
    for (const a of config.accounts) {
      if (existing.has(a.serverId)) continue;
      addDmAccount(tree, a.node ?? a.serverId.replace(/[^A-Za-z0-9._~-]/g, '_'), toDmAccount(a));
    }
    const tls: Pick<DmHttpClientOptions, 'ca' | 'cert' | 'key'> = {};
    if (config.tls?.caFile) tls.ca = await readFile(config.tls.caFile);
    if (config.tls?.certFile) tls.cert = await readFile(config.tls.certFile);
    if (config.tls?.keyFile) tls.key = await readFile(config.tls.keyFile);
    const client = new DmClient(tree, store, options, tls);
    client.ledger = await BootstrapLedger.load(options.store ? undefined : config.stateDir);
    await client.bootstrapAtStart();
    await store.save(tree.snapshot());
    return client;
  }

  /** Layer a role on the sessions (see {@link SessionHooks}). */
  setSessionHooks(hooks: SessionHooks | undefined): void {
    this.hooks = hooks;
  }

  // ── bootstrap ────────────────────────────────────────────────────────────

  /** Customized bootstrap (documents of the image) and the smartcard, at start. */
  private async bootstrapAtStart(): Promise<void> {
    const b = this.options.config.bootstrap;
    if (b?.server) this.grantBootstrapServer(b.server);
    for (const d of b?.documents ?? []) {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(d.file));
      } catch (e) {
        this.options.log?.({ event: 'bootstrap-refused', origin: 'image', reason: `cannot read ${d.file}: ${(e as Error).message}` });
        continue;
      }
      const doc: BootstrapDocument = { bytes, contentType: d.contentType ?? guessBootstrapType(bytes), ...(d.sec ? { sec: d.sec } : {}), ...(d.mac ? { mac: d.mac } : {}) };
      await this.applyFrom('image', doc, this.secrets({ ...(d.pin ? { pin: d.pin } : {}), ...(d.imsi ? { imsi: d.imsi } : {}) }), false);
    }
    const cardConfig = b?.smartcard;
    this.card = this.options.smartcard === null ? undefined : this.options.smartcard ?? (cardConfig ? openSmartCard(cardConfig) : undefined);
    await this.checkCard();
  }

  private secrets(over: BootstrapSecrets = {}): BootstrapSecrets {
    const b = this.options.config.bootstrap;
    return {
      ...(b?.pin ? { pin: b.pin } : {}), ...(b?.imsi ? { imsi: b.imsi } : {}), ...(b?.userNetwPinKey ? { userNetwPinKey: b.userNetwPinKey } : {}), ...over,
    };
  }

  /** Apply one bootstrap unless this origin already applied it; refusals are logged, the tree stays as it was. */
  private async applyFrom(origin: string, doc: BootstrapDocument, secrets: BootstrapSecrets, requireSecurity: boolean): Promise<BootstrapOutcome | undefined> {
    const digest = createHash('sha256').update(doc.bytes).digest('hex');
    if (this.ledger.has(digest, origin)) {
      this.options.log?.({ event: 'bootstrap-skipped', origin, reason: 'already applied' });
      return undefined;
    }
    let out: BootstrapOutcome;
    try {
      out = applyBootstrap(this.tree, doc, {
        secrets, requireSecurity, allowOverwrite: this.options.config.bootstrap?.allowOverwrite ?? false, deviceId: this.options.config.device.devId,
        treeOptions: { resolveMo: moResolver() },
      });
    } catch (e) {
      if (!(e instanceof DmvisorError)) throw e;
      this.options.log?.({ event: 'bootstrap-refused', origin, reason: `${e.message} [${e.code}]` });
      return undefined;
    }
    const serverIds = out.accounts.map((a) => a.serverId);
    this.ledger.add({ digest, origin, serverIds, at: new Date((this.options.now ?? Date.now)()).toISOString() });
    await this.ledger.save();
    await this.store.save(this.tree.snapshot());
    for (const id of serverIds) if (!this.newServers.includes(id)) this.newServers.push(id);
    this.options.log?.({ event: 'bootstrap-applied', origin, profile: out.profile, serverIds });
    return out;
  }

  /** Read the card: drop accounts of cards no longer present, apply the present card's bootstrap. */
  private async checkCard(): Promise<void> {
    if (!this.card) return;
    let card: CardContents | undefined;
    try {
      card = await this.card.read();
    } catch (e) {
      if (!(e instanceof DmvisorError)) throw e;
      this.options.log?.({ event: 'bootstrap-refused', origin: 'card', reason: e.message });
      return;
    }
    const origin = card ? `card:${card.cardId}` : undefined;
    for (const gone of this.ledger.remove((e) => e.origin.startsWith('card:') && e.origin !== origin)) {
      const accounts = listDmAccounts(this.tree);
      for (const id of gone.serverIds) {
        const a = accounts.find((x) => x.serverId === id);
        if (a) this.tree.deleteNode(childUri('./DMAcc', a.node));
      }
      this.options.log?.({ event: 'bootstrap-removed', origin: gone.origin, serverIds: gone.serverIds });
    }
    await this.ledger.save();
    if (card && origin) {
      for (const doc of cardDocuments(card)) await this.applyFrom(origin, doc, this.secrets(card.imsi ? { imsi: card.imsi } : {}), false);
    }
    await this.store.save(this.tree.snapshot());
  }

  /** Let the bootstrap server Add accounts under ./DMAcc (client-initiated bootstrap). */
  private grantBootstrapServer(serverId: string): void {
    if (!this.tree.exists('./DMAcc')) return;
    const parts = this.tree.info('./DMAcc').acl.split('&').filter((p) => p !== '');
    const i = parts.findIndex((p) => p.startsWith('Add='));
    if (i < 0) parts.push(`Add=${serverId}`);
    else if (!parts[i].slice(4).split('+').includes(serverId) && parts[i] !== 'Add=*') parts[i] += `+${serverId}`;
    this.tree.setAcl('./DMAcc', parts.join('&'));
  }

  /** A bootstrap pushed to the listener (server-initiated): SEC/MAC required. */
  private async onPushedBootstrap(push: PushedBootstrap): Promise<void> {
    let doc: BootstrapDocument;
    try {
      bootstrapProfileOf(push.contentType);
      doc = { bytes: push.bytes, contentType: push.contentType, ...(push.sec !== undefined ? { sec: parseSecMethod(push.sec) } : {}), ...(push.mac !== undefined ? { mac: push.mac } : {}) };
    } catch (e) {
      if (!(e instanceof DmvisorError)) throw e;
      this.options.log?.({ event: 'bootstrap-refused', origin: 'push', reason: e.message });
      return;
    }
    // Serialised with sessions: the tree is never changed under a running session.
    const run = this.running.then(async () => {
      const out = await this.applyFrom('push', doc, this.secrets(), true);
      if (out) await this.drainNewServers();
    });
    this.running = run.catch(() => undefined);
    await run;
  }

  /** Run a first session with every server a bootstrap added and the client has not contacted yet. */
  contactNewServers(): Promise<FollowUpSession[]> {
    const before = this.followUps.length;
    const run = this.running.then(async () => { await this.drainNewServers(); return this.followUps.slice(before); });
    this.running = run.catch(() => undefined);
    return run;
  }

  private async drainNewServers(): Promise<void> {
    while (this.newServers.length) {
      const serverId = this.newServers.shift()!;
      if (!this.account(serverId)) continue;
      const result = await this.session({ serverId });
      this.followUps.push({ serverId, result });
    }
  }

  /** Accounts a server session added (client-initiated bootstrap): standard ACL, ledger entry, first contact queued. */
  private adoptAccounts(serverId: string, before: ReadonlySet<string>): void {
    const added = listDmAccounts(this.tree).filter((a) => !before.has(a.serverId) && a.serverId !== '');
    if (added.length === 0) return;
    for (const a of added) this.tree.setAcl(childUri('./DMAcc', a.node), accountAcl(a.serverId));
    this.ledger.add({ digest: '', origin: `server:${serverId}`, serverIds: added.map((a) => a.serverId), at: new Date((this.options.now ?? Date.now)()).toISOString() });
    for (const a of added) if (!this.newServers.includes(a.serverId)) this.newServers.push(a.serverId);
    this.options.log?.({ event: 'bootstrap-applied', origin: `server:${serverId}`, profile: 'dm', serverIds: added.map((a) => a.serverId) });
  }

  /** The first account that is not the bootstrap server's (or the first account). */
  private defaultServerId(): string | undefined {
    const ids = listDmAccounts(this.tree).map((a) => a.serverId);
    return ids.find((id) => id !== this.options.config.bootstrap?.server) ?? ids[0];
  }

  /** The accounts in the tree, as sessions use them. */
  accounts(): ClientAccount[] {
    return listDmAccounts(this.tree).map((e) => this.toClientAccount(e));
  }

  /** The account of a server id. */
  account(serverId: string): ClientAccount | undefined {
    const e = listDmAccounts(this.tree).find((a) => a.serverId === serverId);
    return e ? this.toClientAccount(e) : undefined;
  }

  private toClientAccount(e: DmAccountEntry): ClientAccount {
    const cl = e.auth?.find((a) => a.level === 'CLCRED');
    const sv = e.auth?.find((a) => a.level === 'SRVCRED');
    const pref = schemeOf(e.authPref);
    return {
      serverId: e.serverId,
      serverUri: e.addresses[0]?.addr ?? '',
      encoding: this.encodings.get(e.serverId) ?? 'xml',
      client: { scheme: pref !== 'none' ? pref : schemeOf(cl?.type), name: cl?.name ?? '', secret: cl?.secret ?? '', nonce: cl?.data ?? new Uint8Array(0) },
      server: { scheme: schemeOf(sv?.type), name: sv?.name ?? '', secret: sv?.secret ?? '', nonce: sv?.data ?? new Uint8Array(0) },
    };
  }

  /** Write a nonce back to the account's AppAuth entry of the given level. */
  private storeNonce(serverId: string, level: 'CLCRED' | 'SRVCRED', nonce: Uint8Array): void {
    const entry = listDmAccounts(this.tree).find((a) => a.serverId === serverId);
    if (!entry) return;
    const base = childUri(childUri('./DMAcc', entry.node), 'AppAuth');
    if (!this.tree.exists(base)) return;
    for (const x of this.tree.childNames(base)) {
      const node = childUri(base, x);
      const lv = this.tree.exists(`${node}/AAuthLevel`) ? this.tree.readValue(`${node}/AAuthLevel`) : undefined;
      if (lv !== level) continue;
      const uri = `${node}/AAuthData`;
      if (this.tree.exists(uri)) this.tree.setValue(uri, nonce, { format: 'bin' });
      else this.tree.createNode(uri, { format: 'bin', value: nonce });
    }
  }

  /**
   * Run one session with `serverId` (default: the first account). Sessions are
   * serialised: a notification arriving during a session waits for it.
   */
  runSession(request: { serverId?: string; initiator?: 'client' | 'server'; sessionId?: string } = {}): Promise<ClientSessionResult> {
    const run = this.running.then(async () => {
      const before = new Set(listDmAccounts(this.tree).map((a) => a.serverId));
      const result = await this.session(request);
      const serverId = request.serverId ?? this.defaultServerId();
      if (serverId !== undefined) this.adoptAccounts(serverId, before);
      if (this.newServers.length) {
        await this.ledger.save();
        await this.drainNewServers();
      }
      return result;
    });
    this.running = run.catch(() => undefined);
    return run;
  }

  private async session(request: { serverId?: string; initiator?: 'client' | 'server'; sessionId?: string }): Promise<ClientSessionResult> {
    const serverId = request.serverId ?? this.defaultServerId();
    const account = serverId === undefined ? undefined : this.account(serverId);
    if (!account || serverId === undefined) throw new DmvisorError(`no account for server ${JSON.stringify(request.serverId)}`, 'DMV_ERR_NO_ACCOUNT', 404);
    const sessionId = request.sessionId ?? (randomBytes(2).readUInt16BE(0) % 0xfffe + 1).toString(16).toUpperCase();
    const initiator = request.initiator ?? 'client';
    const d = this.options.config.device;
    const alerts = [...(this.pending.get(serverId) ?? []), ...this.takeTreeAlerts(serverId)];
    this.pending.delete(serverId);
    const hooks = this.hooks;
    const session = new ClientSession({
      tree: hooks?.tree ?? this.tree,
      account,
      deviceId: d.devId,
      devInfo: [
        { uri: './DevInfo/DevId', value: d.devId }, { uri: './DevInfo/Man', value: d.man }, { uri: './DevInfo/Mod', value: d.mod },
        { uri: './DevInfo/DmV', value: d.dmV }, { uri: './DevInfo/Lang', value: d.lang },
      ],
      sessionId,
      initiator,
      maxMsgSize: this.options.config.session.maxMsgSize,
      maxObjSize: this.options.config.session.maxObjSize,
      genericAlerts: alerts,
      pollGenericAlerts: () => this.takeTreeAlerts(serverId),
      ...(this.options.ui ? { ui: this.options.ui } : {}),
    });
    this.options.log?.({ event: 'session-start', serverId, initiator, sessionId });
    let result: ClientSessionResult;
    const now = this.options.now ?? Date.now;
    const deadline = now() + this.options.config.session.sessionTimeoutMs;
    try {
      let out = session.start();
      for (;;) {
        this.drainEvents(session, serverId);
        if (now() > deadline) throw new TransportError('timeout', `session not finished within ${this.options.config.session.sessionTimeoutMs} ms`);
        const answer = await this.http.exchange({ url: out.url, body: out.bytes, contentType: out.contentType, ...(out.hmacHeader ? { hmacHeader: out.hmacHeader } : {}) });
        if (hooks) await hooks.beforeReceive(answer.body, answer.encoding, serverId);
        const next = session.receive(answer.body, { encoding: answer.encoding, ...(answer.hmacHeader ? { hmacHeader: answer.hmacHeader } : {}) });
        this.drainEvents(session, serverId);
        if (next === null) break;
        out = next;
      }
      result = session.result!;
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      result = { state: 'failed', reason: e.message, undeliveredAlerts: alerts, messagesSent: 0, messagesReceived: 0 };
    }
    if (result.undeliveredAlerts.length) this.pending.set(serverId, result.undeliveredAlerts);
    await this.store.save(this.tree.snapshot());
    this.options.log?.({ event: 'session-end', serverId, sessionId, result });
    return result;
  }

  private drainEvents(session: ClientSession, serverId: string): void {
    for (let e = session.pollEvent(); e; e = session.pollEvent()) {
      if (e.type === 'client-nonce') this.storeNonce(serverId, 'CLCRED', e.nonce);
      else if (e.type === 'server-nonce') this.storeNonce(serverId, 'SRVCRED', e.nonce);
    }
  }

  /** Generic Alerts the tree's MOs queued for this server (or for any server). */
  private takeTreeAlerts(serverId: string): GenericAlert[] {
    const all = this.tree.takeGenericAlerts();
    const mine: GenericAlert[] = [];
    for (const a of all) {
      if (a.serverId !== undefined && a.serverId !== serverId) { this.tree.queueGenericAlert(a); continue; }
      mine.push(toSessionAlert(a));
    }
    return mine;
  }

  /** Listen for notifications; each accepted one starts a server-initiated session. */
  async listen(): Promise<{ udpPort?: number; httpPort?: number }> {
    const n = this.options.config.notifications;
    if (!n) throw new DmvisorError('the config has no "notifications" section', 'DMV_ERR_CONFIG', 400);
    this.listener = new NotificationListener((bytes, origin) => { this.acceptNotification(bytes, origin); }, {
      host: n.host,
      ...(n.udpPort !== undefined ? { udpPort: n.udpPort } : {}),
      ...(n.httpPort !== undefined ? { httpPort: n.httpPort } : {}),
      onReject: (reason, origin) => this.options.log?.({ event: 'notification-rejected', reason, origin }),
      onBootstrap: (push) => this.onPushedBootstrap(push),
    });
    if (this.card) {
      this.stopCardWatch = this.card.watch(() => {
        const run = this.running.then(async () => { await this.checkCard(); await this.drainNewServers(); });
        this.running = run.catch(() => undefined);
      });
    }
    const ports = await this.listener.start();
    this.options.log?.({ event: 'listening', ...ports });
    // Servers bootstrapped at start (image, card) are contacted now.
    void this.contactNewServers().catch(() => undefined);
    return ports;
  }

  /**
   * Judge a package #0 however it arrived (a listener, or a gateway over the
   * host↔VM channel); an accepted one starts the session it asks for.
   * Returns the rejection reason, or undefined when accepted.
   */
  acceptNotification(bytes: Uint8Array, origin?: NotificationOrigin): string | undefined {
    const now = this.options.now ?? Date.now;
    const verdict = this.gate.accept(bytes, now());
    if (verdict.kind === 'rejected') {
      this.options.log?.({ event: 'notification-rejected', reason: verdict.reason, ...(origin ? { origin } : {}) });
      return verdict.reason;
    }
    this.options.log?.({ event: 'notification-accepted', serverId: verdict.account.serverId, sessionId: verdict.sessionId });
    void this.runSession({ serverId: verdict.account.serverId, initiator: 'server', sessionId: verdict.sessionId }).catch(() => undefined);
    return undefined;
  }

  /** Wait for running sessions, stop listening, save the tree. */
  async close(): Promise<void> {
    this.stopCardWatch?.();
    await this.listener?.stop();
    await this.running;
    this.http.close();
    await this.store.save(this.tree.snapshot());
  }
}

function toSessionAlert(a: TreeGenericAlert): GenericAlert {
  const out: GenericAlert = { type: a.type, format: a.format ?? 'chr', data: a.data };
  if (a.sourceUri !== undefined) out.sourceUri = a.sourceUri;
  if (a.mark !== undefined) out.mark = a.mark;
  if (a.correlator !== undefined) out.correlator = a.correlator;
  return out;
}
