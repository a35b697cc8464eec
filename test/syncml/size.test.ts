import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MessageAssembler, LargeObjectSender, LargeObjectReceiver, encodedCommandSize, decodeWbxml, decodeXml,
  type Command, type SyncHdr, type Item,
} from '../../src/syncml/index.js';

const header: SyncHdr = {
  verDTD: '1.2', verProto: 'DM/1.2', sessionID: '1A', msgID: '2',
  target: { locURI: 'IMEI:493005100592800' }, source: { locURI: 'https://dm.example.com/dm' },
  meta: { maxMsgSize: 4096 },
};

function replace(i: number, value: string): Command {
  return { kind: 'Replace', cmdID: String(i), items: [{ target: { locURI: `./Vendor/Node${i}` }, meta: { format: 'chr' }, data: value }] };
}

for (const encoding of ['xml', 'wbxml'] as const) {
  const decode = (b: Uint8Array) => (encoding === 'xml' ? decodeXml(b) : decodeWbxml(b));

  test(`${encoding}: assembler fills up to MaxMsgSize exactly and never beyond`, () => {
    for (const max of [600, 1000, 2500, 4096]) {
      const a = new MessageAssembler({ encoding, header, maxMsgSize: max });
      let i = 1;
      while (a.tryAdd(replace(i, 'v&<'.repeat(i % 7) + 'é'))) i++;
      const built = a.build({ final: true });
      assert.equal(built.length, a.size(true), 'reported size is the real size');
      assert.ok(built.length <= max);
      const next = replace(i, 'v&<'.repeat(i % 7) + 'é');
      assert.ok(built.length + encodedCommandSize(next, encoding) > max, 'the refused command really did not fit');
      const msg = decode(built);
      assert.equal(msg.body.commands.length, a.commands.length);
      assert.equal(msg.body.final, true);
      const open = decode(a.build({ final: false }));
      assert.equal(open.body.final, false);
    }
  });

  test(`${encoding}: encodedCommandSize is additive`, () => {
    const a = new MessageAssembler({ encoding, header, maxMsgSize: Infinity });
    const base = a.size(true);
    const cmds = [replace(1, 'x'), replace(2, 'y'.repeat(300)), { kind: 'Alert', cmdID: '3', data: 1222, items: [] } as Command];
    let sum = 0;
    for (const c of cmds) { a.add(c); sum += encodedCommandSize(c, encoding); }
    assert.equal(a.size(true), base + sum);
  });

  test(`${encoding}: a header larger than MaxMsgSize is refused`, () => {
    assert.throws(() => new MessageAssembler({ encoding, header, maxMsgSize: 50 }), /exceeds MaxMsgSize/);
  });

  test(`${encoding}: a large object goes out in chunks that fit and comes back whole`, () => {
    const value = 'Große Daten & <mehr> '.repeat(400) + '😀';
    const template: Item = { target: { locURI: './Vendor/Blob' }, meta: { format: 'chr', type: 'text/plain' } };
    const sender = new LargeObjectSender(template, value, encoding);
    const receiver = new LargeObjectReceiver(1 << 20);
    let messages = 0;
    let result: string | Uint8Array | undefined;
    const cmdID = 1;
    while (!sender.done) {
      const a = new MessageAssembler({ encoding, header, maxMsgSize: 1500 });
      assert.ok(sender.fill(a, (item) => ({ kind: 'Replace', cmdID: String(cmdID), items: [item] })));
      const bytes = a.build({ final: sender.done });
      assert.ok(bytes.length <= 1500);
      messages++;
      const cmd = decode(bytes).body.commands[0];
      assert.equal(cmd.kind, 'Replace');
      const item = (cmd as { items: Item[] }).items[0];
      if (messages === 1) assert.equal(item.meta?.size, sender.totalSize);
      else assert.equal(item.meta?.size, undefined);
      const outcome = receiver.accept(item);
      if (outcome.state === 'more') assert.equal(outcome.status, 213);
      else if (outcome.state === 'complete') result = outcome.value;
      else assert.fail(outcome.reason);
    }
    assert.ok(messages > 3);
    assert.equal(result, value);
  });
}

test('wbxml: binary large object reassembles byte-exact', () => {
  const value = new Uint8Array(10_000).map((_, i) => (i * 7) & 0xff);
  const sender = new LargeObjectSender({ target: { locURI: './FUMO/Pkg/Data' }, meta: { format: 'bin' } }, value, 'wbxml');
  const receiver = new LargeObjectReceiver();
  let out: ChunkValue;
  type ChunkValue = string | Uint8Array | undefined;
  while (!sender.done) {
    const item = sender.next(3000)!;
    const r = receiver.accept(item);
    if (r.state === 'complete') out = r.value;
  }
  assert.deepEqual(out!, value);
});

test('receiver: size mismatch is 424, missing size 411, too large 413', () => {
  const r1 = new LargeObjectReceiver();
  assert.equal(r1.accept({ meta: { size: 10 }, data: 'abc', moreData: true }).state, 'more');
  assert.deepEqual(r1.accept({ data: 'def' }), { state: 'failed', status: 424, reason: 'received 6 bytes, declared 10' });
  const r2 = new LargeObjectReceiver();
  assert.equal((r2.accept({ data: 'abc', moreData: true }) as { status: number }).status, 411);
  const r3 = new LargeObjectReceiver(5);
  assert.equal((r3.accept({ meta: { size: 6 }, data: 'abc', moreData: true }) as { status: number }).status, 413);
  const r4 = new LargeObjectReceiver();
  r4.accept({ meta: { size: 4 }, data: 'abc', moreData: true });
  assert.equal((r4.accept({ data: 'de' }) as { status: number }).status, 424);
});
