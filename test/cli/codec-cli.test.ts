/**
 * End-to-end tests of `dmvisor codec`: the built CLI run as a child process,
 * on files from the corpus (including libwbxml's encodings).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWbxml, decodeXml } from '../../src/syncml/index.js';
import { encodePackage0 } from '../../src/notification/index.js';
import { fixture, repoRoot } from '../support/paths.js';

const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

function dmvisor(args: string[], input?: Uint8Array | string) {
  const r = spawnSync(process.execPath, [cli, ...args], { input, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

test('codec round-trips a file produced by libwbxml xml2wbxml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-cli-'));
  try {
    const lib = fixture('dm-corpus', 'libwbxml', '06-pkg2-auth-212-mgmt.wbxml');
    let r = dmvisor(['codec', 'wbxml2xml', lib, '-o', join(dir, 'a.xml')]);
    assert.equal(r.status, 0, r.stderr);
    r = dmvisor(['codec', 'xml2wbxml', join(dir, 'a.xml'), '-o', join(dir, 'b.wbxml')]);
    assert.equal(r.status, 0, r.stderr);
    const original = decodeWbxml(new Uint8Array(readFileSync(lib)));
    assert.deepEqual(decodeWbxml(new Uint8Array(readFileSync(join(dir, 'b.wbxml')))), original);
    assert.deepEqual(decodeXml(readFileSync(join(dir, 'a.xml'))), original);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('codec reads standard input and writes standard output', () => {
  const xml = readFileSync(fixture('dm-corpus', '01-pkg1-client-initiated-basic.xml'));
  const r = dmvisor(['codec', 'xml2wbxml'], xml);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual([...r.stdout.subarray(0, 3)], [0x02, 0xa4, 0x01]);
  assert.deepEqual(decodeWbxml(new Uint8Array(r.stdout)), decodeXml(xml));
});

test('inspect names status and alert codes and shows embedded TNDS', () => {
  const r = dmvisor(['codec', 'inspect', fixture('dm-corpus', 'libwbxml', '28-results-tnds.wbxml')]);
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.toString();
  assert.match(out, /^SyncML DM message \(WBXML, \d+ bytes, DTD 1\.2, DM\/1\.2\)/);
  assert.match(out, /embedded TNDS document/);
  const s = dmvisor(['codec', 'inspect', fixture('dm-corpus', '03-pkg2-challenge-401.xml')]).stdout.toString();
  assert.match(s, /Status 401 INVALID_CREDENTIALS for SyncHdr/);
  assert.match(s, /Chal \[.*nextNonce=/);
});

test('inspect decodes a package #0 and --json prints the model', () => {
  const p0 = encodePackage0({ uiMode: 1, initiator: 1, sessionId: 0x1234, serverId: 'com.mgmtsrv.manage' }, { serverPassword: 'pw', nonce: new Uint8Array(16) });
  const r = dmvisor(['codec', 'inspect', '-'], p0);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.toString(), /session id {2}4660 \(SyncHdr SessionID 1234\)/);
  assert.match(r.stdout.toString(), /server id {3}com\.mgmtsrv\.manage/);
  const j = dmvisor(['codec', 'inspect', '--json', fixture('dm-corpus', '10-delete.xml')]);
  assert.equal(j.status, 0, j.stderr);
  assert.equal(JSON.parse(j.stdout.toString()).body.commands.length > 0, true);
});

test('bad input: a typed message naming where, exit code 1, no stack trace', () => {
  const r = dmvisor(['codec', 'inspect', '--as', 'xml', '-'], '<SyncML xmlns="SYNCML:SYNCML1.2"><!DOCTYPE x [<!ENTITY a "b">]>');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^dmvisor: cannot decode: xml: .*\(at line 1, column \d+\)\n$/);
  const w = dmvisor(['codec', 'wbxml2xml', '-'], Uint8Array.of(0x02, 0xa4, 0x01, 0x6a, 0x00, 0x6d, 0x7f));
  assert.equal(w.status, 1);
  assert.match(w.stderr, /wbxml: unknown tag token 0x3f on code page 0 \(at byte 6\)/);
  const missing = dmvisor(['codec', 'inspect', '/nonexistent/file.xml']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /ENOENT/);
});

test('usage errors exit 2', () => {
  assert.equal(dmvisor(['codec', 'frobnicate']).status, 2);
  assert.equal(dmvisor(['nope']).status, 2);
  assert.equal(dmvisor(['codec', 'inspect', '--bogus']).status, 2);
});
