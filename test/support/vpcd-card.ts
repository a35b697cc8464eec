/**
 * A smartcard emulator for vsmartcard's vpcd (the "Virtual PCD" reader of
 * pcscd): connects to 127.0.0.1:35963 and answers APDUs from a small
 * ISO 7816-4 file system holding a PKCS#15 application with a DM bootstrap
 * file (ODF 5031 → DODF 4401 → OID 2.23.43.7.1 → EF 4402), the layout of
 * shared/spec/oma-dm-facts-2.md §D. Only SELECT (by AID, by path 5015, by
 * FID) and READ BINARY are implemented: what a bootstrap reader needs.
 *
 * vpcd protocol: every message is a 2-byte big-endian length and a payload;
 * a 1-byte payload is a control (0 power off, 1 power on, 2 reset, 4 ATR
 * request — answered with the ATR), anything longer an APDU (answered with
 * the response APDU).
 */
import net from 'node:net';

const AID = Buffer.from('A000000063504B43532D3135', 'hex');

/** A running emulated card; `remove()` takes it out of the reader. */
export interface EmulatedCard {
  remove(): Promise<void>;
}

/** Insert a card carrying `document` as its DM bootstrap file. */
export async function insertCard(document: Uint8Array, port = 35963): Promise<EmulatedCard> {
  const bootstrap = Buffer.concat([Buffer.from(document), Buffer.alloc(32, 0xff)]); // EFs are padded with FF
  const files = new Map<number, Buffer>([
    [0x5031, Buffer.from('A706300404024401', 'hex')],
    [0x5032, Buffer.from('300A020100040400000001', 'hex')],
    [0x4401, dodf()],
    [0x4402, bootstrap],
  ]);
  let inDf = false;
  let ef: Buffer | undefined;
  const apdu = (c: Buffer): Buffer => {
    const sw = (n: number, data: Buffer = Buffer.alloc(0)) => Buffer.concat([data, Buffer.from([n >> 8, n & 0xff])]);
    const [, ins, p1, p2] = c;
    if (ins === 0xa4) {
      const lc = c[4] ?? 0;
      const data = c.subarray(5, 5 + lc);
      if (p1 === 0x04) { if (data.equals(AID)) { inDf = true; ef = undefined; return sw(0x9000); } return sw(0x6a82); }
      if (p1 === 0x08) { if (data.equals(Buffer.from([0x50, 0x15]))) { inDf = true; ef = undefined; return sw(0x9000); } return sw(0x6a82); }
      const f = inDf && data.length === 2 ? files.get(data.readUInt16BE(0)) : undefined;
      if (!f) return sw(0x6a82);
      ef = f;
      return sw(0x9000);
    }
    if (ins === 0xb0) {
      if (!ef) return sw(0x6986);
      const offset = ((p1 & 0x7f) << 8) | p2;
      const le = c.length > 4 ? (c[4] === 0 ? 256 : c[4]) : 256;
      if (offset >= ef.length) return sw(0x6b00);
      return sw(0x9000, ef.subarray(offset, offset + le));
    }
    return sw(0x6d00);
  };
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  let buf = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const len = buf.readUInt16BE(0);
      const msg = buf.subarray(2, 2 + len);
      buf = buf.subarray(2 + len);
      let out: Buffer | undefined;
      if (len === 1) { if (msg[0] === 0x04) out = Buffer.from('3B8080010101', 'hex'); }
      else out = apdu(msg);
      if (out) { const h = Buffer.alloc(2); h.writeUInt16BE(out.length); sock.write(Buffer.concat([h, out])); }
    }
  });
  sock.on('error', () => undefined);
  return { remove: () => new Promise((resolve) => { sock.end(() => resolve()); sock.destroy(); resolve(); }) };
}

/** EF(DODF) with one OID data object: 2.23.43.7.1 → Path 4402. */
function dodf(): Buffer {
  // typeAttributes [1] { PKCS15OidDO }: A1 len 30 len (06 04 672B0701) (30 06 04 04 3F004402)
  const inner = Buffer.concat([Buffer.from('0604672B0701', 'hex'), Buffer.from('300604043F004402', 'hex')]);
  const seq = Buffer.concat([Buffer.from([0x30, inner.length]), inner]);
  const type = Buffer.concat([Buffer.from([0xa1, seq.length]), seq]);
  const body = Buffer.concat([Buffer.from('3000', 'hex'), Buffer.from('3000', 'hex'), type]);
  return Buffer.concat([Buffer.from([0xa1, body.length]), body]);
}
