/**
 * DM session engines: transport-free state machines that take a decoded
 * message and return the next one. No sockets, no timers, no clock.
 */
export { ClientSession, ClientSessionStateError, type ClientSessionEvent, type ClientSessionOptions, type ClientSessionResult, type GenericAlert as SessionGenericAlert, type OutboundMessage } from './client-session.js';
export type { AuthScheme, ClientAccount, CredentialSet } from './client-account.js';
export { CommandExecutor, defaultAnswer, parseUiOptions, type UiHandler, type UiRequest, type UiResponse } from './command-executor.js';
export { NotificationGate, type NotificationGateOptions, type NotificationVerdict } from './notification-gate.js';
export { ServerSession, type DeviceCredentials, type OperationCommand, type PendingOperation, type ServerSessionEvent, type ServerSessionOptions, type ServerSessionResult } from './server-session.js';
