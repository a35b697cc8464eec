import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  ALERT_CODES,
  AlertCode,
  DEFAULT_GENERIC_ALERT_MARK,
  GENERIC_ALERT_MARKS,
  NOT_APPLIED_STATUSES,
  STATUS_CODES,
  STATUS_TARGET_COMMANDS,
  StatusCode,
  alertInfo,
  alertName,
  allowedStatuses,
  isAllowedStatus,
  isGenericAlertMark,
  isKnownAlert,
  isKnownStatus,
  isSuccessStatus,
  isUserInteractionAlert,
  isValidStatusCode,
  parseGenericAlertMark,
  statusClass,
  statusDescription,
  statusInfo,
  statusName,
} from '../../src/syncml/codes.js';

/** Every code in the status table of shared/spec/oma-dm-facts.md §3, ranges expanded (250 is listed there as NOT a code). */
const FACTS_STATUS_CODES: readonly number[] = [
  101,
  ...range(200, 217),
  ...range(300, 305),
  ...range(400, 428),
  ...range(500, 517),
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, k) => from + k);
}

/** The per-command sets from facts §3 and the Alert list from facts §2.5. */
const FACTS_ALLOWED: Readonly<Record<string, readonly number[]>> = {
  Add: [200, 213, 215, 216, 401, 404, 405, 407, 413, 414, 415, 418, 420, 424, 425, 500, 516],
  Replace: [200, 213, 215, 401, 403, 404, 405, 407, 413, 414, 415, 418, 420, 424, 425, 500, 516],
  Delete: [200, 215, 216, 401, 403, 404, 405, 407, 414, 425, 516],
  Copy: [200, 215, 216, 401, 403, 405, 406, 407, 414, 418, 420, 425, 500, 510, 516],
  Exec: [200, 202, 401, 403, 404, 405, 406, 407, 414, 420, 425, 500, 510],
  Get: [200, 215, 401, 404, 406, 407, 413, 414, 415, 425, 500],
  Atomic: [200, 215, 401, 406, 407, 500, 507, 517],
  Sequence: [200, 401, 407, 500],
  Alert: [200, 202, 214, 215, 216, 401, 405, 406, 408, 412, 415, 416, 500, 516],
};

describe('status code table', () => {
  for (const code of FACTS_STATUS_CODES) {
    it(`${code} has a name and a description`, () => {
      const name = statusName(code);
      assert.ok(name, `no name for ${code}`);
      assert.match(name, /^[A-Z][A-Z0-9_]*$/);
      assert.equal((StatusCode as Record<string, number>)[name], code);
      const description = statusDescription(code);
      assert.ok(description.length > 0);
      assert.doesNotMatch(description, /^Unrecognised/);
      assert.equal(statusInfo(code)?.description, description);
      assert.ok(isKnownStatus(code));
    });
  }

  it('contains exactly the codes of the facts sheet', () => {
    assert.deepEqual(STATUS_CODES.map((r) => r.code), FACTS_STATUS_CODES);
  });

  it('has unique names and unique codes', () => {
    const names = STATUS_CODES.map((r) => r.name);
    assert.equal(new Set(names).size, names.length);
    const codes = STATUS_CODES.map((r) => r.code);
    assert.equal(new Set(codes).size, codes.length);
  });

  it('has unique descriptions', () => {
    const descriptions = STATUS_CODES.map((r) => r.description);
    assert.equal(new Set(descriptions).size, descriptions.length);
  });

  it('marks only 217 and 515 as unverified', () => {
    const unverified = STATUS_CODES.filter((r) => r.confidence === 'unverified').map((r) => r.code);
    assert.deepEqual(unverified, [217, 515]);
  });

  const named: ReadonlyArray<[number, number]> = [
    [StatusCode.OK, 200],
    [StatusCode.ACCEPTED_FOR_PROCESSING, 202],
    [StatusCode.AUTHENTICATION_ACCEPTED, 212],
    [StatusCode.CHUNKED_ITEM_ACCEPTED, 213],
    [StatusCode.OPERATION_CANCELLED, 214],
    [StatusCode.NOT_EXECUTED, 215],
    [StatusCode.ATOMIC_ROLLBACK_OK, 216],
    [StatusCode.NOT_MODIFIED, 304],
    [StatusCode.BAD_REQUEST, 400],
    [StatusCode.INVALID_CREDENTIALS, 401],
    [StatusCode.NOT_FOUND, 404],
    [StatusCode.COMMAND_NOT_ALLOWED, 405],
    [StatusCode.OPTIONAL_FEATURE_NOT_SUPPORTED, 406],
    [StatusCode.MISSING_CREDENTIALS, 407],
    [StatusCode.ALREADY_EXISTS, 418],
    [StatusCode.SIZE_MISMATCH, 424],
    [StatusCode.PERMISSION_DENIED, 425],
    [StatusCode.COMMAND_FAILED, 500],
    [StatusCode.ATOMIC_FAILED, 507],
    [StatusCode.ATOMIC_ROLLBACK_FAILED, 516],
    [StatusCode.ATOMIC_RESPONSE_TOO_LARGE, 517],
  ];
  for (const [constant, value] of named) {
    it(`named constant ${statusName(value)} is ${value}`, () => assert.equal(constant, value));
  }

  it('StatusCode is frozen', () => {
    assert.ok(Object.isFrozen(StatusCode));
  });
});

describe('statusDescription / statusClass for codes outside the table', () => {
  const cases: ReadonlyArray<[number, string]> = [
    [102, 'Unrecognised status 102 (informational)'],
    [250, 'Unrecognised status 250 (success)'],
    [399, 'Unrecognised status 399 (redirection)'],
    [499, 'Unrecognised status 499 (originator error)'],
    [599, 'Unrecognised status 599 (recipient error)'],
  ];
  for (const [code, text] of cases) {
    it(`${code} → ${text}`, () => {
      assert.equal(statusName(code), undefined);
      assert.equal(statusInfo(code), undefined);
      assert.equal(isKnownStatus(code), false);
      assert.equal(statusDescription(code), text);
    });
  }

  for (const bad of [0, 99, 600, 1000, -200, 200.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`${bad} is not a status code`, () => {
      assert.equal(isValidStatusCode(bad), false);
      assert.equal(statusClass(bad), undefined);
      assert.equal(statusName(bad), undefined);
      assert.match(statusDescription(bad), /^Not a valid status code/);
      assert.equal(isSuccessStatus(bad), false);
    });
  }

  it('classifies by hundreds digit', () => {
    assert.equal(statusClass(101), 'informational');
    assert.equal(statusClass(200), 'success');
    assert.equal(statusClass(304), 'redirection');
    assert.equal(statusClass(425), 'originator-error');
    assert.equal(statusClass(507), 'recipient-error');
  });
});

describe('isSuccessStatus', () => {
  const cases: ReadonlyArray<[number, boolean]> = [
    [200, true], [201, true], [202, true], [212, true], [213, true], [217, true], [250, true],
    [214, false], [215, false], [216, false],
    [101, false], [304, false], [401, false], [404, false], [425, false], [500, false], [507, false],
  ];
  for (const [code, expected] of cases) {
    it(`${code} → ${expected}`, () => assert.equal(isSuccessStatus(code), expected));
  }

  it('NOT_APPLIED_STATUSES are 214, 215, 216', () => {
    assert.deepEqual([...NOT_APPLIED_STATUSES], [214, 215, 216]);
  });
});

describe('allowed status sets', () => {
  it('every allowed code exists in the status table', () => {
    for (const cmd of STATUS_TARGET_COMMANDS) {
      for (const code of allowedStatuses(cmd)) {
        assert.ok(isKnownStatus(code), `${cmd}: ${code} not in table`);
      }
    }
  });

  it('covers the commands of the brief', () => {
    assert.deepEqual(
      [...STATUS_TARGET_COMMANDS].sort(),
      ['Add', 'Alert', 'Atomic', 'Copy', 'Delete', 'Exec', 'Get', 'Replace', 'Sequence', 'SyncHdr'],
    );
  });

  for (const [cmd, codes] of Object.entries(FACTS_ALLOWED)) {
    it(`${cmd} allows the facts-sheet set`, () => {
      for (const code of codes) assert.ok(isAllowedStatus(cmd, code), `${cmd} should allow ${code}`);
      if (cmd !== 'Alert') assert.deepEqual(allowedStatuses(cmd), codes);
    });
  }

  it('Alert adds only 304 (Confirm "No") and 407 (Generic Alert, §2.6) to the §2.5 list', () => {
    const extra = allowedStatuses('Alert').filter((c) => !FACTS_ALLOWED.Alert?.includes(c));
    assert.deepEqual(extra, [304, 407]);
  });

  it('SyncHdr allows the authentication outcomes and the header-level errors', () => {
    for (const code of [200, 212, 401, 407, 400, 403, 404, 405, 406, 500, 505, 511, 513]) {
      assert.ok(isAllowedStatus('SyncHdr', code), `SyncHdr should allow ${code}`);
    }
    assert.equal(isAllowedStatus('SyncHdr', 213), false);
    assert.equal(isAllowedStatus('SyncHdr', 425), false);
  });

  it('212 belongs to SyncHdr only', () => {
    for (const cmd of STATUS_TARGET_COMMANDS) {
      assert.equal(isAllowedStatus(cmd, 212), cmd === 'SyncHdr', cmd);
    }
  });

  it('rejects codes outside a set', () => {
    assert.equal(isAllowedStatus('Sequence', 404), false);
    assert.equal(isAllowedStatus('Get', 418), false);
    assert.equal(isAllowedStatus('Add', 250), false);
  });

  it('unknown commands have an empty set', () => {
    for (const cmd of ['Results', 'Status', 'add', '', '__proto__', 'constructor', 'toString']) {
      assert.deepEqual(allowedStatuses(cmd), [], cmd);
      assert.equal(isAllowedStatus(cmd, 200), false, cmd);
    }
  });

  it('returned lists are sorted and frozen', () => {
    for (const cmd of STATUS_TARGET_COMMANDS) {
      const list = allowedStatuses(cmd);
      assert.ok(Object.isFrozen(list), cmd);
      assert.deepEqual(list, [...list].sort((a, b) => a - b), cmd);
      assert.equal(new Set(list).size, list.length, `${cmd} has duplicates`);
    }
  });
});

describe('alert codes', () => {
  const expected: ReadonlyArray<[string, number, boolean]> = [
    ['DISPLAY', 1100, true],
    ['CONFIRM_OR_REJECT', 1101, true],
    ['TEXT_INPUT', 1102, true],
    ['SINGLE_CHOICE', 1103, true],
    ['MULTIPLE_CHOICE', 1104, true],
    ['SERVER_INITIATED_MGMT', 1200, false],
    ['CLIENT_INITIATED_MGMT', 1201, false],
    ['NEXT_MESSAGE', 1222, false],
    ['SESSION_ABORT', 1223, false],
    ['CLIENT_EVENT', 1224, false],
    ['NO_END_OF_DATA', 1225, false],
    ['GENERIC_ALERT', 1226, false],
  ];
  for (const [name, code, ui] of expected) {
    it(`${name} = ${code}`, () => {
      assert.equal((AlertCode as Record<string, number>)[name], code);
      assert.equal(alertName(code), name);
      assert.ok(isKnownAlert(code));
      assert.equal(isUserInteractionAlert(code), ui);
      assert.ok((alertInfo(code)?.description ?? '').length > 0);
    });
  }

  it('table holds exactly these alerts with unique names', () => {
    assert.equal(ALERT_CODES.length, expected.length);
    assert.equal(new Set(ALERT_CODES.map((r) => r.name)).size, ALERT_CODES.length);
  });

  it('named constants', () => {
    assert.equal(AlertCode.GENERIC_ALERT, 1226);
    assert.equal(AlertCode.SESSION_ABORT, 1223);
    assert.ok(Object.isFrozen(AlertCode));
  });

  for (const code of [1105, 1199, 1202, 1220, 1221, 1227, 1299, 0, 200, 1100.5]) {
    it(`${code} is not a known alert`, () => {
      assert.equal(alertName(code), undefined);
      assert.equal(isKnownAlert(code), false);
      assert.equal(isUserInteractionAlert(code), false);
    });
  }
});

describe('Generic Alert marks', () => {
  it('lists the seven importance values, informational by default', () => {
    assert.deepEqual(
      [...GENERIC_ALERT_MARKS],
      ['fatal', 'critical', 'minor', 'warning', 'informational', 'harmless', 'indeterminate'],
    );
    assert.equal(DEFAULT_GENERIC_ALERT_MARK, 'informational');
    assert.ok(Object.isFrozen(GENERIC_ALERT_MARKS));
  });

  it('isGenericAlertMark is exact', () => {
    for (const m of GENERIC_ALERT_MARKS) assert.ok(isGenericAlertMark(m));
    for (const m of ['Fatal', 'info', '', ' minor', 'toString', '__proto__']) assert.equal(isGenericAlertMark(m), false, m);
  });

  const parseCases: ReadonlyArray<[string | undefined, string | undefined]> = [
    [undefined, 'informational'],
    ['', 'informational'],
    ['  ', 'informational'],
    ['critical', 'critical'],
    [' Warning ', 'warning'],
    ['FATAL', 'fatal'],
    ['severe', undefined],
    ['constructor', undefined],
  ];
  for (const [input, out] of parseCases) {
    it(`parseGenericAlertMark(${JSON.stringify(input)}) → ${String(out)}`, () => {
      assert.equal(parseGenericAlertMark(input), out);
    });
  }
});
