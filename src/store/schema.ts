/**
 * Row types of the store's tables, as Kysely sees them (the DDL is in
 * `migrations.ts`, the prose in docs/store.md). Conventions shared by both
 * databases: times are integer milliseconds since the epoch; booleans are
 * integers 0/1; JSON is text; binary is a BLOB (SQLite) / bytea (PostgreSQL).
 * Each table with a creation order has an integer `pk` (autoincrement /
 * identity) that orders rows and joins tables; public ids are separate text
 * columns.
 */
import type { Generated } from 'kysely';

/** Binary column: written as Uint8Array, read back as a Buffer by both drivers. */
export type Bytes = Uint8Array;

export interface DevicesTable {
  pk: Generated<number>;
  dev_id: string;
  parent_dev_id: string | null;
  client_auth_type: string;
  client_auth_name: string;
  client_auth_secret: string;
  client_secret_kind: string;
  server_auth_type: string | null;
  server_auth_name: string | null;
  server_auth_secret: string | null;
  server_secret_kind: string | null;
  client_nonce: Bytes | null;
  server_nonce: Bytes | null;
  notify_address: string | null;
  dev_info: string | null;
  dev_detail: string | null;
  last_session_id: string | null;
  last_seen_at: number | null;
  /** How the device got its DM account (migration v2): customized, server-initiated, smartcard, client-initiated. */
  bootstrap_method?: string | null;
  created_at: number;
  updated_at: number;
}

export interface DeviceTreeTable {
  device_pk: number;
  uri: string;
  value: string | null;
  format: string | null;
  type: string | null;
  updated_at: number;
}

export interface OperationsTable {
  pk: Generated<number>;
  id: string;
  device_pk: number;
  state: string;
  atomic: number;
  notify: number;
  reason: string | null;
  attempts: number;
  session_id: string | null;
  previous_session_id: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  sent_at: number | null;
  completed_at: number | null;
  notified_at: number | null;
  /** The campaign this operation delivers to one device (its commands' data is the campaign's). */
  campaign_pk: number | null;
  /** The creator's idempotency key (unique per device). */
  idempotency_key: string | null;
}

export interface CampaignsTable {
  pk: Generated<number>;
  id: string;
  name: string;
  /** The device filter, JSON ({@link CampaignFilter}). */
  filter: string;
  /** The commands, JSON, data included: stored once for every device. */
  commands: string;
  atomic: number;
  notify: number;
  state: string;
  reason: string | null;
  batch_size: number;
  max_failure_rate: number;
  targets: number;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
}

export interface CampaignTargetsTable {
  campaign_pk: number;
  device_pk: number;
  /** The device's operation once its batch was queued. */
  op_pk: number | null;
}

export interface OperationCommandsTable {
  op_pk: number;
  idx: number;
  verb: string;
  target: string;
  source: string | null;
  data_text: string | null;
  data_bytes: Bytes | null;
  format: string | null;
  type: string | null;
  status: number | null;
  reason: string | null;
  results: string | null;
  correlator: string | null;
  sent_at: number | null;
  answered_at: number | null;
}

export interface SessionsTable {
  pk: Generated<number>;
  id: string;
  dev_id: string;
  initiator: string;
  dm_session_id: string | null;
  node: string | null;
  state: string;
  reason: string | null;
  started_at: number;
  ended_at: number | null;
  last_activity_at: number;
  message_count: number;
  has_error: number;
  traced: number;
  /** Cluster mode: the RespURI token of an open session (NULL once it ends). */
  resp_token: string | null;
  /** Cluster mode: the open session's state (src/server/session-state.ts), NULL once it ends. */
  state_json: string | null;
}

export interface MessagesTable {
  session_pk: number;
  seq: number;
  direction: string;
  encoding: string;
  size: number;
  bytes: Bytes | null;
  decoded: string | null;
  truncated: number;
  error: string | null;
  at: number;
}

export interface AlertsTable {
  pk: Generated<number>;
  dev_id: string;
  type: string | null;
  format: string | null;
  mark: string | null;
  data: string | null;
  source_uri: string | null;
  correlator: string | null;
  op_id: string | null;
  at: number;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface MigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

/** The whole database. */
export interface StoreDatabase {
  devices: DevicesTable;
  device_tree: DeviceTreeTable;
  operations: OperationsTable;
  operation_commands: OperationCommandsTable;
  sessions: SessionsTable;
  campaigns: CampaignsTable;
  campaign_targets: CampaignTargetsTable;
  messages: MessagesTable;
  alerts: AlertsTable;
  settings: SettingsTable;
  dmvisor_migrations: MigrationsTable;
}
