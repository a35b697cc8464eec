/**
 * Human-readable dumps of DM messages and package #0, for `dmvisor codec
 * inspect`: what a person debugging a device capture wants to read — who
 * talks to whom, with what credentials, which commands on which nodes, and
 * every status and alert code with its name.
 */
import type { Command, DataValue, EmbeddedElement, Item, Meta, SyncMLMessage } from '../syncml/model.js';
import { isEmbeddedDocument } from '../syncml/model.js';
import { alertName, statusDescription, statusName } from '../syncml/codes.js';
import type { Package0 } from '../notification/index.js';

/** Longest data value shown before it is cut (the rest is summarised). */
const MAX_SHOWN = 200;

/** Dump a SyncML message as indented text. */
export function dumpMessage(msg: SyncMLMessage, encoding: string, byteLength: number): string {
  const h = msg.header;
  const lines: string[] = [];
  lines.push(`SyncML DM message (${encoding}, ${byteLength} bytes, DTD ${msg.version}, ${h.verProto})`);
  lines.push(`  session ${h.sessionID}  message ${h.msgID}${msg.body.final ? '  [Final]' : '  [no Final: package continues]'}`);
  lines.push(`  from ${h.source.locURI}${h.source.locName !== undefined ? ` (LocName ${h.source.locName})` : ''}`);
  lines.push(`  to   ${h.target.locURI}`);
  if (h.respURI !== undefined) lines.push(`  RespURI ${h.respURI}`);
  if (h.cred) lines.push(`  Cred ${h.cred.meta?.type ?? '(no type)'} ${h.cred.meta?.format ?? ''} ${h.cred.data}`.trimEnd());
  if (h.meta) lines.push(`  Meta ${metaText(h.meta)}`);
  lines.push(`  ${msg.body.commands.length} command(s):`);
  for (const c of msg.body.commands) dumpCommand(c, '    ', lines);
  return lines.join('\n') + '\n';
}

function dumpCommand(c: Command, indent: string, lines: string[]): void {
  switch (c.kind) {
    case 'Status': {
      const refs = [...c.targetRefs.map((r) => `target ${r}`), ...c.sourceRefs.map((r) => `source ${r}`)].join(', ');
      lines.push(`${indent}#${c.cmdID} Status ${c.data} ${statusName(c.data) ?? ''} for ${c.cmd} (msg ${c.msgRef} cmd ${c.cmdRef})${refs ? ' ' + refs : ''}`);
      lines.push(`${indent}    ${statusDescription(c.data)}`);
      if (c.chal) lines.push(`${indent}    Chal ${metaText(c.chal.meta)}`);
      if (c.cred) lines.push(`${indent}    Cred ${c.cred.meta?.type ?? ''} ${c.cred.data}`);
      break;
    }
    case 'Alert': {
      lines.push(`${indent}#${c.cmdID} Alert ${c.data} ${alertName(c.data) ?? '(unknown alert code)'}${c.correlator !== undefined ? ` correlator ${c.correlator}` : ''}`);
      break;
    }
    case 'Results':
      lines.push(`${indent}#${c.cmdID} Results for cmd ${c.cmdRef}${c.msgRef !== undefined ? ` (msg ${c.msgRef})` : ''}${c.meta ? ' ' + metaText(c.meta) : ''}`);
      break;
    case 'Atomic': case 'Sequence':
      lines.push(`${indent}#${c.cmdID} ${c.kind}${c.noResp ? ' NoResp' : ''} (${c.commands.length} command(s))`);
      for (const inner of c.commands) dumpCommand(inner, indent + '    ', lines);
      return;
    case 'Exec':
      lines.push(`${indent}#${c.cmdID} Exec${c.correlator !== undefined ? ` correlator ${c.correlator}` : ''}${c.meta ? ' ' + metaText(c.meta) : ''}`);
      dumpItem(c.item, indent + '    ', lines);
      return;
    default:
      lines.push(`${indent}#${c.cmdID} ${c.kind}${c.noResp ? ' NoResp' : ''}${c.meta ? ' ' + metaText(c.meta) : ''}`);
  }
  for (const it of c.items) dumpItem(it, indent + '    ', lines);
}

function dumpItem(it: Item, indent: string, lines: string[]): void {
  const parts: string[] = [];
  if (it.target) parts.push(`target ${it.target.locURI}`);
  if (it.source) parts.push(`source ${it.source.locURI}`);
  if (it.targetParent !== undefined) parts.push(`target parent ${it.targetParent}`);
  if (it.sourceParent !== undefined) parts.push(`source parent ${it.sourceParent}`);
  if (it.meta) parts.push(metaText(it.meta));
  if (it.moreData) parts.push('[MoreData]');
  lines.push(`${indent}- ${parts.join('  ') || '(empty item)'}`);
  if (it.data !== undefined) lines.push(...dataText(it.data).map((l) => `${indent}    ${l}`));
}

function dataText(d: DataValue): string[] {
  if (typeof d === 'string') {
    const shown = d.length > MAX_SHOWN ? `${JSON.stringify(d.slice(0, MAX_SHOWN))}… (${d.length} characters)` : JSON.stringify(d);
    return [`data ${shown}`];
  }
  if (d instanceof Uint8Array) {
    const hex = Buffer.from(d.subarray(0, 64)).toString('hex').replace(/(..)/g, '$1 ').trim();
    return [`data ${d.length} bytes: ${hex}${d.length > 64 ? ' …' : ''}`];
  }
  if (isEmbeddedDocument(d)) {
    const lines = [`data: embedded ${d.kind === 'tnds' ? 'TNDS' : 'DevInf'} document`];
    treeText(d.root, '  ', lines);
    return lines;
  }
  return [];
}

function treeText(el: EmbeddedElement, indent: string, lines: string[]): void {
  if (el.children.every((c) => typeof c === 'string')) {
    const text = (el.children as string[]).join('');
    lines.push(`${indent}<${el.name}>${text ? ' ' + JSON.stringify(text) : ''}`);
    return;
  }
  lines.push(`${indent}<${el.name}>`);
  for (const c of el.children) if (typeof c !== 'string') treeText(c, indent + '  ', lines);
}

function metaText(m: Meta): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined) continue;
    parts.push(`${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
  return `[${parts.join(' ')}]`;
}

const UI_MODES = ['not specified', 'background', 'informative', 'user interaction'];

/** Dump a decoded package #0. */
export function dumpPackage0(p: Package0, byteLength: number): string {
  const lines = [
    `Package #0 (server-alerted notification, ${byteLength} bytes)`,
    `  digest      ${Buffer.from(p.digest).toString('hex')}`,
    `  version     ${p.version} (${Math.floor(p.version / 10)}.${p.version % 10})`,
    `  ui-mode     ${p.uiMode} (${UI_MODES[p.uiMode]})`,
    `  initiator   ${p.initiator} (${p.initiator === 1 ? 'server' : 'client/user'})`,
    `  session id  ${p.sessionId} (SyncHdr SessionID ${p.sessionId.toString(16).toUpperCase()})`,
    `  server id   ${p.serverId}`,
  ];
  if (p.futureUse) lines.push(`  future-use  0x${p.futureUse.toString(16)} (should be 0)`);
  if (p.vendorSpecific.length) lines.push(`  vendor data ${p.vendorSpecific.length} bytes: ${Buffer.from(p.vendorSpecific).toString('hex')}`);
  return lines.join('\n') + '\n';
}
