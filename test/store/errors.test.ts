/** Every store error: a DmvisorError with a stable DMV_ERR_STORE_* code; driver errors never pass raw. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DmvisorError } from '../../src/errors.js';
import {
  DeviceExistsError, DeviceNotFoundError, InvalidTransitionError, MigrationError, OperationNotFoundError, SessionExistsError,
  SessionNotFoundError, StoreClosedError, StoreConfigError, StoreError, StoreInputError, StoreUnavailableError,
  isUniqueViolation, toStoreError,
} from '../../src/store/errors.js';

const cases: [StoreError, string][] = [
  [new StoreError('x'), 'DMV_ERR_STORE'],
  [new DeviceExistsError('d'), 'DMV_ERR_STORE_DEVICE_EXISTS'],
  [new DeviceNotFoundError('d'), 'DMV_ERR_STORE_DEVICE_NOT_FOUND'],
  [new OperationNotFoundError('op'), 'DMV_ERR_STORE_OPERATION_NOT_FOUND'],
  [new SessionNotFoundError('s'), 'DMV_ERR_STORE_SESSION_NOT_FOUND'],
  [new SessionExistsError('s'), 'DMV_ERR_STORE_SESSION_EXISTS'],
  [new InvalidTransitionError('op', 'succeeded', 'cancelled'), 'DMV_ERR_STORE_TRANSITION'],
  [new StoreInputError('bad'), 'DMV_ERR_STORE_INPUT'],
  [new StoreConfigError('bad'), 'DMV_ERR_STORE_CONFIG'],
  [new MigrationError('bad'), 'DMV_ERR_STORE_MIGRATION'],
  [new StoreClosedError(), 'DMV_ERR_STORE_CLOSED'],
  [new StoreUnavailableError('down'), 'DMV_ERR_STORE_UNAVAILABLE'],
];

describe('store errors', () => {
  for (const [e, code] of cases) {
    it(`${e.name} has code ${code}`, () => {
      assert.ok(e instanceof StoreError);
      assert.ok(e instanceof DmvisorError);
      assert.equal(e.code, code);
      assert.equal(e.name, e.constructor.name);
      assert.equal(e.statusHint, 500);
      assert.ok(e.message.length > 0);
    });
  }

  it('wraps driver errors, keeping them as the cause', () => {
    const driver = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    const wrapped = toStoreError(driver, 'getDevice');
    assert.equal(wrapped.code, 'DMV_ERR_STORE_DB');
    assert.equal((wrapped as { cause?: unknown }).cause, driver);
    assert.match(wrapped.message, /getDevice: disk I\/O error/);
    const own = new DeviceNotFoundError('d');
    assert.equal(toStoreError(own, 'x'), own);
  });

  it('recognises unique violations of both drivers', () => {
    assert.equal(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_UNIQUE' }), true);
    assert.equal(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }), true);
    assert.equal(isUniqueViolation({ code: '23505' }), true);
    assert.equal(isUniqueViolation({ code: '23503' }), false);
    assert.equal(isUniqueViolation(null), false);
  });
});
