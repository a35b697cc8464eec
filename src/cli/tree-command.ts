/**
 * `dmvisor tree ddf [MO]` — print a management object's DDF (DM DDF 1.2 XML);
 * `dmvisor tree ddf --list` lists the known MOs.
 */
import { parseArgs } from 'node:util';
import { STANDARD_MOS, findMo, renderDdfXml } from '../mo/index.js';
import type { CliIo } from './codec-command.js';
import { UsageError } from './usage-error.js';

export const TREE_USAGE = `usage: dmvisor tree ddf <MO> | --list

  <MO>     a management object by name (e.g. DMAcc) or identifier (urn:oma:mo:oma-dm-dmacc:1.0)
  --list   list the management objects dmvisor knows
`;

/** Run `dmvisor tree …`. */
export function runTree(args: string[], io: CliIo): number {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (sub !== 'ddf' || values.help) {
    if (values.help || sub === 'help') { io.stdout(TREE_USAGE); return 0; }
    throw new UsageError(`${sub === undefined ? 'missing' : `unknown`} tree command${sub ? ' ' + JSON.stringify(sub) : ''}\n\n${TREE_USAGE}`);
  }
  if (values.list) {
    for (const mo of Object.values(STANDARD_MOS)) io.stdout(`${mo.name.padEnd(12)} ${mo.id.padEnd(40)} ${mo.location}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`name one management object\n\n${TREE_USAGE}`);
  const mo = findMo(positionals[0]);
  if (!mo) throw new UsageError(`unknown management object ${JSON.stringify(positionals[0])}; known: ${Object.values(STANDARD_MOS).map((m) => m.name).join(', ')}`);
  io.stdout(renderDdfXml(mo));
  return 0;
}
