/**
 * The records the store keeps and returns (docs/store.md). Plain data: no
 * SyncML encoding, no HTTP. Times are `Date`s (kept as milliseconds since the
 * epoch in the database); binary values are `Uint8Array`s.
 */

/** How a device proves itself to us (its client credentials, DMAcc AppAuth CLCRED). */
export type ClientAuthType = 'basic' | 'md5' | 'hmac';
/** How we prove ourselves to a device (its SRVCRED); `none` when the device checks nothing. */
export type ServerAuthType = 'none' | 'basic' | 'md5' | 'hmac';

/**
 * What `secret` holds. `password`: the clear password (needed for basic, and
 * usable for md5/HMAC). `md5-hash`: `B64(MD5(name ":" password))`, which is
 * all md5 and HMAC need (facts §4.1, "servers may store only that"); not
 * allowed for basic.
 */
export type SecretKind = 'password' | 'md5-hash';

/** A device's credentials towards us. */
export interface ClientAuth {
  type: ClientAuthType;
  /** The user name the device sends (`LocName` / HMAC `username`). */
  name: string;
  secret: string;
  /** Default `password`. */
  secretKind?: SecretKind;
}

/** Our credentials towards a device. */
export interface ServerAuth {
  type: ServerAuthType;
  /** The name we send (our ServerID); the caller's default when absent. */
  name?: string;
  secret: string;
  /** Default `password`. */
  secretKind?: SecretKind;
}

/** Input of `registerDevice`. */
export interface NewDevice {
  devId: string;
  clientAuth: ClientAuth;
  serverAuth?: ServerAuth;
  /** Where package #0 goes (e.g. `udp://10.0.0.5:2948`, `http://…`); the notifier interprets it. */
  notifyAddress?: string;
  /** DevId of the host this device runs on (a VM registered by its host), if any. */
  parentDevId?: string;
  /** How the device was bootstrapped (see {@link BOOTSTRAP_METHODS}); absent for operator-registered devices. */
  bootstrapMethod?: BootstrapMethod;
}

/** The four DM bootstrap methods. */
export const BOOTSTRAP_METHODS = ['customized', 'server-initiated', 'smartcard', 'client-initiated'] as const;
/** One DM bootstrap method. */
export type BootstrapMethod = (typeof BOOTSTRAP_METHODS)[number];

/** A device as the DM server needs it: identity, credentials, nonces, what it last told us. */
export interface DeviceRecord {
  devId: string;
  parentDevId?: string;
  clientAuth: Required<ClientAuth>;
  serverAuth?: ServerAuth & { secretKind: SecretKind };
  /** The nonce we issued for the device's next md5/HMAC digest. */
  clientNonce?: Uint8Array;
  /** The nonce the device issued to us, for our next digest. */
  serverNonce?: Uint8Array;
  notifyAddress?: string;
  /** DevInfo values (`./DevInfo/*` leaf → value), as last reported in package 1. */
  devInfo?: Record<string, string>;
  /** DevDetail values, as last gathered. */
  devDetail?: Record<string, string>;
  /** Store id of the last session the device checked in with. */
  lastSessionId?: string;
  lastSeenAt?: Date;
  /** How the device was bootstrapped; with `lastSeenAt` set, its first session after the bootstrap happened. */
  bootstrapMethod?: BootstrapMethod;
  createdAt: Date;
  updatedAt: Date;
}

/** A device in a listing: no secrets, no nonces. */
export type DeviceSummary = Omit<DeviceRecord, 'clientAuth' | 'serverAuth' | 'clientNonce' | 'serverNonce' | 'devDetail'> & {
  clientAuthType: ClientAuthType;
};

/** Changes to a registered device; absent fields stay, `null` clears an optional one. */
export interface DeviceUpdate {
  clientAuth?: ClientAuth;
  serverAuth?: ServerAuth | null;
  notifyAddress?: string | null;
  parentDevId?: string | null;
  bootstrapMethod?: BootstrapMethod | null;
}

/** Input of `listDevices`: keyset pagination over DevId. */
export interface ListDevicesQuery {
  /** At most this many (default 100, max 1000). */
  limit?: number;
  /** Only DevIds after this one (the previous page's `next`). */
  after?: string;
  /** Only DevIds containing this text (case-insensitive). */
  search?: string;
  /** Only devices registered as running on this host (VMs). */
  parentDevId?: string;
}

/** One page of devices. */
export interface DevicePage {
  devices: DeviceSummary[];
  /** Pass as `after` to get the next page; absent on the last page. */
  next?: string;
}

/** What `recordCheckIn` learns at the start of a session. */
export interface CheckIn {
  devInfo?: Record<string, string>;
  devDetail?: Record<string, string>;
  sessionId: string;
  at: Date;
  /** The nonce issued to the device in this session (saves a separate {@link Store.setClientNonce}). */
  clientNonce?: Uint8Array;
}

/** One node of a device's last-known tree. */
export interface TreeNode {
  uri: string;
  value?: string;
  format?: string;
  type?: string;
  updatedAt: Date;
}

/**
 * A change to the last-known tree: upsert by `uri`, or `remove` the node and
 * everything under it. URIs are normalized to the absolute form `./A/B`, no trailing `/`.
 */
export type TreeNodeUpdate =
  | { uri: string; value?: string; format?: string; type?: string; remove?: false }
  | { uri: string; remove: true };

/** A DM command verb an operation can carry. */
export type CommandVerb = 'Get' | 'Replace' | 'Add' | 'Delete' | 'Exec' | 'Copy';

/** One DM command as an operator queues it. */
export interface OperationCommandInput {
  verb: CommandVerb;
  target: string;
  /** Copy's source URI. */
  source?: string;
  data?: string | Uint8Array;
  format?: string;
  type?: string;
}

/** Input of `createOperation`. */
export interface NewOperation {
  commands: OperationCommandInput[];
  /** Send the commands inside one Atomic. */
  atomic?: boolean;
  /** The server should push a notification (package #0) so the device connects. */
  notify?: boolean;
  /** After this the operation is not sent any more (`expireOperations` marks it expired). */
  expiresAt?: Date;
  /**
   * The caller's key for this request: creating again with the same key (for
   * the same device) returns the operation the first call created instead of
   * queueing a second one — a retry after a lost answer is safe.
   */
  idempotencyKey?: string;
}

/** State of an operation; see the table in docs/store.md. */
export type OperationState = 'pending' | 'sent' | 'accepted' | 'succeeded' | 'failed' | 'cancelled' | 'expired';

/** States an operation never leaves. */
export const FINAL_OPERATION_STATES: readonly OperationState[] = ['succeeded', 'failed', 'cancelled', 'expired'];

/** One item of a command's Results (or of the Generic Alert that finished it). */
export interface ResultItem {
  /** Source URI of the item (the node a Get read). */
  source?: string;
  data?: string | Uint8Array;
  format?: string;
  type?: string;
}

/** A stored command with what became of it. */
export interface OperationCommand extends OperationCommandInput {
  /** Position in the operation, from 0. */
  index: number;
  /** Status code the device answered (`202` while an asynchronous Exec runs). */
  status?: number;
  /** Human-readable explanation of `status`. */
  reason?: string;
  results?: ResultItem[];
  /** Correlator the command was sent with (Exec), used to match its Generic Alert. */
  correlator?: string;
  sentAt?: Date;
  answeredAt?: Date;
}

/** An operation queued for one device. */
export interface Operation {
  /** Set when `createOperation` returned an existing operation for its idempotency key. */
  replayed?: true;
  /** `op_` + 26 lowercase base32 characters (128 random bits): unguessable, not ordered. */
  id: string;
  devId: string;
  state: OperationState;
  atomic: boolean;
  notify: boolean;
  commands: OperationCommand[];
  /** Why the operation is in its state (failure summary, cancel/expiry reason). */
  reason?: string;
  /** Delivery attempts that a session left unfinished (each `releaseSession` adds one). */
  attempts: number;
  /** Store id of the session that holds (or last held) the operation. */
  sessionId?: string;
  /** Store id of the session that died holding the operation, when it was released for retry. */
  previousSessionId?: string;
  createdAt: Date;
  updatedAt: Date;
  expiresAt?: Date;
  sentAt?: Date;
  completedAt?: Date;
  notifiedAt?: Date;
}

/** What `recordCommandResult` records for one command. */
export interface CommandResult {
  status: number;
  reason?: string;
  results?: ResultItem[];
  at?: Date;
}

/** Who opened a DM session. */
export type SessionInitiator = 'client' | 'server';
/** State of a traced session. */
export type SessionState = 'open' | 'completed' | 'aborted' | 'failed';

/** Input of `startSession`. */
export interface NewSession {
  /** Store id of the session: unique across all devices and nodes (the caller makes it, e.g. random). */
  id: string;
  /** The device's DevId as it claimed it (the session is traced even if it is unknown or fails to authenticate). */
  devId: string;
  initiator: SessionInitiator;
  /** The SyncML SessionID used on the wire (short and per device, unlike `id`). */
  dmSessionId?: string;
  /** Name of the server node running the session (scale-out). */
  node?: string;
  at?: Date;
}

/** A message of a session trace. */
export interface TraceMessageInput {
  direction: 'in' | 'out';
  /** `xml`, `wbxml`, … */
  encoding: string;
  bytes?: Uint8Array;
  /** The decoded message as text an operator can read. */
  decoded?: string;
  /** The message could not be handled (decode failure, …): keeps the trace under `traceBodies: 'errors'`. */
  error?: string;
  at?: Date;
}

/** A stored message of a session trace; bodies are absent when retention dropped them. */
export interface TraceMessage {
  seq: number;
  direction: 'in' | 'out';
  encoding: string;
  /** Size of the message on the wire, kept even when the body is not. */
  size: number;
  bytes?: Uint8Array;
  decoded?: string;
  /** The body was cut to `maxTraceBodyBytes`. */
  truncated: boolean;
  error?: string;
  at: Date;
}

/** How a session ended. */
export interface SessionEnd {
  state: Exclude<SessionState, 'open'>;
  reason?: string;
  at?: Date;
}

/** A session of the audit trail. */
export interface SessionRecord {
  id: string;
  devId: string;
  initiator: SessionInitiator;
  dmSessionId?: string;
  node?: string;
  state: SessionState;
  reason?: string;
  startedAt: Date;
  endedAt?: Date;
  lastActivityAt: Date;
  messageCount: number;
  /** Some message of the session carried an error. */
  hasError: boolean;
  /** Its messages are still kept (retention has not pruned them). */
  traced: boolean;
}

/** A session with its trace. */
export interface SessionWithMessages extends SessionRecord {
  messages: TraceMessage[];
}

/** A Generic Alert (1226) as received. */
export interface AlertInput {
  /** `Item/Meta/Type`, e.g. `org.openmobilealliance.dm.firmwareupdate.devicerequest`. */
  type?: string;
  format?: string;
  /** `Item/Meta/Mark`: `fatal`, `critical`, `minor`, `warning`, `informational`, … */
  mark?: string;
  data?: string;
  sourceUri?: string;
  correlator?: string;
  at?: Date;
}

/** A stored Generic Alert. */
export interface AlertRecord extends Omit<AlertInput, 'at'> {
  id: number;
  devId: string;
  at: Date;
  /** The operation it completed, when its correlator matched one. */
  operationId?: string;
}

/** What `recordAlert` did. */
export interface AlertOutcome {
  alert: AlertRecord;
  /** The operation the alert's correlator matched, after the alert was applied. */
  operation?: Operation;
}

/** Options of `openStore`. */
export interface StoreOptions {
  /** Sessions per device whose messages are kept (newest first). Default 20. */
  maxTracedSessionsPerDevice?: number;
  /** Sessions per device kept in the audit trail at all. Default 500. */
  maxSessionsPerDevice?: number;
  /**
   * Which message bodies are kept: `all`; `errors` (bodies of sessions that
   * did not complete, or had an erroneous message; others are dropped at
   * `endSession`); `none` (only direction, size, encoding, time). Default `all`.
   */
  traceBodies?: 'all' | 'errors' | 'none';
  /** Longest body kept per message (bytes and decoded text each); longer ones are cut. Default 65536. */
  maxTraceBodyBytes?: number;
  /** Keep the last-known tree from Get results and successful Add/Replace/Delete. Default true. */
  trackTree?: boolean;
  /** PostgreSQL schema to use (created if missing); also `?schema=` in the URL. Default: the server's search_path. */
  pgSchema?: string;
  /** PostgreSQL pool size. Default 10. */
  pgPoolSize?: number;
  /** Clock for timestamps the caller does not give. */
  now?: () => Date;
  /** Random bytes for operation ids. */
  random?: (n: number) => Uint8Array;
  /** Called with every SQL statement executed (for tests and diagnostics). */
  onQuery?: (sql: string, parameters: readonly unknown[]) => void;
}

// ── campaigns ──────────────────────────────────────────────────────────────

/** Which devices a campaign targets (every given condition must hold). */
export interface CampaignFilter {
  /** Exactly these devices. */
  devIds?: string[];
  /** DevId contains this text. */
  search?: string;
  /** Devices whose parent (host) is this device: e.g. every VM of a host. */
  parentDevId?: string;
  /** DevInfo values the device reported, e.g. `{ "Mod": "Enterprise VM" }`. */
  devInfo?: Record<string, string>;
}

/** Input of `createCampaign`. */
export interface NewCampaign {
  name: string;
  filter: CampaignFilter;
  commands: OperationCommandInput[];
  atomic?: boolean;
  /** Wake each device when its batch is queued. */
  notify?: boolean;
  /** Devices in flight at once (default 100). */
  batchSize?: number;
  /** Pause when more than this fraction of finished devices failed (default 0.1). */
  maxFailureRate?: number;
}

export type CampaignState = 'running' | 'paused' | 'completed' | 'cancelled';

/** Where a campaign's devices are. */
export interface CampaignProgress {
  /** Not queued yet. */
  waiting: number;
  pending: number;
  sent: number;
  accepted: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  expired: number;
}

/** A campaign as the API shows it. */
export interface Campaign {
  /** `cmp_` + 26 base32 characters. */
  id: string;
  name: string;
  filter: CampaignFilter;
  commands: OperationCommandInput[];
  atomic: boolean;
  notify: boolean;
  state: CampaignState;
  reason?: string;
  batchSize: number;
  maxFailureRate: number;
  targets: number;
  progress: CampaignProgress;
  createdAt: Date;
  updatedAt: Date;
  completedAt?: Date;
}

/** One device of a campaign and how it went. */
export interface CampaignTarget {
  devId: string;
  state: 'waiting' | OperationState;
  operationId?: string;
  reason?: string;
  /** Per command: its status, reason and results. */
  commands?: Pick<OperationCommand, 'index' | 'verb' | 'target' | 'status' | 'reason' | 'results'>[];
}
