/**
 * Applying a bootstrap on the device: verify SEC/MAC, decode (DM or CP
 * profile), write the accounts into the tree — all or nothing.
 *
 * A bootstrap runs with the device's own authority (it is trusted because its
 * MAC verified, or because it came from the factory image), so it writes
 * through the tree's owner API rather than as a server. What it may not do
 * without `allowOverwrite`: replace or delete a node that existed before,
 * Add over an existing leaf or account, or add an account whose ServerID
 * another account already has. Any refusal leaves the tree as it was: the
 * whole bootstrap is first run on a copy of the tree, and only a clean run
 * is repeated on the real one.
 *
 * DM profile: the message is processed like a DM message (Add, Replace,
 * Delete, in Atomic/Sequence too; Get and Alert are ignored; Exec and Copy
 * are refused) and answered with nothing. A TNDS object Added to `./Inbox`
 * is placed by its top node's Type: the DMAcc MO identifier (or the
 * `org.openmobilealliance/1.0/w7` name used in examples) goes to
 * `./DMAcc/<NodeName>`; other objects are ignored (spec: MAY). Values that
 * refer to `./Inbox/<name>…` are rewritten to where `<name>` was placed.
 */
import { createHash } from 'node:crypto';
import { DmvisorError, DecodeError } from '../errors.js';
import { DmTree, type DmTreeOptions } from '../tree/index.js';
import { parseTnds, isTndsType, type TndsNode } from '../tree/tnds.js';
import { tndsRoot } from '../tree/tnds.js';
import { childUri, parseDmUri } from '../tree/uri.js';
import { addDmAccount, listDmAccounts, moResolver, type DmAccount, type DmAccountEntry } from '../mo/index.js';
import { DMACC_MO_ID } from '../mo/dmacc.js';
import type { Command, Item, SyncMLMessage } from '../syncml/model.js';
import { decodeMessage } from '../syncml/codec.js';
import { classifyDmContentType } from '../syncml/media-types.js';
import { CP_WBXML_TYPE, CP_XML_TYPE, decodeProvisioningWbxml, decodeProvisioningXml } from './cp-document.js';
import { w7Accounts } from './cp-profile.js';
import { accountAcl } from './dm-profile.js';
import { verifyBootstrapMac, type BootstrapSecrets, type SecMethod } from './security.js';

/** A bootstrap as received: its bytes, media type and security parameters. */
export interface BootstrapDocument {
  bytes: Uint8Array;
  /** `application/vnd.syncml.dm+wbxml` (DM profile) or `application/vnd.wap.connectivity-wbxml` / `text/vnd.wap.connectivity-xml` (CP). */
  contentType: string;
  sec?: SecMethod;
  mac?: string;
}

/** Options of {@link applyBootstrap}. */
export interface ApplyBootstrapOptions {
  /** PIN / IMSI for the MAC check. */
  secrets?: BootstrapSecrets;
  /** Refuse a document without SEC (server-initiated pushes). Default true. */
  requireSecurity?: boolean;
  /** Let the bootstrap replace existing nodes and accounts. Default false. */
  allowOverwrite?: boolean;
  /** The device's DevId: a DM-profile message addressed to another device is refused (`*` matches any). */
  deviceId?: string;
  /** Options for the scratch copy of the tree (MO resolver). */
  treeOptions?: DmTreeOptions;
}

/** What a bootstrap did. */
export interface BootstrapOutcome {
  profile: 'dm' | 'cp';
  /** Accounts the bootstrap created or replaced. */
  accounts: { node: string; serverId: string }[];
  /** What was ignored (unsupported objects). */
  ignored: string[];
  /** SHA-256 of the document bytes, hex: identifies it (re-application, card removal). */
  digest: string;
}

/** A bootstrap was refused; the tree is unchanged. */
export class BootstrapRefusedError extends DmvisorError {
  constructor(message: string, statusHint = 409, code = 'DMV_ERR_BOOTSTRAP_REFUSED') {
    super(message, code, statusHint);
  }
}

/** The profile a media type announces. */
export function bootstrapProfileOf(contentType: string): { profile: 'dm' | 'cp'; encoding: 'xml' | 'wbxml' } {
  const t = contentType.split(';')[0].trim().toLowerCase();
  if (t === CP_WBXML_TYPE) return { profile: 'cp', encoding: 'wbxml' };
  if (t === CP_XML_TYPE) return { profile: 'cp', encoding: 'xml' };
  try {
    return { profile: 'dm', encoding: classifyDmContentType(t).encoding };
  } catch (e) {
    if (e instanceof DecodeError) throw new BootstrapRefusedError(`content type ${JSON.stringify(t)} is not a bootstrap profile`, 415, 'DMV_ERR_BOOTSTRAP_TYPE');
    throw e;
  }
}

/** Verify and apply a bootstrap to `tree`. Throws (tree unchanged) when it is refused. */
export function applyBootstrap(tree: DmTree, doc: BootstrapDocument, options: ApplyBootstrapOptions = {}): BootstrapOutcome {
  if (doc.sec !== undefined) verifyBootstrapMac(doc.sec, options.secrets ?? {}, doc.bytes, doc.mac);
  else if (options.requireSecurity ?? true) throw new BootstrapRefusedError('bootstrap without SEC/MAC refused (security is required here)', 401, 'DMV_ERR_BOOTSTRAP_MAC');
  const { profile, encoding } = bootstrapProfileOf(doc.contentType);
  const digest = createHash('sha256').update(doc.bytes).digest('hex');
  let run: (t: DmTree) => Omit<BootstrapOutcome, 'digest' | 'profile'>;
  if (profile === 'cp') {
    const cp = encoding === 'wbxml' ? decodeProvisioningWbxml(doc.bytes) : decodeProvisioningXml(doc.bytes);
    const accounts = w7Accounts(cp);
    if (accounts.length === 0) throw new BootstrapRefusedError('the provisioning document has no w7 (DM) application', 400, 'DMV_ERR_BOOTSTRAP_EMPTY');
    run = (t) => applyAccounts(t, accounts, options.allowOverwrite ?? false);
  } else {
    const msg = decodeMessage(doc.bytes, encoding);
    const target = msg.header.target.locURI;
    if (options.deviceId !== undefined && target !== '*' && target !== '' && target !== options.deviceId) {
      throw new BootstrapRefusedError(`bootstrap is addressed to ${JSON.stringify(target)}, not to this device`, 403, 'DMV_ERR_BOOTSTRAP_TARGET');
    }
    run = (t) => new DmBootstrapRun(t, options.allowOverwrite ?? false).run(msg);
  }
  // Dry run on a copy: refusals surface here with the real tree untouched.
  const scratch = DmTree.fromSnapshot(tree.snapshot(), options.treeOptions ?? { resolveMo: moResolver() });
  const planned = run(scratch);
  if (planned.accounts.length === 0) throw new BootstrapRefusedError('the bootstrap adds no DM account', 400, 'DMV_ERR_BOOTSTRAP_EMPTY');
  const done = run(tree);
  return { profile, ...done, digest };
}

function safeNode(serverId: string): string {
  const n = serverId.replace(/[^A-Za-z0-9._~-]/g, '_');
  return n === '' || n === '.' || n === '..' ? 'acc' : n.slice(0, 64);
}

/** CP profile (and anything given as DmAccount values): add each account, refusing duplicates. */
function applyAccounts(tree: DmTree, accounts: readonly DmAccount[], allowOverwrite: boolean): Omit<BootstrapOutcome, 'digest' | 'profile'> {
  const out: BootstrapOutcome['accounts'] = [];
  const seen = new Set<string>();
  for (const a of accounts) {
    if (seen.has(a.serverId)) throw new BootstrapRefusedError(`the bootstrap holds two accounts for ${JSON.stringify(a.serverId)}`, 400);
    seen.add(a.serverId);
    const existing = listDmAccounts(tree).find((e) => e.serverId === a.serverId);
    let node = existing?.node ?? safeNode(a.serverId);
    if (existing) {
      if (!allowOverwrite) throw new BootstrapRefusedError(`an account for server ${JSON.stringify(a.serverId)} exists; overwriting it is not permitted`);
      tree.deleteNode(childUri('./DMAcc', existing.node));
    } else if (tree.exists(childUri('./DMAcc', node))) {
      let i = 2;
      while (tree.exists(childUri('./DMAcc', `${node}-${i}`))) i++;
      node = `${node}-${i}`;
    }
    addDmAccount(tree, node, a);
    out.push({ node, serverId: a.serverId });
  }
  return { accounts: out, ignored: [] };
}

const DMACC_TYPES = new Set([DMACC_MO_ID, 'org.openmobilealliance/1.0/w7', 'org.openmobilealliance.dm/1.0/w7']);

/** One run of a DM-profile bootstrap message over a tree. */
class DmBootstrapRun {
  /** URIs of nodes this bootstrap created (it may replace those). */
  private readonly created = new Set<string>();
  private readonly ignored: string[] = [];
  private readonly inboxMoves = new Map<string, string>();
  private readonly before: Map<string, DmAccountEntry>;

  constructor(private readonly tree: DmTree, private readonly allowOverwrite: boolean) {
    this.before = new Map(listDmAccounts(tree).map((a) => [a.node, a]));
  }

  run(msg: SyncMLMessage): Omit<BootstrapOutcome, 'digest' | 'profile'> {
    for (const c of msg.body.commands) this.command(c);
    this.rewriteInboxRefs();
    // Accounts created or replaced, checked for completeness and ServerID clashes.
    const after = listDmAccounts(this.tree);
    const accounts: BootstrapOutcome['accounts'] = [];
    for (const a of after) {
      const uri = childUri('./DMAcc', a.node);
      if (!this.touched(uri)) continue;
      if (!a.serverId) throw new BootstrapRefusedError(`${uri} has no ServerID`, 400, 'DMV_ERR_BOOTSTRAP_INCOMPLETE');
      if (!a.addresses.some((x) => x.addr)) throw new BootstrapRefusedError(`${uri} has no AppAddr/<x>/Addr`, 400, 'DMV_ERR_BOOTSTRAP_INCOMPLETE');
      const clash = after.find((o) => o.node !== a.node && o.serverId === a.serverId);
      if (clash) {
        if (!this.allowOverwrite || this.touched(childUri('./DMAcc', clash.node))) {
          throw new BootstrapRefusedError(`an account for server ${JSON.stringify(a.serverId)} exists (./DMAcc/${clash.node}); overwriting it is not permitted`);
        }
        this.tree.deleteNode(childUri('./DMAcc', clash.node));
      }
      if (this.tree.info(uri).acl === '') this.tree.setAcl(uri, accountAcl(a.serverId));
      accounts.push({ node: a.node, serverId: a.serverId });
    }
    return { accounts, ignored: this.ignored };
  }

  private touched(uri: string): boolean {
    for (const c of this.created) if (c === uri || c.startsWith(uri + '/')) return true;
    return !this.before.has(uri.slice('./DMAcc/'.length)) && this.tree.exists(uri);
  }

  private command(c: Command): void {
    switch (c.kind) {
      case 'Atomic': case 'Sequence':
        for (const k of c.commands) this.command(k);
        return;
      case 'Add':
        for (const it of c.items) this.add(it, it.meta?.format ?? c.meta?.format, it.meta?.type ?? c.meta?.type);
        return;
      case 'Replace':
        for (const it of c.items) this.replace(it, it.meta?.format ?? c.meta?.format, it.meta?.type ?? c.meta?.type);
        return;
      case 'Delete':
        for (const it of c.items) {
          const uri = this.uriOf(it);
          if (!this.created.has(uri) && !this.allowOverwrite) throw new BootstrapRefusedError(`Delete of ${uri} is not permitted in a bootstrap`);
          if (this.tree.exists(uri)) this.tree.deleteNode(uri);
        }
        return;
      case 'Get': case 'Alert': case 'Status': case 'Results':
        return; // nothing is answered to a bootstrap
      case 'Exec': case 'Copy':
        throw new BootstrapRefusedError(`${c.kind} is not allowed in a bootstrap`, 405);
    }
  }

  private uriOf(it: Item): string {
    const uri = it.target?.locURI;
    if (!uri) throw new BootstrapRefusedError('an item without a Target', 400);
    try {
      return parseDmUri(uri).path;
    } catch (e) {
      if (e instanceof DmvisorError) throw new BootstrapRefusedError(`bad target ${JSON.stringify(uri)}: ${e.message}`, 400);
      throw e;
    }
  }

  private add(it: Item, format: string | undefined, type: string | undefined): void {
    const uri = this.uriOf(it);
    if (isTndsType(type)) {
      const tops = this.parseTnds(it);
      if (uri === './Inbox' || uri.startsWith('./Inbox/')) { for (const t of tops) this.inbox(t); return; }
      for (const t of tops) {
        const parent = t.path === undefined || t.path === '' ? uri : t.path.startsWith('.') ? t.path : `${uri}/${t.path}`;
        this.importNode(childUri(parent, t.name), t);
      }
      return;
    }
    const f = (format ?? 'chr').toLowerCase();
    if (this.tree.exists(uri)) {
      if (f === 'node' && this.tree.info(uri).interior) return; // merging into an existing interior node
      if (!this.allowOverwrite && !this.created.has(uri)) throw new BootstrapRefusedError(`${uri} exists; overwriting it is not permitted`);
      this.tree.deleteNode(uri);
    }
    this.ensureParent(uri);
    this.tree.createNode(uri, { format: f === 'b64' ? 'bin' : f, ...(type ? { type } : {}), ...(f === 'node' ? {} : { value: valueOf(it, f) }) });
    this.created.add(uri);
  }

  private replace(it: Item, format: string | undefined, type: string | undefined): void {
    const uri = this.uriOf(it);
    if (!this.tree.exists(uri)) throw new BootstrapRefusedError(`Replace of ${uri}, which does not exist`, 404);
    if (!this.created.has(uri) && !this.allowOverwrite) throw new BootstrapRefusedError(`${uri} exists; overwriting it is not permitted`);
    if (isTndsType(type)) throw new BootstrapRefusedError('Replace with TNDS is not supported in a bootstrap', 415);
    const f = (format ?? 'chr').toLowerCase();
    this.tree.setValue(uri, valueOf(it, f), { format: f === 'b64' ? 'bin' : f });
  }

  private parseTnds(it: Item): TndsNode[] {
    try {
      return parseTnds(tndsRoot(it.data));
    } catch (e) {
      if (e instanceof DmvisorError) throw new BootstrapRefusedError(`bad TNDS object: ${e.message}`, 400, 'DMV_ERR_BOOTSTRAP_TNDS');
      throw e;
    }
  }

  private inbox(top: TndsNode): void {
    if (top.type === undefined || !DMACC_TYPES.has(top.type)) {
      this.ignored.push(`./Inbox/${top.name} (type ${JSON.stringify(top.type ?? '')} is not supported)`);
      return;
    }
    const dest = childUri('./DMAcc', top.name);
    this.inboxMoves.set(`./Inbox/${top.name}`, dest);
    if (!this.tree.exists('./DMAcc')) this.tree.ensureInterior('./DMAcc');
    this.importNode(dest, { ...top, type: DMACC_MO_ID });
  }

  private importNode(uri: string, t: TndsNode): void {
    if (this.tree.exists(uri)) {
      if (t.format === 'node' && this.tree.info(uri).interior && !uri.startsWith('./DMAcc/')) {
        for (const k of t.children) this.importNode(childUri(uri, k.name), k);
        return;
      }
      if (!this.allowOverwrite && !this.created.has(uri)) throw new BootstrapRefusedError(`${uri} exists; overwriting it is not permitted`);
      this.tree.deleteNode(uri);
    }
    this.ensureParent(uri);
    try {
      this.tree.createNode(uri, {
        format: t.format, ...(t.type ? { type: t.type } : {}), ...(t.acl ? { acl: t.acl } : {}), ...(t.title !== undefined ? { title: t.title } : {}),
        ...(t.format === 'node' ? {} : { value: t.value ?? '' }),
      });
    } catch (e) {
      if (e instanceof DmvisorError) throw new BootstrapRefusedError(`${uri}: ${e.message}`, e.statusHint);
      throw e;
    }
    this.created.add(uri);
    for (const k of t.children) this.importNode(childUri(uri, k.name), k);
  }

  private ensureParent(uri: string): void {
    const parent = uri.slice(0, uri.lastIndexOf('/'));
    try {
      if (parent !== '.' && !this.tree.exists(parent)) this.tree.ensureInterior(parent);
    } catch (e) {
      if (e instanceof DmvisorError) throw new BootstrapRefusedError(`${uri}: ${e.message}`, e.statusHint);
      throw e;
    }
  }

  /** `./Inbox/<name>/…` references → where `<name>` was placed. */
  private rewriteInboxRefs(): void {
    if (this.inboxMoves.size === 0) return;
    const walk = (uri: string) => {
      const info = this.tree.info(uri);
      if (info.interior) { for (const k of this.tree.childNames(uri)) walk(childUri(uri, k)); return; }
      const v = this.tree.readValue(uri);
      if (typeof v !== 'string' || !v.startsWith('./Inbox/')) return;
      for (const [from, to] of this.inboxMoves) {
        if (v === from || v.startsWith(from + '/')) { this.tree.setValue(uri, to + v.slice(from.length)); return; }
      }
    };
    for (const dest of this.inboxMoves.values()) if (this.tree.exists(dest)) walk(dest);
  }
}

function valueOf(it: Item, format: string): string | Uint8Array {
  const d = it.data;
  if (d === undefined) return '';
  if (typeof d === 'object' && !(d instanceof Uint8Array)) throw new BootstrapRefusedError('an embedded document where a value was expected', 415);
  if (format === 'b64' || format === 'bin') {
    if (d instanceof Uint8Array) return d;
    if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(d)) throw new BootstrapRefusedError('a b64 value that is not base64', 400);
    return new Uint8Array(Buffer.from(d, 'base64'));
  }
  return typeof d === 'string' ? d : new TextDecoder().decode(d);
}
