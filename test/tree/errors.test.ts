// Every error class of the tree and MO layers: stable code, name, status hint.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DmvisorError } from '../../src/errors.js';
import {
  AclSyntaxError, SnapshotCorruptError, TndsError, TreeStoreError, TreeUsageError, UriSyntaxError, UriTooLongError,
} from '../../src/tree/index.js';
import { MoDescriptionError, MoInstanceError } from '../../src/mo/index.js';

const table: [DmvisorError, string, string, number][] = [
  [new UriSyntaxError('a//b', 'empty segment'), 'UriSyntaxError', 'DMV_ERR_URI', 400],
  [new UriTooLongError('a', 'MaxDepth', 'too deep'), 'UriTooLongError', 'DMV_ERR_URI_TOO_LONG', 414],
  [new AclSyntaxError('Get=', 4, 'no id'), 'AclSyntaxError', 'DMV_ERR_ACL_SYNTAX', 400],
  [new TndsError('MgmtTree', 'no Node'), 'TndsError', 'DMV_ERR_TNDS', 400],
  [new TreeUsageError('exists', 418), 'TreeUsageError', 'DMV_ERR_TREE_USAGE', 418],
  [new SnapshotCorruptError('file', 'bad'), 'SnapshotCorruptError', 'DMV_ERR_SNAPSHOT_CORRUPT', 510],
  [new TreeStoreError('disk'), 'TreeStoreError', 'DMV_ERR_TREE_STORE', 510],
  [new MoDescriptionError('DMAcc/<x>', 'dup'), 'MoDescriptionError', 'DMV_ERR_MO_DESCRIPTION', 500],
  [new MoInstanceError('bad'), 'MoInstanceError', 'DMV_ERR_MO_INSTANCE', 500],
];

describe('tree and MO errors', () => {
  for (const [err, name, code, status] of table) {
    it(`${name}: ${code}, status ${status}`, () => {
      assert.ok(err instanceof DmvisorError);
      assert.ok(err instanceof Error);
      assert.equal(err.name, name);
      assert.equal(err.code, code);
      assert.equal(err.statusHint, status);
      assert.ok(err.message.length > 0);
    });
  }

  it('keeps a cause', () => {
    const cause = new Error('EIO');
    assert.equal((new TreeStoreError('disk', { cause }) as Error & { cause?: unknown }).cause, cause);
  });
});
