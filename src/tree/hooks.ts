/**
 * Live code behind tree nodes: value providers (a leaf whose value comes from
 * a function, e.g. `./DevDetail/FwV`), Exec handlers (what an executable node
 * does), and the Generic Alerts (1226) an asynchronous Exec reports with
 * (shared/spec/oma-dm-facts.md §2.6; the FUMO pattern in oma-dm-facts-2.md §G.1).
 *
 * The tree calls these synchronously while it answers a server command; an
 * Exec that takes time answers 202 and reports later through
 * {@link ExecContext.report}, which queues a {@link GenericAlert} on the tree
 * for its owner to send (`DmTree.takeGenericAlerts()`).
 */

/** A leaf value: text, or raw bytes for binary formats. */
export type NodeValue = string | Uint8Array;

/** What a provider's `write` is told about a Replace. */
export interface ValueWriteContext {
  /** Canonical URI of the node. */
  readonly uri: string;
  /** The server replacing the value; `undefined` for the tree owner or an undo during Atomic rollback. */
  readonly serverId: string | undefined;
  /** Stored format of the new value (`chr`, `int`, `bin`, …). */
  readonly format: string;
}

/** A leaf whose value is computed or stored elsewhere. */
export interface NodeValueProvider {
  /** Current value. Throwing makes the Get fail with 500. */
  read(): NodeValue;
  /**
   * Store a new value (server Replace, Copy onto this node, Atomic undo).
   * Return a status (200 = done; e.g. 403 = refused) or nothing for 200.
   * Absent: the node is read-only and Replace answers 405.
   */
  write?(value: NodeValue, ctx: ValueWriteContext): number | void;
}

/** A provider, or just its `read` function. */
export type ValueSource = NodeValueProvider | (() => NodeValue);

/** Normalize a {@link ValueSource}. */
export function toProvider(source: ValueSource): NodeValueProvider {
  return typeof source === 'function' ? { read: source } : source;
}

/** A Generic Alert (1226) waiting to be sent to a server. */
export interface GenericAlert {
  /** `Item/Source/LocURI`: the node the alert is about (for an Exec result, the executed node). */
  readonly sourceUri: string;
  /** `Item/Meta/Type`: the alert type, e.g. `urn:oma:at:oma-gwmo:deviceattached:1.0` or a reversed domain name. */
  readonly type: string;
  /** `Item/Meta/Format`, e.g. `int`, `chr`, `xml`. */
  readonly format: string;
  /** `Item/Meta/Mark`: importance (`informational` when absent). */
  readonly mark?: string;
  /** `Item/Data`. */
  readonly data: string;
  /** `Alert/Correlator`: the Exec's correlator, present if and only if the Exec carried one. */
  readonly correlator?: string;
  /** Which server the report is owed to (the one whose Exec started it); absent for alerts the owner queued. */
  readonly serverId?: string;
}

/** What an Exec handler reports when it finishes asynchronously. */
export interface ExecReport {
  /** Alert type (`Meta/Type`). */
  readonly type: string;
  /** `Meta/Format`; default `chr`. */
  readonly format?: string;
  /** `Meta/Mark`. Failures SHOULD use something other than `informational`. */
  readonly mark?: string;
  /** Result data, e.g. a FUMO-style result code `200`. */
  readonly data: string;
  /** Override the source URI (default: the executed node). */
  readonly sourceUri?: string;
}

/** What an Exec handler is given. */
export interface ExecContext {
  /** Canonical URI of the executed node. */
  readonly uri: string;
  /** `Item/Data` of the Exec, if any. */
  readonly data: string | Uint8Array | undefined;
  /** The server that sent the Exec. */
  readonly serverId: string;
  /** The Exec's correlator, echoed in the report. */
  readonly correlator?: string;
  /** True inside an Atomic: return an `undo` or the Atomic cannot be rolled back exactly. */
  readonly inAtomic: boolean;
  /** Queue the (final or interim) result as a Generic Alert. May be called later, after returning 202. */
  report(result: ExecReport): void;
}

/** What an Exec handler returns. */
export interface ExecResult {
  /** 200 done, 202 accepted (a report will follow), or an error status (e.g. 403, 500). */
  readonly status: number;
  /** Why, when not a success. */
  readonly reason?: string;
  /** Undo the effect, for an Atomic rollback. */
  readonly undo?: () => void;
}

/** What an executable node does. Throwing answers 500. */
export type ExecHandler = (ctx: ExecContext) => number | ExecResult;

/** The live code attached to one node. */
export interface NodeHooks {
  provider?: NodeValueProvider;
  exec?: ExecHandler;
}
