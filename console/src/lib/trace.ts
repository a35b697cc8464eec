/**
 * Making a session trace readable: XML laid out one element per line, the
 * authentication steps picked out (credentials, challenges, SyncHdr
 * statuses), raw bytes as a hex dump. Everything returns plain text and
 * flags; the view renders it as text, never as HTML (the device wrote it).
 */
import { statusDescription } from '../../../src/syncml/codes.ts';

/** Lay out XML one tag per line, indented; text stays with its element. Already indented XML comes back as it was. */
export function prettyXml(xml: string): string {
  if (/\n\s+</.test(xml)) return xml.trim();
  const tokens = xml.replace(/>\s+</g, '><').match(/<[^>]+>|[^<]+/g) ?? [];
  const lines: string[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.startsWith('</')) {
      depth = Math.max(0, depth - 1);
      lines.push('  '.repeat(depth) + t);
    } else if (t.startsWith('<?') || t.startsWith('<!') || t.endsWith('/>')) {
      lines.push('  '.repeat(depth) + t);
    } else if (t.startsWith('<')) {
      // <a>text</a> stays on one line.
      if (i + 2 < tokens.length && !tokens[i + 1].startsWith('<') && tokens[i + 2].startsWith('</')) {
        lines.push('  '.repeat(depth) + t + tokens[i + 1] + tokens[i + 2]);
        i += 2;
      } else {
        lines.push('  '.repeat(depth) + t);
        depth++;
      }
    } else if (t.trim() !== '') {
      lines.push('  '.repeat(depth) + t.trim());
    }
  }
  return lines.join('\n');
}

/** How a line of a trace is shown. */
export type LineKind = 'auth' | 'status-ok' | 'status-error' | 'plain';

export interface TraceLine {
  text: string;
  kind: LineKind;
}

/**
 * Classify each line: inside `<Cred>` or `<Chal>` → auth; the `<Data>` of a
 * `<Status>` → ok or error by its code.
 */
export function classifyLines(xml: string): TraceLine[] {
  const out: TraceLine[] = [];
  let inAuth = 0;
  let inStatus = false;
  for (const text of xml.split('\n')) {
    const t = text.trim();
    const opensAuth = /^<(Cred|Chal)>/.test(t);
    const closesAuth = /<\/(Cred|Chal)>$/.test(t);
    if (opensAuth) inAuth++;
    if (/^<Status>/.test(t)) inStatus = true;
    let kind: LineKind = inAuth > 0 ? 'auth' : 'plain';
    const data = inStatus && inAuth === 0 ? /^<Data>(\d{3})<\/Data>$/.exec(t) : null;
    if (data) kind = Number(data[1]) < 300 ? 'status-ok' : 'status-error';
    out.push({ text, kind });
    if (closesAuth) inAuth = Math.max(0, inAuth - 1);
    if (/<\/Status>$/.test(t)) inStatus = false;
  }
  return out;
}

/** What a message says about authentication, in words. */
export interface AuthStep {
  /** e.g. `credentials syncml:auth-md5`, `challenge syncml:auth-md5`. */
  kind: 'credentials' | 'challenge' | 'header-status';
  detail: string;
  /** For a SyncHdr status: its code. */
  status?: number;
  ok?: boolean;
}

/** The authentication steps of one decoded message: its Cred, the SyncHdr Status and any Chal. */
export function authSteps(xml: string): AuthStep[] {
  const steps: AuthStep[] = [];
  for (const cred of xml.match(/<Cred>[\s\S]*?<\/Cred>/g) ?? []) {
    const type = /<Type[^>]*>([^<]*)<\/Type>/.exec(cred)?.[1] ?? 'unknown type';
    steps.push({ kind: 'credentials', detail: `credentials ${type.trim()}` });
  }
  for (const status of xml.match(/<Status>[\s\S]*?<\/Status>/g) ?? []) {
    if (!/<Cmd>SyncHdr<\/Cmd>/.test(status)) continue;
    const code = Number(/<Data>(\d{3})<\/Data>/.exec(status)?.[1]);
    if (!Number.isInteger(code)) continue;
    steps.push({ kind: 'header-status', status: code, ok: code < 300, detail: `SyncHdr status ${code} ${statusDescription(code)}` });
    const chal = /<Chal>[\s\S]*?<\/Chal>/.exec(status)?.[0];
    if (chal) {
      const type = /<Type[^>]*>([^<]*)<\/Type>/.exec(chal)?.[1] ?? 'unknown type';
      steps.push({ kind: 'challenge', detail: `challenge ${type.trim()}` });
    }
  }
  return steps;
}

/** Decode base64 to bytes. */
export function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A classic hex dump: offset, 16 bytes in hex, printable ASCII. */
export function hexDump(bytes: Uint8Array, max = 64 * 1024): string {
  const lines: string[] = [];
  const n = Math.min(bytes.length, max);
  for (let off = 0; off < n; off += 16) {
    const row = bytes.subarray(off, Math.min(off + 16, n));
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > n) lines.push(`… ${bytes.length - n} more bytes`);
  return lines.join('\n');
}

/** A command's status with its reason: the device's own reason when the server recorded one. */
export function statusText(status: number | undefined, reason?: string): string {
  if (status === undefined) return 'no answer yet';
  return `${status} ${reason && reason.trim() !== '' ? reason : statusDescription(status)}`;
}
