/**
 * A DM session's state as stored between messages in cluster mode, so any
 * server node can take the next message: the engine's
 * {@link ServerSessionSnapshot} plus what the endpoint tracks beside it.
 * JSON with byte values tagged (`{"$b64": "…"}`), versioned, checked on
 * the way back in (a row written by a different version is refused, not
 * half-understood).
 */
import type { ServerSessionSnapshot } from '../session/server-session.js';
import { DmvisorError } from '../errors.js';

/** The endpoint's part of a stored session. */
export interface StoredSessionState {
  v: 1;
  engine: ServerSessionSnapshot;
  startedAt: number;
  messages: number;
  /** Answered command indices per operation id. */
  answered: [string, number[]][];
  /** Operations of the session not yet complete: id → their command verbs. */
  operations: [string, string[]][];
  devInfo?: Record<string, string>;
  /** GwMO proxy mode: end devices behind the session's device and their prefixes (src/server/gateway-api.ts). */
  endDevices?: { devId: string; prefix: string }[];
  /** The last client message handled (MsgID, SHA-256) and our answer, for retransmissions. */
  last?: { msgID: string; digest: string; reply: Uint8Array; hmacHeader?: string };
}

const BYTES = '$b64';

/** Serialize a session's state. */
export function encodeSessionState(s: StoredSessionState): string {
  return JSON.stringify(s, (_key, value: unknown) => (value instanceof Uint8Array ? { [BYTES]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') } : value));
}

/** Parse a stored session state; a malformed or foreign row is a {@link DmvisorError}. */
export function decodeSessionState(text: string): StoredSessionState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (_key, value: unknown) => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const keys = Object.keys(value);
        if (keys.length === 1 && keys[0] === BYTES) {
          const b64 = (value as Record<string, unknown>)[BYTES];
          if (typeof b64 === 'string') return new Uint8Array(Buffer.from(b64, 'base64'));
        }
      }
      return value;
    });
  } catch (e) {
    throw new DmvisorError(`stored session state is not JSON: ${(e as Error).message}`, 'DMV_ERR_SESSION_STATE', 500);
  }
  const s = parsed as Partial<StoredSessionState> | null;
  if (!s || s.v !== 1 || !s.engine || s.engine.v !== 1 || !Array.isArray(s.answered) || !Array.isArray(s.operations)) {
    throw new DmvisorError('stored session state has an unknown shape or version', 'DMV_ERR_SESSION_STATE', 500);
  }
  return s as StoredSessionState;
}
