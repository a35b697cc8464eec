/**
 * The DM bootstrap profile: an ordinary SyncML DM message, WBXML, whose body
 * Adds DMAcc accounts (shared/spec/oma-dm-facts.md §8.2). Two forms:
 * - `direct`: one Add per node of `./DMAcc/<x>` (interior nodes with
 *   Format node, leaves with their values);
 * - `tnds`: one Add of a TNDS object to `./Inbox`, its top node typed with the
 *   DMAcc MO identifier and carrying its ACL; references inside the object
 *   may be written `./Inbox/<path-in-TNDS>` (e.g. PrefConRef).
 * The device answers nothing (the bootstrap is acknowledged by its first
 * client-initiated session).
 */
import type { Command, EmbeddedElement, EmbeddedNode, Item, SyncMLMessage } from '../syncml/model.js';
import { encodeMessage } from '../syncml/codec.js';
import { DMACC_MO_ID, dmAccountValues, type DmAccount } from '../mo/dmacc.js';
import type { MoValues } from '../mo/instantiate.js';

/** Meta Type of a TNDS object in WBXML. */
const TNDS_WBXML = 'application/vnd.syncml.dmtnds+wbxml';
/** Media type of a DM-profile bootstrap (WBXML, WSP 0x42). */
export const DM_BOOTSTRAP_TYPE = 'application/vnd.syncml.dm+wbxml';

/** One account of a DM-profile bootstrap, with the `<x>` name it gets. */
export interface DmBootstrapAccount {
  node: string;
  account: DmAccount;
  /** ACL of `./DMAcc/<x>`; default gives the account's server Add, Delete, Get and Replace. */
  acl?: string;
}

/** Options of {@link buildDmBootstrapMessage}. */
export interface DmBootstrapOptions {
  form: 'direct' | 'tnds';
  /** SyncHdr Target: the device's DevId (`*` when unknown, e.g. for an image built for many VMs). */
  target: string;
  /** SyncHdr Source: who issues the bootstrap (a ServerID or URI). */
  source: string;
}

/** The standard per-account ACL. */
export function accountAcl(serverId: string): string {
  return `Add=${serverId}&Delete=${serverId}&Get=${serverId}&Replace=${serverId}`;
}

/** A TNDS `MgmtTree` holding accounts as `<x>` nodes (ACL on each, typed with the DMAcc MO id). */
export function dmAccountsTnds(accounts: readonly DmBootstrapAccount[]): EmbeddedElement {
  const nodes = accounts.map((a) => tndsNode(a.node, dmAccountValues(a.account), a.acl ?? accountAcl(a.account.serverId), DMACC_MO_ID));
  return el('MgmtTree', el('VerDTD', '1.2'), ...nodes);
}

/** Build the bootstrap message (model). */
export function buildDmBootstrapModel(accounts: readonly DmBootstrapAccount[], options: DmBootstrapOptions): SyncMLMessage {
  const commands: Command[] = [];
  let cmd = 0;
  const next = () => String(++cmd);
  if (options.form === 'direct') {
    for (const a of accounts) {
      const base = `./DMAcc/${a.node}`;
      const items: Item[] = [{ target: { locURI: base }, meta: { format: 'node' } }];
      flatten(dmAccountValues(a.account), base, items);
      commands.push({ kind: 'Add', cmdID: next(), items });
    }
  } else {
    commands.push({
      kind: 'Add', cmdID: next(),
      items: [{ target: { locURI: './Inbox' }, meta: { format: 'xml', type: TNDS_WBXML }, data: { kind: 'tnds', root: dmAccountsTnds(accounts) } }],
    });
  }
  return {
    version: '1.2',
    header: { verDTD: '1.2', verProto: 'DM/1.2', sessionID: '0', msgID: '0', target: { locURI: options.target }, source: { locURI: options.source } },
    body: { commands, final: true },
  };
}

/** Build the bootstrap message as WBXML bytes (what is MACed and sent). */
export function buildDmBootstrapMessage(accounts: readonly DmBootstrapAccount[], options: DmBootstrapOptions): Uint8Array {
  return encodeMessage(buildDmBootstrapModel(accounts, options), 'wbxml');
}

function flatten(values: MoValues, base: string, items: Item[]): void {
  for (const [name, v] of Object.entries(values)) {
    const uri = `${base}/${name}`;
    if (v instanceof Uint8Array) items.push({ target: { locURI: uri }, meta: { format: 'b64' }, data: Buffer.from(v).toString('base64') });
    else if (typeof v === 'object' && v !== null) {
      items.push({ target: { locURI: uri }, meta: { format: 'node' } });
      flatten(v as MoValues, uri, items);
    } else items.push({ target: { locURI: uri }, meta: { format: 'chr' }, data: String(v) });
  }
}

function el(name: string, ...children: EmbeddedNode[]): EmbeddedElement {
  return { name, children };
}

function tndsNode(name: string, values: MoValues | string | Uint8Array, acl: string | undefined, type: string | undefined): EmbeddedElement {
  const rt: EmbeddedNode[] = [];
  if (acl) rt.push(el('ACL', acl));
  if (typeof values === 'object' && !(values instanceof Uint8Array)) {
    rt.push(el('Format', el('node')));
    if (type) rt.push(el('Type', el('DDFName', type)));
    const kids = Object.entries(values).map(([k, v]) => tndsNode(k, v as MoValues, undefined, undefined));
    return el('Node', el('NodeName', name), el('RTProperties', ...rt), ...kids);
  }
  if (values instanceof Uint8Array) {
    rt.push(el('Format', el('b64')));
    return el('Node', el('NodeName', name), el('RTProperties', ...rt), el('Value', Buffer.from(values).toString('base64')));
  }
  rt.push(el('Format', el('chr')));
  return el('Node', el('NodeName', name), el('RTProperties', ...rt), el('Value', String(values)));
}
