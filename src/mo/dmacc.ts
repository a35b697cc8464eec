/**
 * DMAcc, DM 1.2 form — `./DMAcc/<x>`, `urn:oma:mo:oma-dm-dmacc:1.0`
 * (shared/spec/oma-dm-facts.md §6.3): one `<x>` per DM server account.
 *
 * Choices where the spec is informative or silent (UNVERIFIED — our picks):
 * - access types: the spec lists Get only; like real clients we let servers
 *   manage accounts: `<x>` Add/Delete/Get/Replace; required leaves
 *   Add/Get/Replace; optional leaves and sub-nodes also Delete; `AAuthSecret`
 *   and `AAuthData` Add/Replace only (never readable, as on Windows);
 *   `AppID` Add/Get (it is always `w7`);
 * - `AppAuth` ZeroOrOne (the figure shows it optional; the text says
 *   OneOrMore for its `<x>` children, which we keep), `AppAddr` One with
 *   OneOrMore `<x>`, `DMAcc/<x>` OneOrMore;
 * - `PortNbr` is `chr` (decimal, fits uint16), `AAuthData` is `bin`;
 * - the `DMAcc` container is permanent with ACL `Get=*`; each account gets
 *   `Add=<ServerID>&Delete=<ServerID>&Get=<ServerID>&Replace=<ServerID>`
 *   ({@link addDmAccount}; the w7 rule grants Get, Replace, Delete — we add Add
 *   so the server can extend its own account).
 */
import type { MoDescription, NodeDescription } from '../tree/description.js';
import type { DmTree } from '../tree/dm-tree.js';
import { childUri } from '../tree/uri.js';
import { interior, leaf } from './description.js';
import { instantiateMo, type MoValues } from './instantiate.js';

/** MO identifier of DMAcc (DM 1.2). */
export const DMACC_MO_ID = 'urn:oma:mo:oma-dm-dmacc:1.0';

const rw = { accessTypes: ['Add', 'Get', 'Replace'] } as const;
const rwOpt = { accessTypes: ['Add', 'Delete', 'Get', 'Replace'], occurrence: 'ZeroOrOne' } as const;
const secret = { accessTypes: ['Add', 'Replace'], occurrence: 'ZeroOrOne' } as const;
const each = { accessTypes: ['Add', 'Delete', 'Get', 'Replace'], occurrence: 'OneOrMore' } as const;

const ACCOUNT: NodeDescription = interior('<x>', [
  leaf('AppID', { accessTypes: ['Add', 'Get'], defaultValue: 'w7', description: 'Application id: always w7 (DM).' }),
  leaf('ServerID', { ...rw, description: 'Server identifier: the id used in ACLs.' }),
  leaf('Name', { ...rwOpt, description: 'Display name of the server.' }),
  leaf('PrefConRef', { ...rwOpt, description: 'URI of the preferred connectivity object (NAP/proxy) or an implementation id.' }),
  interior('ToConRef', [
    interior('<x>', [leaf('ConRef', { ...rw, description: 'Connectivity reference.' })], { ...each }),
  ], { ...rwOpt, description: 'Connectivity references.' }),
  interior('AppAddr', [
    interior('<x>', [
      leaf('Addr', { ...rw, description: 'Server address, per AddrType.' }),
      leaf('AddrType', { ...rw, defaultValue: 'URI', description: 'URI, IPv4 or IPv6.' }),
      interior('Port', [
        interior('<x>', [leaf('PortNbr', { ...rw, description: 'Port number, decimal (uint16).' })], { ...each }),
      ], { ...rwOpt, description: 'Ports.' }),
    ], { ...each, description: 'One server address.' }),
  ], { ...rw, description: 'Server addresses.' }),
  leaf('AAuthPref', { ...rwOpt, description: 'Preferred AAuthType, e.g. DIGEST.' }),
  interior('AppAuth', [
    interior('<x>', [
      leaf('AAuthLevel', { ...rw, description: 'CLCRED, SRVCRED, OBEX or HTTP.' }),
      leaf('AAuthType', { ...rw, description: 'HTTP-BASIC, HTTP-DIGEST, BASIC, DIGEST, HMAC, X509, SECURID, SAFEWORD, DIGIPASS or TRANSPORT.' }),
      leaf('AAuthName', { ...rwOpt, description: 'Authentication name.' }),
      leaf('AAuthSecret', { ...secret, description: 'Authentication secret (never readable).' }),
      leaf('AAuthData', { ...secret, format: 'bin', dfType: 'application/octet-stream', description: 'Nonce or other authentication data (never readable).' }),
    ], { ...each, description: 'One set of credentials.' }),
  ], { ...rwOpt, description: 'Credentials.' }),
  interior('Ext', undefined, { ...rwOpt, description: 'Vendor extensions.' }),
], { ...each, dfType: DMACC_MO_ID, description: 'One DM server account.' });

/** DMAcc as data: the `DMAcc` container with its `<x>` accounts. */
export const DMACC_MO: MoDescription = {
  id: DMACC_MO_ID,
  name: 'DMAcc',
  location: './DMAcc',
  description: 'DM server accounts (DM 1.2 form).',
  root: interior('DMAcc', [ACCOUNT], { scope: 'Permanent', acl: 'Get=*', description: 'DM server accounts.' }),
};

/** AAuthLevel values (§6.3). */
export type AAuthLevel = 'CLCRED' | 'SRVCRED' | 'OBEX' | 'HTTP';

/** One set of credentials of an account. */
export interface DmAccountAuth {
  level: AAuthLevel;
  /** HTTP-BASIC, HTTP-DIGEST, BASIC, DIGEST, HMAC, X509, SECURID, SAFEWORD, DIGIPASS, TRANSPORT. */
  type: string;
  name?: string;
  secret?: string;
  data?: Uint8Array;
}

/** A DM server account, as the client uses it. */
export interface DmAccount {
  serverId: string;
  name?: string;
  prefConRef?: string;
  /** Server addresses in preference order (`AppAddr/<x>`). */
  addresses: readonly { addr: string; addrType?: 'URI' | 'IPv4' | 'IPv6'; ports?: readonly number[] }[];
  /** Preferred AAuthType. */
  authPref?: string;
  /** Credentials (`AppAuth/<x>`, named after their level). */
  auth?: readonly DmAccountAuth[];
}

/** An account's values in the shape `instantiateMo` takes. */
export function dmAccountValues(a: DmAccount): MoValues {
  const v: Record<string, MoValues[string]> = { AppID: 'w7', ServerID: a.serverId };
  if (a.name !== undefined) v.Name = a.name;
  if (a.prefConRef !== undefined) v.PrefConRef = a.prefConRef;
  const addrs: Record<string, MoValues> = {};
  a.addresses.forEach((x, i) => {
    const addr: Record<string, MoValues[string]> = { Addr: x.addr, AddrType: x.addrType ?? 'URI' };
    if (x.ports?.length) addr.Port = Object.fromEntries(x.ports.map((p, j) => [`p${j + 1}`, { PortNbr: String(p) }]));
    addrs[`a${i + 1}`] = addr;
  });
  v.AppAddr = addrs;
  if (a.authPref !== undefined) v.AAuthPref = a.authPref;
  if (a.auth?.length) {
    const auths: Record<string, MoValues> = {};
    for (const x of a.auth) {
      let key: string = x.level;
      for (let i = 2; key in auths; i++) key = `${x.level}${i}`;
      const e: Record<string, MoValues[string]> = { AAuthLevel: x.level, AAuthType: x.type };
      if (x.name !== undefined) e.AAuthName = x.name;
      if (x.secret !== undefined) e.AAuthSecret = x.secret;
      if (x.data !== undefined) e.AAuthData = x.data;
      auths[key] = e;
    }
    v.AppAuth = auths;
  }
  return v;
}

/**
 * Add (or update) account `<x>` = `nodeName` under `./DMAcc`, creating the
 * DMAcc container if needed, with an ACL that gives the account's server
 * Add, Delete, Get and Replace on it.
 */
export function addDmAccount(tree: DmTree, nodeName: string, account: DmAccount): void {
  const id = account.serverId;
  const acl = /^[^\s=&*+]+$/.test(id) ? `Add=${id}&Delete=${id}&Get=${id}&Replace=${id}` : undefined;
  if (!tree.exists('./DMAcc')) instantiateMo(tree, DMACC_MO);
  instantiateMo(tree, { ...DMACC_MO, root: ACCOUNT, location: childUri('./DMAcc', nodeName) }, { values: dmAccountValues(account), acl, recordMoId: false });
}

/** An account read back from the tree, with the name of its `<x>` node. */
export interface DmAccountEntry extends DmAccount {
  node: string;
}

/** Every account under `./DMAcc`, in tree order (unreadable parts skipped). */
export function listDmAccounts(tree: DmTree): DmAccountEntry[] {
  if (!tree.exists('./DMAcc')) return [];
  const text = (uri: string): string | undefined => {
    if (!tree.exists(uri)) return undefined;
    const v = tree.readValue(uri);
    return typeof v === 'string' ? v : v === undefined ? undefined : new TextDecoder().decode(v);
  };
  const kids = (uri: string): string[] => (tree.exists(uri) ? tree.childNames(uri) : []);
  return tree.childNames('./DMAcc').map((node) => {
    const base = childUri('./DMAcc', node);
    const entry: DmAccountEntry = { node, serverId: text(`${base}/ServerID`) ?? '', addresses: [] };
    const name = text(`${base}/Name`); if (name !== undefined) entry.name = name;
    const pref = text(`${base}/PrefConRef`); if (pref !== undefined) entry.prefConRef = pref;
    const authPref = text(`${base}/AAuthPref`); if (authPref !== undefined) entry.authPref = authPref;
    entry.addresses = kids(`${base}/AppAddr`).map((x) => {
      const a = childUri(`${base}/AppAddr`, x);
      const ports = kids(`${a}/Port`).map((p) => Number(text(`${childUri(`${a}/Port`, p)}/PortNbr`)));
      return { addr: text(`${a}/Addr`) ?? '', addrType: (text(`${a}/AddrType`) ?? 'URI') as 'URI' | 'IPv4' | 'IPv6', ...(ports.length ? { ports } : {}) };
    });
    const auth = kids(`${base}/AppAuth`).map((x): DmAccountAuth => {
      const a = childUri(`${base}/AppAuth`, x);
      const out: DmAccountAuth = { level: (text(`${a}/AAuthLevel`) ?? '') as AAuthLevel, type: text(`${a}/AAuthType`) ?? '' };
      const n = text(`${a}/AAuthName`); if (n !== undefined) out.name = n;
      const s = text(`${a}/AAuthSecret`); if (s !== undefined) out.secret = s;
      if (tree.exists(`${a}/AAuthData`)) {
        const d = tree.readValue(`${a}/AAuthData`);
        out.data = typeof d === 'string' ? new TextEncoder().encode(d) : d;
      }
      return out;
    });
    if (auth.length) entry.auth = auth;
    return entry;
  });
}
