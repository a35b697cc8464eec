/**
 * Errors of the store (docs/store.md). Every failure a caller can expect —
 * a duplicate device, an unknown operation, a transition the state table
 * forbids — is a typed {@link StoreError} with a stable `DMV_ERR_STORE_*`
 * code. Driver errors (better-sqlite3, pg) never reach callers raw: an
 * unexpected one is wrapped in a `StoreError` with code `DMV_ERR_STORE_DB`
 * and the driver error as `cause`.
 */
import { DmvisorError } from '../errors.js';

/** Base class of every store failure. */
export class StoreError extends DmvisorError {
  constructor(message: string, code = 'DMV_ERR_STORE', options?: { cause?: unknown }) {
    super(message, code, 500);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** `registerDevice` for a DevId that is already registered. */
export class DeviceExistsError extends StoreError {
  readonly devId: string;
  constructor(devId: string) {
    super(`device ${JSON.stringify(devId)} is already registered`, 'DMV_ERR_STORE_DEVICE_EXISTS');
    this.devId = devId;
  }
}

/** A device-scoped call named a DevId that is not registered. */
export class DeviceNotFoundError extends StoreError {
  readonly devId: string;
  constructor(devId: string) {
    super(`device ${JSON.stringify(devId)} is not registered`, 'DMV_ERR_STORE_DEVICE_NOT_FOUND');
    this.devId = devId;
  }
}

/** An operation id that does not exist. */
export class OperationNotFoundError extends StoreError {
  readonly operationId: string;
  constructor(operationId: string) {
    super(`operation ${JSON.stringify(operationId)} does not exist`, 'DMV_ERR_STORE_OPERATION_NOT_FOUND');
    this.operationId = operationId;
  }
}

/** A campaign id that does not exist. */
export class CampaignNotFoundError extends StoreError {
  readonly campaignId: string;
  constructor(campaignId: string) {
    super(`campaign ${JSON.stringify(campaignId)} does not exist`, 'DMV_ERR_STORE_CAMPAIGN_NOT_FOUND');
    this.campaignId = campaignId;
  }
}

/** A session id that does not exist (or, for `startSession`, already does). */
export class SessionNotFoundError extends StoreError {
  readonly sessionId: string;
  constructor(sessionId: string) {
    super(`session ${JSON.stringify(sessionId)} does not exist`, 'DMV_ERR_STORE_SESSION_NOT_FOUND');
    this.sessionId = sessionId;
  }
}

/** `startSession` with an id that is already used. */
export class SessionExistsError extends StoreError {
  readonly sessionId: string;
  constructor(sessionId: string) {
    super(`session ${JSON.stringify(sessionId)} already exists`, 'DMV_ERR_STORE_SESSION_EXISTS');
    this.sessionId = sessionId;
  }
}

/** A state change the operation state table does not allow (e.g. cancelling a succeeded operation). */
export class InvalidTransitionError extends StoreError {
  readonly operationId: string;
  readonly from: string;
  readonly to: string;
  constructor(operationId: string, from: string, to: string) {
    super(`operation ${operationId}: cannot go from ${from} to ${to}`, 'DMV_ERR_STORE_TRANSITION');
    this.operationId = operationId;
    this.from = from;
    this.to = to;
  }
}

/** The caller passed something the store cannot keep (no commands, unknown verb, index out of range, …). */
export class StoreInputError extends StoreError {
  constructor(message: string) {
    super(message, 'DMV_ERR_STORE_INPUT');
  }
}

/** `openStore` was given a URL or option it cannot use. */
export class StoreConfigError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'DMV_ERR_STORE_CONFIG', options);
  }
}

/** The database could not be migrated (e.g. its schema is newer than this code). */
export class MigrationError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'DMV_ERR_STORE_MIGRATION', options);
  }
}

/** The store was used after `close()`. */
export class StoreClosedError extends StoreError {
  constructor() {
    super('the store is closed', 'DMV_ERR_STORE_CLOSED');
  }
}

/** Driver error codes of a unique-constraint violation: SQLite's and PostgreSQL's (SQLSTATE 23505). */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** Pass store errors through; wrap anything else (a driver error) so callers see only `StoreError`s. */
export function toStoreError(e: unknown, what: string): StoreError {
  if (e instanceof StoreError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new StoreError(`${what}: ${msg}`, 'DMV_ERR_STORE_DB', { cause: e });
}

/** The database could not be opened or reached. */
export class StoreUnavailableError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'DMV_ERR_STORE_UNAVAILABLE', options);
  }
}
