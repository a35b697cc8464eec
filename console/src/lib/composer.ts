/** The operation composer's rows and the API commands they become. */
import type { CommandInput } from '../api.ts';

export type Verb = CommandInput['verb'];

/** One command as the operator edits it (every field a string). */
export interface Row { verb: Verb; target: string; source: string; data: string; format: string; type: string }

export const emptyRow = (): Row => ({ verb: 'Get', target: './', source: '', data: '', format: '', type: '' });

/** Which fields a verb carries: Copy a source; Replace/Add/Exec data; all but Get/Delete format and type. */
export function verbUses(verb: Verb): { source: boolean; data: boolean; meta: boolean } {
  return { source: verb === 'Copy', data: verb === 'Replace' || verb === 'Add' || verb === 'Exec', meta: verb !== 'Get' && verb !== 'Delete' };
}

/** The API body of a row: only the fields the verb uses; URIs trimmed, data kept as typed. */
export function toCommand(r: Row): CommandInput {
  const uses = verbUses(r.verb);
  const c: CommandInput = { verb: r.verb, target: r.target.trim() };
  if (uses.source && r.source.trim()) c.source = r.source.trim();
  if (uses.data && r.data !== '') c.data = r.data;
  if (uses.meta && r.format) c.format = r.format;
  if (uses.meta && r.type.trim()) c.type = r.type.trim();
  return c;
}
