/**
 * The admin API's answers as the console reads them (src/server/admin-api.ts,
 * /api/openapi.json). Times arrive as ISO strings. Fields marked optional may
 * be absent from servers that predate them (VMs, gateway): the console then
 * shows nothing for them rather than something broken.
 */

export interface DeviceSummary {
  devId: string;
  parentDevId?: string;
  notifyAddress?: string;
  devInfo?: Record<string, string>;
  lastSessionId?: string;
  lastSeenAt?: string;
  createdAt: string;
  updatedAt: string;
  clientAuthType?: string;
  /** How the device got its DM account, when a bootstrap issued it (issue #5). */
  bootstrapMethod?: string;
}

export interface DevicePage {
  devices: DeviceSummary[];
  next?: string;
}

export interface TreeNode {
  uri: string;
  value?: string;
  format?: string;
  type?: string;
  updatedAt: string;
}

export type OperationState = 'pending' | 'sent' | 'accepted' | 'succeeded' | 'failed' | 'cancelled' | 'expired';

export interface ResultItem {
  source?: string;
  data?: string;
  format?: string;
  type?: string;
}

export interface OperationCommand {
  index: number;
  verb: string;
  target: string;
  source?: string;
  data?: string;
  format?: string;
  type?: string;
  status?: number;
  reason?: string;
  results?: ResultItem[];
}

export interface Operation {
  id: string;
  devId: string;
  state: OperationState;
  atomic: boolean;
  notify: boolean;
  commands: OperationCommand[];
  reason?: string;
  attempts: number;
  sessionId?: string;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  notifyError?: string;
}

export interface SessionRecord {
  id: string;
  devId: string;
  initiator: 'client' | 'server';
  dmSessionId?: string;
  state: 'open' | 'completed' | 'aborted' | 'failed';
  reason?: string;
  startedAt: string;
  endedAt?: string;
  messageCount: number;
  hasError: boolean;
  traced: boolean;
}

export interface TraceMessage {
  seq: number;
  direction: 'in' | 'out';
  encoding: string;
  size: number;
  /** Base64 of the raw message, while retention keeps it. */
  bytes?: string;
  decoded?: string;
  truncated: boolean;
  error?: string;
  at: string;
}

export interface SessionWithMessages extends SessionRecord {
  messages: TraceMessage[];
}

export interface DeviceDetail extends DeviceSummary {
  clientAuth?: { type: string; name: string };
  serverAuth?: { type: string; name?: string };
  devDetail?: Record<string, string>;
  tree: TreeNode[];
  sessions: SessionRecord[];
  operations: Operation[];
  /** Hypervisor of a host, when the server reports it (issue #6). */
  hypervisor?: string;
}

/** How a VM's DM client reaches the server (GwMO). */
export type ManagementMode = 'direct' | 'transparent' | 'proxy';

/** One VM of a host, from `GET /api/devices/{host}/vms` (issue #6); every field but name may be absent. */
export interface VmInfo {
  name: string;
  kind?: string;
  state?: string;
  clientInstalled?: boolean;
  devId?: string;
  managementMode?: ManagementMode | string;
  /** DevId of the gateway the VM is managed through, when not the host itself. */
  gateway?: string;
  /** Image the VM was created from. */
  image?: string;
  /** The VM operation in flight (create, start, stop, delete, install-client). */
  pending?: string;
  /** Why the last VM operation failed. */
  reason?: string;
  /** The VM's last operation and its id. */
  lastOperation?: { op: string; operationId: string };
  /** A device registered on this host with no VM record on the server. */
  registeredOnly?: boolean;
}

/** What `POST /api/devices/{host}/vms[/{name}/{action}]` answers (202): the VM and the operation queued on the host. */
export interface VmActionResult extends VmInfo {
  operationId: string;
  notifyError?: string;
}

/** A stored VM image, from `GET /api/images`. */
export interface VmImage {
  name: string;
  kind: string;
  withClient: boolean;
  digest: string;
  size?: number;
  /** The image carries a ready DM account (customized bootstrap). */
  account?: boolean;
  /** Bootstrap method the image carries, if any. */
  bootstrap?: string;
  storedAt?: string;
}

/** Which devices a campaign targets (every given condition must hold). */
export interface CampaignFilter {
  devIds?: string[];
  search?: string;
  parentDevId?: string;
  devInfo?: Record<string, string>;
}

export type CampaignState = 'running' | 'paused' | 'completed' | 'cancelled';

/** Where a campaign's devices are: not queued yet (`waiting`) or their operation's state. */
export interface CampaignProgress {
  waiting: number;
  pending: number;
  sent: number;
  accepted: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  expired: number;
}

/** A campaign, from `GET /api/campaigns[/{id}]`. */
export interface Campaign {
  id: string;
  name: string;
  filter: CampaignFilter;
  commands: { verb: string; target: string; source?: string; data?: string; format?: string; type?: string }[];
  atomic: boolean;
  notify: boolean;
  state: CampaignState;
  reason?: string;
  batchSize: number;
  maxFailureRate: number;
  targets: number;
  progress: CampaignProgress;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
}

/** One device of a campaign and how it went. */
export interface CampaignTarget {
  devId: string;
  state: 'waiting' | OperationState;
  operationId?: string;
  reason?: string;
  commands?: Pick<OperationCommand, 'index' | 'verb' | 'target' | 'status' | 'reason' | 'results'>[];
}

/** A bootstrap profile: what account a bootstrapped device gets. */
export interface BootstrapProfile {
  name: string;
  profile: 'dm' | 'cp';
  form: 'direct' | 'tnds';
  serverUri?: string;
  clientAuth: 'md5' | 'basic' | 'hmac';
  serverAuth: 'md5' | 'none';
}

/** An enrollment secret for client-initiated bootstrap; `secret` only in the answer that created it. */
export interface Enrollment {
  name: string;
  profile: string;
  devId?: string;
  createdAt: string;
  secret?: string;
}

/** How a device is managed, from `GET /api/devices/{devId}/management` (gateway, issue #7). */
export interface ManagementLink {
  devId: string;
  mode: ManagementMode;
  /** The gateway (host) the device is reached through. */
  via?: string;
  /** Proxy mode: the device's prefix in its gateway's tree. */
  prefix?: string;
  /** After a switch: the Replace queued on the gateway to keep its inventory record in step. */
  gatewayOperationId?: string;
}

/** Live events from `GET /api/events`. */
export type ServerEvent =
  | { type: 'session-end'; devId: string; state: string; reason?: string; messages: number; ms: number; at: string }
  | { type: 'operation'; operationId: string; devId: string; state: string; at: string }
  | { type: 'auth-failure'; devId: string; at: string };

/** One end device in a gateway's Device Inventory, from `GET /api/gateways/{devId}/inventory` (issue #7). */
export interface InventoryDevice {
  /** Its record's node name in the gateway's inventory. */
  node: string;
  /** The global DeviceID (the DevId the server knows it by). */
  deviceId?: string;
  /** Its id local to the gateway. */
  localId?: string;
  mode?: ManagementMode | string;
  /** Proxy mode: its prefix in the gateway's tree. */
  prefix?: string;
  reachable?: boolean;
  lastContact?: string;
  vmName?: string;
}

/** One device of a per-device fan-out (`GET /api/fanout/{id}`). */
export interface FanoutDevice {
  devId: string;
  operationId: string;
  state: OperationState | 'missing';
  commands: Pick<OperationCommand, 'verb' | 'target' | 'status' | 'results'>[];
}

/** A fan-out as `GET /api/fanout/{id}` answers it (per-device form). */
export interface FanoutView {
  id: string;
  createdAt: string;
  state: 'running' | 'succeeded' | 'failed';
  total: number;
  /** Devices per operation state. */
  counts: Record<string, number>;
  devices: FanoutDevice[];
}
