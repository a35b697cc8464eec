/**
 * Interoperability with libwbxml, an independent WBXML implementation, over
 * the corpus in test/fixtures/dm-corpus (see its README for libwbxml's ways):
 * - what libwbxml encoded (committed fixtures) we decode to the same document
 *   as the XML it came from — runs everywhere;
 * - with libwbxml2-utils installed: what we encode, `wbxml2xml` decodes to the
 *   same document; what `xml2wbxml` encodes now, we decode; and our XML output
 *   is accepted by `xml2wbxml`.
 * "Same document" is the README's normalisation: Data text compared with CRLF
 * as LF and outer blanks trimmed, Meta Types `+wbxml` and `+xml` equal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { decodeWbxml, decodeXml, encodeWbxml, encodeXml } from '../../src/syncml/index.js';
import { fixture, haveCommand } from '../support/paths.js';

const corpusDir = fixture('dm-corpus');
const files = readdirSync(corpusDir).filter((f) => /^\d\d-.*\.xml$/.test(f)).sort();
/** Messages libwbxml cannot carry faithfully (README: whitespace-only Data, `]]>` in CDATA output). */
const LIBWBXML_LIMITS = new Set(['54', '56']);

/** Normalise a decoded model the way the corpus README says two documents are "the same". */
function normalise(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    let s = value.replace(/\r\n/g, '\n');
    if (key === 'data' || key === 'text') s = s.trim();
    if (key === 'type') s = s.replace(/\+wbxml$/, '+xml');
    return s;
  }
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('hex') };
  if (Array.isArray(value)) return value.map((v) => normalise(v, key === 'children' ? 'text' : key));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalise(v, k);
    return out;
  }
  return value;
}

test('the corpus has at least 30 messages, each decodable', () => {
  assert.ok(files.length >= 30, `${files.length} messages`);
  for (const f of files) decodeXml(readFileSync(join(corpusDir, f)));
});

for (const f of files) {
  const n = f.slice(0, 2);
  const wbxmlFixture = join(corpusDir, 'libwbxml', f.replace(/\.xml$/, '.wbxml'));
  test(`libwbxml → dmvisor: ${f}`, { skip: !existsSync(wbxmlFixture) && 'no libwbxml fixture' }, () => {
    const fromXml = decodeXml(readFileSync(join(corpusDir, f)));
    const fromLib = decodeWbxml(new Uint8Array(readFileSync(wbxmlFixture)));
    if (LIBWBXML_LIMITS.has(n)) return; // decodes; content differs by libwbxml's documented limitation
    assert.deepEqual(normalise(fromLib), normalise(fromXml));
  });
}

const libwbxml = haveCommand('xml2wbxml') && haveCommand('wbxml2xml');
const skipLive = libwbxml ? false : 'SKIP: libwbxml2-utils (xml2wbxml, wbxml2xml) not installed — .ci/run installs it';
if (!libwbxml) console.log(`# ${skipLive}`);

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
}

test('live libwbxml round trips in both directions', { skip: skipLive }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-interop-'));
  try {
    let checked = 0;
    for (const f of files) {
      const n = f.slice(0, 2);
      if (LIBWBXML_LIMITS.has(n)) continue;
      const model = decodeXml(readFileSync(join(corpusDir, f)));

      // Ours → libwbxml: our WBXML, decoded by wbxml2xml, is the same document.
      const ours = join(dir, `${n}.ours.wbxml`);
      writeFileSync(ours, encodeWbxml(model));
      const libXml = join(dir, `${n}.lib.xml`);
      run('wbxml2xml', ['-o', libXml, ours]);
      assert.deepEqual(normalise(decodeXml(readFileSync(libXml))), normalise(model), `${f}: wbxml2xml of our WBXML`);

      // libwbxml → ours: xml2wbxml of the corpus file (1.2 and 1.3, with and without string table).
      for (const flags of [['-v', '1.2'], ['-v', '1.3', '-n'], []]) {
        const lib = join(dir, `${n}.lib.wbxml`);
        run('xml2wbxml', [...flags, '-o', lib, join(corpusDir, f)]);
        assert.deepEqual(normalise(decodeWbxml(new Uint8Array(readFileSync(lib)))), normalise(model), `${f}: xml2wbxml ${flags.join(' ')}`);
      }

      // Our XML is accepted by xml2wbxml and comes back the same.
      const ourXml = join(dir, `${n}.ours.xml`);
      writeFileSync(ourXml, encodeXml(model, { declaration: true }));
      const back = join(dir, `${n}.back.wbxml`);
      run('xml2wbxml', ['-v', '1.2', '-o', back, ourXml]);
      assert.deepEqual(normalise(decodeWbxml(new Uint8Array(readFileSync(back)))), normalise(model), `${f}: xml2wbxml of our XML`);
      checked++;
    }
    assert.ok(checked >= 30, `${checked} messages checked live`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
