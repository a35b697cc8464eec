/**
 * The operation composer: one or more commands, Atomic, notify now. The
 * campaign form reuses it, with its own fields (`children`) and words.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { CommandInput } from '../api.ts';
import { emptyRow, toCommand, verbUses, type Row, type Verb } from '../lib/composer.ts';

const VERBS: Verb[] = ['Get', 'Replace', 'Add', 'Delete', 'Exec', 'Copy'];
const FORMATS = ['', 'chr', 'int', 'bool', 'b64', 'bin', 'node', 'xml', 'float', 'date', 'time', 'null'];

export function Composer({ onSubmit, canNotify, children, label = 'New operation', submitLabel = 'Queue operation', notifyLabel = 'Notify now', idPrefix = 'cmd' }: {
  onSubmit: (c: CommandInput[], o: { atomic: boolean; notify: boolean }) => Promise<boolean>;
  canNotify: boolean;
  /** Fields shown above the commands (the campaign's name, filter, limits). */
  children?: ComponentChildren;
  label?: string;
  submitLabel?: string;
  notifyLabel?: string;
  /** Prefix of the command fields' ids (two composers on a page must not share ids). */
  idPrefix?: string;
}) {
  const [rows, setRows] = useState<Row[]>([emptyRow()]);
  const [atomic, setAtomic] = useState(false);
  const [notify, setNotify] = useState(false);
  const [busy, setBusy] = useState(false);
  const set = (i: number, patch: Partial<Row>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      if (await onSubmit(rows.map(toCommand), { atomic, notify })) setRows([emptyRow()]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card composer" onSubmit={submit} aria-label={label}>
      {children}
      {rows.map((r, i) => {
        const id = `${idPrefix}${i}`;
        const { data: hasData, meta: hasMeta } = verbUses(r.verb);
        return (
          <fieldset key={i} class="command-row">
            <legend>Command {i + 1}</legend>
            <label for={`${id}-verb`}>Verb</label>
            <select id={`${id}-verb`} value={r.verb} onChange={(e) => set(i, { verb: (e.target as HTMLSelectElement).value as Verb })}>
              {VERBS.map((v) => <option key={v} value={v}>{v}</option>)}
            </select>
            <label for={`${id}-target`}>Target URI</label>
            <input id={`${id}-target`} value={r.target} required spellcheck={false} onInput={(e) => set(i, { target: (e.target as HTMLInputElement).value })} />
            {r.verb === 'Copy' && <><label for={`${id}-source`}>Source URI</label><input id={`${id}-source`} value={r.source} required spellcheck={false} onInput={(e) => set(i, { source: (e.target as HTMLInputElement).value })} /></>}
            {hasData && <><label for={`${id}-data`}>Data</label><input id={`${id}-data`} value={r.data} spellcheck={false} onInput={(e) => set(i, { data: (e.target as HTMLInputElement).value })} /></>}
            {hasMeta && <>
              <label for={`${id}-format`}>Format</label>
              <select id={`${id}-format`} value={r.format} onChange={(e) => set(i, { format: (e.target as HTMLSelectElement).value })}>
                {FORMATS.map((f) => <option key={f} value={f}>{f || '(default)'}</option>)}
              </select>
              <label for={`${id}-type`}>Type</label>
              <input id={`${id}-type`} value={r.type} placeholder="e.g. text/plain" spellcheck={false} onInput={(e) => set(i, { type: (e.target as HTMLInputElement).value })} />
            </>}
            {rows.length > 1 && <button type="button" class="small" onClick={() => setRows(rows.filter((_, j) => j !== i))} aria-label={`Remove command ${i + 1}`}>Remove</button>}
          </fieldset>
        );
      })}
      <div class="actions">
        <button type="button" onClick={() => setRows([...rows, emptyRow()])}>Add a command</button>
        <label class="inline"><input type="checkbox" checked={atomic} onChange={(e) => setAtomic((e.target as HTMLInputElement).checked)} /> Atomic (all or nothing)</label>
        <label class="inline"><input type="checkbox" checked={notify} disabled={!canNotify} onChange={(e) => setNotify((e.target as HTMLInputElement).checked)} /> {notifyLabel}{canNotify ? '' : ' (no notification address)'}</label>
        <button type="submit" class="primary" disabled={busy}>{submitLabel}</button>
      </div>
    </form>
  );
}
