/**
 * dmvisor's public API. Each layer is also importable on its own:
 * `dmvisor/syncml`, `dmvisor/security`, `dmvisor/notification`.
 */
export * as syncml from './syncml/index.js';
export * as security from './security/index.js';
export * as notification from './notification/index.js';
export * from './errors.js';
