/**
 * Transport-neutral bootstrap security (shared/spec/oma-dm-facts.md §8.3,
 * oma-dm-facts-2.md §F): `SEC=<method>; MAC=<hex>` as content-type
 * parameters, MAC = HMAC-SHA1(key, the document's bytes as sent).
 *
 * Methods (WSP numeric SEC values): 0 NETWPIN, 1 USERPIN, 2 USERNETWPIN,
 * 3 USERPINMAC. DM Security 1.2.1 names NETWORKID and USERPIN_NETWORKID are
 * accepted as aliases of NETWPIN and USERNETWPIN (as real clients do).
 *
 * Keys:
 * - NETWPIN: the IMSI in SIM semi-octet form (parity nibble `9` for an odd
 *   digit count, `1` + trailing `F` for even; digits swapped in each byte);
 * - USERPIN: the PIN as ASCII;
 * - USERNETWPIN: sources disagree (UNVERIFIED), so it is a choice —
 *   {@link UserNetwPinKey}: `pin-colon-netw` (DM Security text; NetComm:
 *   `PIN ":" IMSI-key`) or `netw-then-pin` (Funambol: `IMSI-key || PIN`);
 * - USERPINMAC: the user enters PIN followed by a "MAC" of equal length
 *   whose digits are the first len(PIN) bytes of HMAC-SHA1(PIN, doc), each
 *   mod 10 (NetComm; ProvBoot details UNVERIFIED). The MAC parameter, when
 *   present, is the full HMAC with the PIN as key.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthError, DmvisorError } from '../errors.js';

/** Security methods by their WSP numbers. */
export const SEC_METHODS = ['NETWPIN', 'USERPIN', 'USERNETWPIN', 'USERPINMAC'] as const;
/** One bootstrap security method. */
export type SecMethod = (typeof SEC_METHODS)[number];

/** How the USERNETWPIN key is built (the sources disagree; see the module comment). */
export type UserNetwPinKey = 'pin-colon-netw' | 'netw-then-pin';
/** The default USERNETWPIN key construction: the DM Security 1.2.1 text. */
export const DEFAULT_USERNETWPIN_KEY: UserNetwPinKey = 'pin-colon-netw';

/** The secrets a key is built from. */
export interface BootstrapSecrets {
  /** User PIN (USERPIN, USERNETWPIN, USERPINMAC; for USERPINMAC this may be PIN+MAC digits as the user typed them). */
  pin?: string;
  /** IMSI digits (NETWPIN, USERNETWPIN). */
  imsi?: string;
  /** USERNETWPIN key construction; default {@link DEFAULT_USERNETWPIN_KEY}. */
  userNetwPinKey?: UserNetwPinKey;
}

/** A bootstrap security setting is wrong (bad method name, missing PIN/IMSI). */
export class BootstrapSecurityError extends DmvisorError {
  constructor(message: string) {
    super(message, 'DMV_ERR_BOOTSTRAP_SECURITY', 400);
  }
}

/** Parse a SEC value: a method name (or alias) or its WSP number. */
export function parseSecMethod(value: string | number): SecMethod {
  if (typeof value === 'number' || /^\d+$/.test(value)) {
    const m = SEC_METHODS[Number(value)];
    if (!m) throw new BootstrapSecurityError(`SEC ${value} is not 0–3`);
    return m;
  }
  const v = value.trim().toUpperCase();
  if (v === 'NETWORKID') return 'NETWPIN';
  if (v === 'USERPIN_NETWORKID') return 'USERNETWPIN';
  if ((SEC_METHODS as readonly string[]).includes(v)) return v as SecMethod;
  throw new BootstrapSecurityError(`unknown SEC method ${JSON.stringify(value)} (expected ${SEC_METHODS.join(', ')})`);
}

/** The WSP number of a method. */
export function secNumber(m: SecMethod): number {
  return SEC_METHODS.indexOf(m);
}

/** IMSI → key bytes in SIM semi-octet form (e.g. `001010123456789` → `09 10 10 10 32 54 76 98`). */
export function imsiKey(imsi: string): Uint8Array {
  if (!/^\d{5,15}$/.test(imsi)) throw new BootstrapSecurityError('IMSI must be 5 to 15 decimal digits');
  const digits = imsi.length % 2 === 1 ? `9${imsi}` : `1${imsi}F`;
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = parseInt(digits[2 * i], 16);
    const lo = parseInt(digits[2 * i + 1], 16);
    out[i] = (lo << 4) | hi;
  }
  return out;
}

function requirePin(s: BootstrapSecrets, method: SecMethod): string {
  if (s.pin === undefined || s.pin === '') throw new BootstrapSecurityError(`${method} needs a PIN`);
  if (s.pin.length > 64) throw new BootstrapSecurityError('PIN longer than 64 characters');
  return s.pin;
}

function requireImsi(s: BootstrapSecrets, method: SecMethod): Uint8Array {
  if (s.imsi === undefined || s.imsi === '') throw new BootstrapSecurityError(`${method} needs the IMSI`);
  return imsiKey(s.imsi);
}

/** The HMAC key of a method (for USERPINMAC: the PIN part only). */
export function bootstrapKey(method: SecMethod, s: BootstrapSecrets): Uint8Array {
  const enc = new TextEncoder();
  switch (method) {
    case 'NETWPIN': return requireImsi(s, method);
    case 'USERPIN': return enc.encode(requirePin(s, method));
    case 'USERPINMAC': return enc.encode(userPinMacPin(requirePin(s, method)));
    case 'USERNETWPIN': {
      const pin = enc.encode(requirePin(s, method));
      const netw = requireImsi(s, method);
      return (s.userNetwPinKey ?? DEFAULT_USERNETWPIN_KEY) === 'netw-then-pin'
        ? concat(netw, pin)
        : concat(pin, enc.encode(':'), netw);
    }
  }
}

/** For USERPINMAC the user may type PIN+MAC digits; an even-length all-digit string is split in half. */
function userPinMacPin(typed: string): string {
  return typed.length % 2 === 0 && typed.length >= 2 && /^\d+$/.test(typed) ? typed.slice(0, typed.length / 2) : typed;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** HMAC-SHA1(key, document) as upper-case hex. */
export function computeBootstrapMac(method: SecMethod, secrets: BootstrapSecrets, document: Uint8Array): string {
  return createHmac('sha1', bootstrapKey(method, secrets)).update(document).digest('hex').toUpperCase();
}

/** The string a USERPINMAC user types: PIN followed by len(PIN) decimal digits derived from HMAC-SHA1(PIN, doc). */
export function userPinMacString(pin: string, document: Uint8Array): string {
  const mac = createHmac('sha1', pin).update(document).digest();
  let digits = '';
  for (let i = 0; i < pin.length; i++) digits += String(mac[i % mac.length] % 10);
  return pin + digits;
}

/**
 * Verify a bootstrap document's security; throws {@link AuthError} when it
 * fails. USERPINMAC is checked on the digits the user typed after the PIN
 * (when `secrets.pin` is PIN+digits) and/or on the MAC parameter when given;
 * the other methods need the MAC parameter.
 */
export function verifyBootstrapMac(method: SecMethod, secrets: BootstrapSecrets, document: Uint8Array, mac: string | undefined): void {
  if (method === 'USERPINMAC') {
    const typed = requirePin(secrets, method);
    const pin = userPinMacPin(typed);
    let checked = false;
    if (typed !== pin) {
      if (userPinMacString(pin, document) !== typed) throw new AuthError('bootstrap USERPINMAC check failed: the PIN or its MAC digits are wrong', 'DMV_ERR_BOOTSTRAP_MAC');
      checked = true;
    }
    if (mac !== undefined) { compareMac(computeBootstrapMac(method, secrets, document), mac); checked = true; }
    if (!checked) throw new AuthError('USERPINMAC needs the MAC parameter or the PIN followed by its MAC digits', 'DMV_ERR_BOOTSTRAP_MAC');
    return;
  }
  if (mac === undefined || mac === '') throw new AuthError(`bootstrap with SEC=${method} has no MAC`, 'DMV_ERR_BOOTSTRAP_MAC');
  compareMac(computeBootstrapMac(method, secrets, document), mac);
}

function compareMac(expected: string, given: string): void {
  const g = Buffer.from(given.trim().toUpperCase());
  const e = Buffer.from(expected);
  if (g.length !== e.length || !timingSafeEqual(g, e)) throw new AuthError('bootstrap MAC does not verify (wrong PIN/IMSI or altered document)', 'DMV_ERR_BOOTSTRAP_MAC');
}
