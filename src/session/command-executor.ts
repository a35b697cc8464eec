/**
 * Executes the server's management commands against a {@link ManagementTree}
 * and produces what the client owes in reply: one Status per item (TargetRef
 * set), Results for successful Gets, Statuses for Atomic/Sequence containers
 * and their members.
 *
 * Rules (shared/spec §1.5, §2.5, §5.2):
 * - Atomic is all-or-nothing: on the first failure the tree is rolled back,
 *   the commands that had succeeded get 216 (or 516 if the rollback failed),
 *   the rest 215, the container 507. Nested Atomic and Get inside Atomic → 500.
 * - Sequence runs in order; a "No" to a confirmation alert skips the rest (215).
 * - UI alerts go to the {@link UiHandler}; without one, the alert's default
 *   response (DR) is used, or 214 (cancelled) when there is none.
 * - A cancelled UI alert (214) stops the processing of the server's message:
 *   every command after it — in its Sequence, its Atomic (which then rolls
 *   back) and the rest of the message — gets 215 (DM protocol §2.5.2: "If the
 *   user decides to cancel the operation, then management message processing
 *   is stopped … (215) Not executed is returned to all commands which are not
 *   processed"; facts §2.5). A timeout (408) counts as a cancel: the spec says
 *   an interaction not answered within MAXDT "is considered to be cancelled"
 *   (our reading; the DM 1.2.1 text only names the status to send).
 */
import type { ManagementTree, NodeWrite } from '../tree/management-tree.js';
import type { AlertCommand, Command, ContainerCommand, Item, ItemCommand, Meta, ResultsCommand, StatusCommand } from '../syncml/model.js';

/** A UI alert (1100–1104) as shown to the user. */
export interface UiRequest {
  code: 1100 | 1101 | 1102 | 1103 | 1104;
  /** Parsed option string of Item 1 (MINDT, MAXDT, DR, MAXLEN, IT, ET). */
  options: Record<string, string>;
  /** Item 2: the text to show. */
  text: string;
  /** Items 3…: the choices (single/multiple choice). */
  choices: string[];
}

/** The user's answer. */
export type UiResponse =
  | { kind: 'ok' }
  | { kind: 'yes' }
  | { kind: 'no' }
  | { kind: 'text'; text: string }
  | { kind: 'choice'; indices: number[] }
  | { kind: 'cancel' }
  | { kind: 'timeout' };

/** Shows UI alerts; synchronous, since the engine does no I/O (a driver may answer from a queue). */
export type UiHandler = (request: UiRequest) => UiResponse;

/** What executing one server message produced. */
export interface ExecutionReply {
  /** Statuses and Results in the order owed (CmdID filled later). */
  commands: (Omit<StatusCommand, 'cmdID'> | Omit<ResultsCommand, 'cmdID'>)[];
  /** The server sent 1223: the session is aborted and nothing is sent. */
  aborted: boolean;
  /** The server asked for our next message (1222). */
  nextMessageRequested: boolean;
}

type Owed = ExecutionReply['commands'][number];

/** Where a command runs: inside an Atomic or not, and whether a cancelled UI alert has stopped the message. */
interface RunContext {
  inAtomic: boolean;
  /** Shared by every command of one message. */
  halt: { stopped: boolean };
}

/** Runs server commands against the tree for one server id. */
export class CommandExecutor {
  constructor(private readonly tree: ManagementTree, private readonly serverId: string, private readonly ui?: UiHandler) {}

  /** Execute the management commands of one server message. Statuses for Status/Results commands are not owed. */
  execute(commands: readonly Command[], msgRef: string): ExecutionReply {
    const reply: ExecutionReply = { commands: [], aborted: false, nextMessageRequested: false };
    // An abort (1223) anywhere in the message: execute nothing — no Status would ever report it (§2.4).
    if (commands.some((c) => c.kind === 'Alert' && c.data === 1223)) { reply.aborted = true; return reply; }
    const halt = { stopped: false };
    for (const c of commands) {
      if (c.kind === 'Status' || c.kind === 'Results') continue;
      if (c.kind === 'Alert' && c.data === 1222) {
        reply.nextMessageRequested = true;
        reply.commands.push(status(c, msgRef, 200));
        continue;
      }
      // After a cancelled UI alert nothing more of this message is executed (§2.5).
      if (halt.stopped) { this.skipAll(c, msgRef, reply.commands, 215); continue; }
      this.run(c, msgRef, reply.commands, { inAtomic: false, halt });
    }
    return reply;
  }

  /** Runs one command, appending what is owed; returns its (first) status code. */
  private run(c: Command, msgRef: string, out: Owed[], ctx: RunContext): number {
    switch (c.kind) {
      case 'Add': case 'Replace': case 'Delete': case 'Copy': case 'Get':
        if (c.kind === 'Get' && ctx.inAtomic) return push(out, status(c, msgRef, 500));
        return this.itemCommand(c, msgRef, out);
      case 'Exec': {
        const uri = c.item.target?.locURI;
        if (uri === undefined) return push(out, status(c, msgRef, 412));
        const r = this.tree.exec(uri, c.item.data, this.serverId, c.correlator);
        return push(out, status(c, msgRef, r.status, [uri]));
      }
      case 'Alert':
        return this.alert(c, msgRef, out, ctx);
      case 'Atomic':
        if (ctx.inAtomic) return this.skipAll(c, msgRef, out, 500);
        return this.atomic(c, msgRef, out, ctx);
      case 'Sequence':
        return this.sequence(c, msgRef, out, ctx);
      case 'Status': case 'Results':
        return push(out, status(c, msgRef, 400));
      default: {
        const never: never = c;
        return never;
      }
    }
  }

  private itemCommand(c: ItemCommand<'Add' | 'Replace' | 'Delete' | 'Copy' | 'Get'>, msgRef: string, out: Owed[]): number {
    let first = -1;
    for (const item of c.items) {
      const target = item.target?.locURI;
      let code: number;
      let results: Item[] | undefined;
      if (target === undefined) code = 412;
      else {
        switch (c.kind) {
          case 'Add': code = this.tree.add(target, write(item, c.meta), this.serverId).status; break;
          case 'Replace': code = this.tree.replace(target, write(item, c.meta), this.serverId).status; break;
          case 'Delete': code = this.tree.delete(target, this.serverId).status; break;
          case 'Copy': {
            const source = item.source?.locURI;
            code = source === undefined ? 412 : this.tree.copy(target, source, this.serverId).status;
            break;
          }
          case 'Get': {
            const r = this.tree.get(target, this.serverId, { ...c.meta, ...item.meta });
            code = r.status;
            results = r.items;
            break;
          }
        }
      }
      const s = status(c, msgRef, code, target === undefined ? [] : [target]);
      if (c.kind === 'Copy' && item.source?.locURI !== undefined) s.sourceRefs = [item.source.locURI];
      out.push(s);
      if (results && code === 200) {
        out.push({ kind: 'Results', msgRef, cmdRef: c.cmdID, ...(c.meta ? { meta: c.meta } : {}), targetRef: target, items: results });
      }
      if (first < 0) first = code;
    }
    return first;
  }

  private atomic(c: ContainerCommand<'Atomic'>, msgRef: string, out: Owed[], ctx: RunContext): number {
    const scope = this.tree.beginAtomic();
    const inner: Owed[] = [];
    let failedAt = -1;
    for (let i = 0; i < c.commands.length; i++) {
      const before = inner.length;
      const code = this.run(c.commands[i], msgRef, inner, { inAtomic: true, halt: ctx.halt });
      // A "No" to a confirmation inside Atomic fails the whole group, and so does a cancel.
      const failed = ctx.halt.stopped || !isOk(code) || inner.slice(before).some((o) => o.kind === 'Status' && !isOk(o.data));
      if (failed) { failedAt = i; break; }
    }
    if (failedAt < 0) {
      scope.commit();
      out.push(status(c, msgRef, 200), ...inner);
      return 200;
    }
    const undone = scope.rollback();
    // Results of rolled-back Gets are not owed; successes become 216 (516 if the undo failed).
    // Only commands that were carried out (200/202) were rolled back (facts §3: 216 is per executed
    // command): a 215 of a member that never ran (inside a refused nested Atomic) stays 215, and
    // UI alerts and Sequence containers keep their codes (216 is not one of theirs, §2.5, §3).
    const statuses = inner.filter((o): o is Omit<StatusCommand, 'cmdID'> => o.kind === 'Status');
    for (const s of statuses) {
      if (s.cmd !== 'Alert' && s.cmd !== 'Sequence' && (s.data === 200 || s.data === 202)) s.data = undone ? 216 : 516;
    }
    out.push(status(c, msgRef, 507), ...statuses);
    for (const skipped of c.commands.slice(failedAt + 1)) this.skipAll(skipped, msgRef, out, 215);
    return 507;
  }

  private sequence(c: ContainerCommand<'Sequence'>, msgRef: string, out: Owed[], ctx: RunContext): number {
    const inner: Owed[] = [];
    let stopAt = -1;
    for (let i = 0; i < c.commands.length; i++) {
      const cmd = c.commands[i];
      const code = this.run(cmd, msgRef, inner, ctx);
      if (cmd.kind === 'Alert' && cmd.data === 1101 && code === 304) { stopAt = i; break; }
      if (ctx.halt.stopped) { stopAt = i; break; }
      if (ctx.inAtomic && !isOk(code)) { stopAt = i; break; }
    }
    out.push(status(c, msgRef, 200), ...inner);
    if (stopAt >= 0) for (const skipped of c.commands.slice(stopAt + 1)) this.skipAll(skipped, msgRef, out, 215);
    return ctx.inAtomic && stopAt >= 0 ? 500 : 200;
  }

  /** A Status with `code` for a command and, for containers, every member. */
  private skipAll(c: Command, msgRef: string, out: Owed[], code: number): number {
    if (c.kind === 'Atomic' || c.kind === 'Sequence') {
      out.push(status(c, msgRef, code));
      for (const inner of c.commands) this.skipAll(inner, msgRef, out, code === 500 ? 215 : code);
      return code;
    }
    return push(out, status(c, msgRef, code, 'items' in c ? c.items.flatMap((i) => (i.target ? [i.target.locURI] : [])) : []));
  }

  private alert(c: AlertCommand, msgRef: string, out: Owed[], ctx: RunContext): number {
    const code = c.data;
    if (code < 1100 || code > 1104) return push(out, status(c, msgRef, 406));
    const options = parseUiOptions(c.items[0]?.data);
    const text = typeof c.items[1]?.data === 'string' ? c.items[1].data : '';
    const choices = c.items.slice(2).map((i) => (typeof i.data === 'string' ? i.data : ''));
    if (code !== 1100 && c.items.length < 2) return push(out, status(c, msgRef, 412));
    const request: UiRequest = { code: code as UiRequest['code'], options, text, choices };
    const answer = this.ui ? this.ui(request) : defaultAnswer(request);
    const s = status(c, msgRef, 200);
    switch (answer.kind) {
      case 'cancel': s.data = 214; ctx.halt.stopped = true; break;
      case 'timeout': s.data = 408; ctx.halt.stopped = true; break;
      case 'no': s.data = code === 1101 ? 304 : 200; break;
      case 'text': s.items = [{ data: answer.text }]; break;
      case 'choice': s.items = answer.indices.map((n) => ({ data: String(n) })); break;
      default: break;
    }
    return push(out, s);
  }
}

function isOk(code: number): boolean {
  return code >= 200 && code < 300;
}

function push(out: Owed[], s: Omit<StatusCommand, 'cmdID'>): number {
  out.push(s);
  return s.data;
}

function status(c: Command, msgRef: string, code: number, targetRefs: string[] = []): Omit<StatusCommand, 'cmdID'> {
  return { kind: 'Status', msgRef, cmdRef: c.cmdID, cmd: c.kind, targetRefs, sourceRefs: [], data: code, items: [] };
}

function write(item: Item, commandMeta: Meta | undefined): NodeWrite {
  const meta = commandMeta || item.meta ? { ...commandMeta, ...item.meta } : undefined;
  const w: NodeWrite = {};
  if (meta) w.meta = meta;
  if (item.data !== undefined) w.data = item.data;
  return w;
}

/** Parse a UI alert option string (`MINDT=10&MAXDT=30&DR=1`, URL-encoded; unknown keys kept, ignored by callers). */
export function parseUiOptions(data: Item['data']): Record<string, string> {
  const options: Record<string, string> = Object.create(null);
  if (typeof data !== 'string') return options;
  for (const part of data.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    try {
      options[decodeURIComponent(part.slice(0, eq)).toUpperCase()] = decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      // A malformed escape: keep the option unparsed rather than fail the alert.
      options[part.slice(0, eq).toUpperCase()] = part.slice(eq + 1);
    }
  }
  return options;
}

/** The answer of an unattended device: the alert's default response, else cancel. */
export function defaultAnswer(r: UiRequest): UiResponse {
  const dr = r.options.DR;
  switch (r.code) {
    case 1100: return { kind: 'ok' };
    case 1101: return dr === '1' ? { kind: 'yes' } : dr === '0' ? { kind: 'no' } : { kind: 'cancel' };
    case 1102: return dr !== undefined ? { kind: 'text', text: dr } : { kind: 'cancel' };
    case 1103: case 1104: {
      if (dr === undefined) return { kind: 'cancel' };
      const indices = dr.split('-').map(Number).filter((n) => Number.isInteger(n) && n >= 1 && n <= r.choices.length);
      return indices.length ? { kind: 'choice', indices: r.code === 1103 ? indices.slice(0, 1) : indices } : { kind: 'cancel' };
    }
  }
}
