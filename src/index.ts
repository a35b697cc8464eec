/**
 * dmvisor's public API. Each layer is also importable on its own:
 * `dmvisor/syncml`, `dmvisor/security`, `dmvisor/notification`, `dmvisor/tree`,
 * `dmvisor/mo`, `dmvisor/session`.
 */
export * as syncml from './syncml/index.js';
export * as security from './security/index.js';
export * as notification from './notification/index.js';
export * as tree from './tree/index.js';
export * as mo from './mo/index.js';
export * as session from './session/index.js';
export * from './errors.js';
