/**
 * The server's live events, for the console (`GET /api/events`): a device
 * checked in (its session ended), an operation changed state, an
 * authentication failed. In-process only: each server node tells its own
 * subscribers about what it saw.
 */

/** A session ended: the device checked in. */
export interface SessionEndEvent {
  type: 'session-end';
  devId: string;
  state: string;
  reason?: string;
  messages: number;
  ms: number;
}

/** An operation was queued, cancelled, or reached a final state in a session. */
export interface OperationEvent {
  type: 'operation';
  operationId: string;
  devId: string;
  state: string;
}

/** A client message failed authentication. */
export interface AuthFailureEvent {
  type: 'auth-failure';
  devId: string;
}

/** Anything the bus carries; `at` is added when it is published. */
export type ServerEvent = (SessionEndEvent | OperationEvent | AuthFailureEvent) & { at?: string };

/** A listener; it must not throw (a throwing one is dropped). */
export type ServerEventListener = (e: ServerEvent & { at: string }) => void;

/** Fan-out of server events to a bounded number of subscribers. */
export class ServerEventBus {
  private readonly listeners = new Set<ServerEventListener>();

  /** @param maxSubscribers more subscriptions than this are refused (each is an open HTTP response). */
  constructor(readonly maxSubscribers = 100) {}

  /** Number of current subscribers. */
  get size(): number {
    return this.listeners.size;
  }

  /** Subscribe; returns the unsubscribe function, or undefined when the bus is full. */
  subscribe(listener: ServerEventListener): (() => void) | undefined {
    if (this.listeners.size >= this.maxSubscribers) return undefined;
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** Tell every subscriber. */
  publish(event: ServerEvent): void {
    const stamped = { ...event, at: new Date().toISOString() };
    for (const l of this.listeners) {
      try {
        l(stamped);
      } catch {
        this.listeners.delete(l);
      }
    }
  }
}
