/**
 * The CP bootstrap profile: a DM account as the `APPLICATION` characteristic
 * with `APPID=w7` of a provisioning document, and back
 * (shared/spec/oma-dm-facts.md §6.3 "w7 → DMAcc mapping", §8.2).
 *
 * Mapping: PROVIDER-ID → ServerID, NAME → Name, TO-NAPID/TO-PROXY →
 * PrefConRef, APPADDR/ADDR, ADDRTYPE, PORT/PORTNBR → AppAddr, APPAUTH →
 * AppAuth with AAUTHLEVEL `APPSRV` → CLCRED, `CLIENT` → SRVCRED, `OBEX` →
 * OBEX. ADDR may also be a direct parm of APPLICATION (Windows writes it so).
 * AAUTHDATA travels as base64 text. AAuthPref has no w7 parm: the CLCRED
 * type is used.
 */
import { DecodeError } from '../errors.js';
import type { AAuthLevel, DmAccount, DmAccountAuth } from '../mo/dmacc.js';
import type { ProvCharacteristic, ProvisioningDoc } from './cp-document.js';

const LEVEL_TO_W7: Partial<Record<AAuthLevel, string>> = { CLCRED: 'APPSRV', SRVCRED: 'CLIENT', OBEX: 'OBEX' };
const W7_TO_LEVEL: Record<string, AAuthLevel> = { APPSRV: 'CLCRED', CLIENT: 'SRVCRED', OBEX: 'OBEX' };

/** The `APPLICATION` characteristic of one DM account. */
export function accountToW7(a: DmAccount): ProvCharacteristic {
  const parms = [{ name: 'APPID', value: 'w7' }, { name: 'PROVIDER-ID', value: a.serverId }];
  if (a.name !== undefined) parms.push({ name: 'NAME', value: a.name });
  if (a.prefConRef !== undefined) parms.push({ name: 'TO-NAPID', value: a.prefConRef });
  const children: ProvCharacteristic[] = a.addresses.map((x) => ({
    type: 'APPADDR',
    parms: [{ name: 'ADDR', value: x.addr }, ...(x.addrType && x.addrType !== 'URI' ? [{ name: 'ADDRTYPE', value: x.addrType }] : [])],
    children: (x.ports ?? []).map((p) => ({ type: 'PORT', parms: [{ name: 'PORTNBR', value: String(p) }], children: [] })),
  }));
  for (const au of a.auth ?? []) {
    const level = LEVEL_TO_W7[au.level];
    if (!level) continue; // HTTP-level credentials have no w7 form
    const p = [{ name: 'AAUTHLEVEL', value: level }, { name: 'AAUTHTYPE', value: au.type }];
    if (au.name !== undefined) p.push({ name: 'AAUTHNAME', value: au.name });
    if (au.secret !== undefined) p.push({ name: 'AAUTHSECRET', value: au.secret });
    if (au.data !== undefined && au.data.length) p.push({ name: 'AAUTHDATA', value: Buffer.from(au.data).toString('base64') });
    children.push({ type: 'APPAUTH', parms: p, children: [] });
  }
  return { type: 'APPLICATION', parms, children };
}

/** A provisioning document carrying these accounts. */
export function buildCpDocument(accounts: readonly DmAccount[]): ProvisioningDoc {
  return { version: '1.0', characteristics: accounts.map(accountToW7) };
}

/**
 * The DM accounts of a provisioning document (its `APPLICATION` with
 * APPID=w7). Other characteristics (NAPDEF, PXLOGICAL, other applications)
 * are not DM's and are ignored.
 */
export function w7Accounts(doc: ProvisioningDoc): DmAccount[] {
  const out: DmAccount[] = [];
  doc.characteristics.forEach((c, i) => {
    if (c.type !== 'APPLICATION' || parm(c, 'APPID') !== 'w7') return;
    const where = `characteristic[${i + 1}]`;
    const fail = (reason: string): never => { throw new DecodeError('cp-bootstrap', where, reason); };
    const serverId = parm(c, 'PROVIDER-ID') ?? fail('w7 APPLICATION without PROVIDER-ID');
    const addresses: { addr: string; addrType?: 'URI' | 'IPv4' | 'IPv6'; ports?: number[] }[] = [];
    const direct = parm(c, 'ADDR');
    if (direct !== undefined) addresses.push({ addr: direct, addrType: 'URI' });
    const auth: DmAccountAuth[] = [];
    for (const k of c.children) {
      if (k.type === 'APPADDR') {
        const addr = parm(k, 'ADDR') ?? fail('APPADDR without ADDR');
        const t = (parm(k, 'ADDRTYPE') ?? 'URI').toUpperCase();
        const addrType = t === 'IPV4' ? 'IPv4' : t === 'IPV6' ? 'IPv6' : t === 'URI' ? 'URI' : fail(`ADDRTYPE ${t} is not URI, IPV4 or IPV6`);
        const ports = k.children.filter((x) => x.type === 'PORT').map((x) => {
          const n = Number(parm(x, 'PORTNBR'));
          if (!Number.isInteger(n) || n < 0 || n > 65535) fail('PORTNBR is not a port number');
          return n;
        });
        addresses.push({ addr, addrType, ...(ports.length ? { ports } : {}) });
      } else if (k.type === 'APPAUTH') {
        const lv = (parm(k, 'AAUTHLEVEL') ?? '').toUpperCase();
        const level = W7_TO_LEVEL[lv] ?? fail(`AAUTHLEVEL ${JSON.stringify(lv)} is not APPSRV, CLIENT or OBEX`);
        const e: DmAccountAuth = { level, type: parm(k, 'AAUTHTYPE') ?? fail('APPAUTH without AAUTHTYPE') };
        const n = parm(k, 'AAUTHNAME'); if (n !== undefined) e.name = n;
        const s = parm(k, 'AAUTHSECRET'); if (s !== undefined) e.secret = s;
        const d = parm(k, 'AAUTHDATA');
        if (d !== undefined) {
          if (!/^[A-Za-z0-9+/]*={0,2}$/.test(d)) fail('AAUTHDATA is not base64');
          e.data = new Uint8Array(Buffer.from(d, 'base64'));
        }
        auth.push(e);
      }
    }
    if (addresses.length === 0) fail('w7 APPLICATION without an address');
    const a: DmAccount = { serverId, addresses };
    const name = parm(c, 'NAME'); if (name !== undefined) a.name = name;
    const ref = parm(c, 'TO-NAPID') ?? parm(c, 'TO-PROXY'); if (ref !== undefined) a.prefConRef = ref;
    if (auth.length) { a.auth = auth; const cl = auth.find((x) => x.level === 'CLCRED'); if (cl) a.authPref = cl.type; }
    out.push(a);
  });
  return out;
}

function parm(c: ProvCharacteristic, name: string): string | undefined {
  return c.parms.find((p) => p.name === name)?.value;
}
