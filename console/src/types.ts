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
}

/** Live events from `GET /api/events`. */
export type ServerEvent =
  | { type: 'session-end'; devId: string; state: string; reason?: string; messages: number; ms: number; at: string }
  | { type: 'operation'; operationId: string; devId: string; state: string; at: string }
  | { type: 'auth-failure'; devId: string; at: string };
