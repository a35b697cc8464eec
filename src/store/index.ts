/**
 * dmvisor's store: the DM server's persistence (devices, operations, results,
 * session traces, alerts, settings) on SQLite or PostgreSQL. See docs/store.md.
 */
export { openStore, parseStoreUrl, redact, type Store, type StoreLocation } from './store.js';
export * from './errors.js';
export * from './types.js';
export { MIGRATIONS, SCHEMA_VERSION, MIGRATION_LOCK, type Dialect, type Migration } from './migrations.js';
export { newOperationId, outcome, MAX_COMMANDS_PER_OPERATION } from './operations.js';
export { normalizeUri } from './devices.js';
export { alertStatus } from './alerts.js';
export { CAMPAIGN_STEP_MAX } from './campaigns.js';
