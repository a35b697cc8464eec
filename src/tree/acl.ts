/**
 * Access control lists of DM tree nodes (shared/spec/oma-dm-facts.md §5.4).
 *
 * ```
 * acl     = "" | entry *( "&" entry )
 * entry   = command "=" id *( "+" id )
 * command = "Add" | "Delete" | "Exec" | "Get" | "Replace"
 * id      = "*" | 1*( any printable character except "=", "&", "*", "+" and whitespace )
 * ```
 * Rights go to ServerIDs (DMAcc `ServerID`); `*` is any authenticated server
 * and overrides named ids. An empty ACL inherits, as a whole, the ACL of the
 * nearest ancestor that has one (never per command, never merged); that walk
 * lives in the tree, this module only reads and writes one ACL value.
 *
 * Lenient on one point: a command that appears twice (`Get=a&Get=b`) is read
 * as the union of its ids. A command without ids (`Get=`), an unknown command,
 * an empty entry (`&&`, trailing `&`) or a bad id are {@link AclSyntaxError}s.
 *
 * Pure: no I/O.
 */
import { AclSyntaxError } from './errors.js';

/** The commands an ACL can grant (there is no `Copy` keyword: Copy needs the equivalent rights). */
export const ACL_COMMANDS = Object.freeze(['Add', 'Delete', 'Exec', 'Get', 'Replace'] as const);

/** One command an ACL can grant. */
export type AclCommand = (typeof ACL_COMMANDS)[number];

/** One `command=id+id` entry of an ACL. */
export interface AclEntry {
  readonly command: AclCommand;
  /** Server ids, in the order written, without duplicates; `*` for everyone. */
  readonly serverIds: readonly string[];
}

/** A parsed ACL: at most one entry per command, in first-written order. Empty means "inherit". */
export type Acl = readonly AclEntry[];

const COMMANDS = new Set<string>(ACL_COMMANDS);
// Printable, not whitespace, not one of the four grammar characters.
// eslint-disable-next-line no-control-regex -- control characters are not printable
const BAD_ID_CHAR = /[\s=&*+\u0000-\u001f\u007f]/u;

/**
 * Parse an ACL value.
 * @throws AclSyntaxError when `text` does not follow the grammar.
 */
export function parseAcl(text: string): Acl {
  if (text === '') return [];
  const byCommand = new Map<AclCommand, string[]>();
  let pos = 0;
  for (const entry of text.split('&')) {
    const eq = entry.indexOf('=');
    if (entry === '') throw new AclSyntaxError(text, pos, 'empty entry');
    if (eq < 0) throw new AclSyntaxError(text, pos, `entry ${JSON.stringify(entry)} has no "="`);
    const command = entry.slice(0, eq);
    if (!COMMANDS.has(command)) throw new AclSyntaxError(text, pos, `unknown command ${JSON.stringify(command)} (Add, Delete, Exec, Get, Replace)`);
    const ids = entry.slice(eq + 1);
    if (ids === '') throw new AclSyntaxError(text, pos + eq + 1, `command ${command} has no server id`);
    let list = byCommand.get(command as AclCommand);
    if (!list) { list = []; byCommand.set(command as AclCommand, list); }
    let idPos = pos + eq + 1;
    for (const id of ids.split('+')) {
      if (id === '') throw new AclSyntaxError(text, idPos, 'empty server id');
      if (id !== '*' && BAD_ID_CHAR.test(id)) throw new AclSyntaxError(text, idPos, `server id ${JSON.stringify(id)} has a character ACLs cannot carry`);
      if (!list.includes(id)) list.push(id);
      idPos += id.length + 1;
    }
    pos += entry.length + 1;
  }
  return [...byCommand].map(([command, serverIds]) => ({ command, serverIds }));
}

/** Write an ACL in the grammar's form (`Add=a+b&Get=*`). `[]` gives `''`. */
export function formatAcl(acl: Acl): string {
  return acl.filter((e) => e.serverIds.length > 0).map((e) => `${e.command}=${e.serverIds.join('+')}`).join('&');
}

/** True when `text` is a valid ACL value. */
export function isValidAcl(text: string): boolean {
  try { parseAcl(text); return true; } catch { return false; }
}

// Parsed ACLs are few and repeat (a tree has a handful of distinct values); a small cache keeps checks cheap.
const cache = new Map<string, Acl>();
const CACHE_MAX = 512;

function parsedCached(text: string): Acl {
  let acl = cache.get(text);
  if (acl === undefined) {
    acl = parseAcl(text);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(text, acl);
  }
  return acl;
}

/** The ids an ACL grants `command` to (empty when the command is absent). */
export function aclServerIds(acl: Acl | string, command: AclCommand): readonly string[] {
  const parsed = typeof acl === 'string' ? parsedCached(acl) : acl;
  return parsed.find((e) => e.command === command)?.serverIds ?? [];
}

/**
 * Does this (already effective, i.e. non-inherited) ACL grant `command` to `serverId`?
 * `*` matches any server; otherwise an exact, case-sensitive id match.
 */
export function aclGrants(acl: Acl | string, command: AclCommand, serverId: string): boolean {
  const ids = aclServerIds(acl, command);
  return ids.includes('*') || ids.includes(serverId);
}

/**
 * Remove a server id from an ACL (when its DMAcc account is deleted). Commands
 * left without ids disappear. `*` entries are kept.
 */
export function removeServerFromAcl(acl: string, serverId: string): string {
  if (serverId === '*') return acl;
  const parsed = parseAcl(acl);
  return formatAcl(parsed.map((e) => ({ command: e.command, serverIds: e.serverIds.filter((id) => id !== serverId) })));
}

/** An ACL with `serverIds` added to `command`'s entry (created if absent). Used for the creator fallback. */
export function withGrant(acl: Acl, command: AclCommand, serverIds: readonly string[]): Acl {
  const existing = acl.find((e) => e.command === command);
  if (!existing) return [...acl, { command, serverIds: [...new Set(serverIds)] }];
  return acl.map((e) => (e === existing ? { command, serverIds: [...new Set([...e.serverIds, ...serverIds])] } : e));
}
