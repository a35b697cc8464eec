/**
 * The tree a gateway's upstream session runs commands on: the host's own
 * tree, except below an end device's proxy prefix, where the answers are the
 * ones the gateway got from the end device before the engine ran the message
 * ({@link ProxyTree.prepare}, filled by the gateway's asynchronous step).
 *
 * The session engine is synchronous and pure; the gateway does the waiting
 * before it, so the same engine serves both the host's own nodes and the
 * proxied ones in one message.
 */
import type { Item, Meta } from '../syncml/model.js';
import type { AtomicScope, ExecOutcome, GetOutcome, ManagementTree, NodeWrite, TreeOutcome } from '../tree/management-tree.js';

/** An end device's answer to one proxied command (Results items carry upstream addresses). */
export interface ProxiedOutcome {
  status: number;
  reason?: string;
  items?: Item[];
}

/** A host tree with proxied answers layered on top. */
export class ProxyTree implements ManagementTree {
  private prepared = new Map<string, ProxiedOutcome[]>();

  constructor(
    private readonly inner: ManagementTree,
    private readonly isProxied: (uri: string) => boolean,
    private readonly onLocal?: (verb: string, uri: string, outcome: TreeOutcome) => void,
    /** Execs the gateway answers itself (a fan-out's Run); undefined lets the tree answer. */
    private readonly execHook?: (uri: string, data: Item['data'], serverId: string, correlator?: string) => ExecOutcome | undefined,
  ) {}

  /** Forget answers of the previous message. */
  clear(): void {
    this.prepared.clear();
  }

  /** The answer the engine gets when it runs `verb` on `uri` (in order, for repeated commands). */
  prepare(verb: string, uri: string, outcome: ProxiedOutcome): void {
    const key = `${verb} ${uri}`;
    const list = this.prepared.get(key);
    if (list) list.push(outcome);
    else this.prepared.set(key, [outcome]);
  }

  private take(verb: string, uri: string): ProxiedOutcome {
    return this.prepared.get(`${verb} ${uri}`)?.shift() ?? { status: 500, reason: 'the gateway has no answer from the end device for this command' };
  }

  private local<T extends TreeOutcome>(verb: string, uri: string, o: T): T {
    this.onLocal?.(verb, uri, o);
    return o;
  }

  get(uri: string, serverId: string, meta?: Meta): GetOutcome {
    return this.isProxied(uri) ? this.take('Get', uri) : this.local('Get', uri, this.inner.get(uri, serverId, meta));
  }
  add(uri: string, write: NodeWrite, serverId: string): TreeOutcome {
    return this.isProxied(uri) ? this.take('Add', uri) : this.local('Add', uri, this.inner.add(uri, write, serverId));
  }
  replace(uri: string, write: NodeWrite, serverId: string): TreeOutcome {
    return this.isProxied(uri) ? this.take('Replace', uri) : this.local('Replace', uri, this.inner.replace(uri, write, serverId));
  }
  delete(uri: string, serverId: string): TreeOutcome {
    return this.isProxied(uri) ? this.take('Delete', uri) : this.local('Delete', uri, this.inner.delete(uri, serverId));
  }
  copy(targetUri: string, sourceUri: string, serverId: string): TreeOutcome {
    return this.isProxied(targetUri) || this.isProxied(sourceUri) ? this.take('Copy', targetUri) : this.local('Copy', targetUri, this.inner.copy(targetUri, sourceUri, serverId));
  }
  exec(uri: string, data: Item['data'], serverId: string, correlator?: string): ExecOutcome {
    if (this.isProxied(uri)) return this.take('Exec', uri);
    return this.local('Exec', uri, this.execHook?.(uri, data, serverId, correlator) ?? this.inner.exec(uri, data, serverId, correlator));
  }
  beginAtomic(): AtomicScope {
    return this.inner.beginAtomic();
  }
}
