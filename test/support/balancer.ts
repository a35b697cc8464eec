/**
 * A round-robin HTTP load balancer on 127.0.0.1 for cluster tests: each
 * request goes to the next live backend. A backend that refuses or resets
 * is marked down (as a health check would) and the client's connection is
 * reset, so the client retries. `dropAnswer` lets a test lose a backend's
 * answer after the backend did the work.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class RoundRobinBalancer {
  readonly served = new Map<string, number>();
  readonly down = new Set<string>();
  backends: string[];
  /** Drop this answer (after the backend handled the request)? */
  dropAnswer?: (target: string) => boolean;
  private next = 0;
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const live = this.backends.filter((b) => !this.down.has(b));
      const target = live[this.next++ % live.length]!;
      this.served.set(target, (this.served.get(target) ?? 0) + 1);
      const u = new URL(target);
      const up = http.request({ host: u.hostname, port: u.port, path: req.url, method: req.method, headers: { ...req.headers, host: u.host } }, (r) => {
        if (this.dropAnswer?.(target)) {
          r.resume();
          r.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => { this.down.add(target); req.socket.destroy(); });
      up.end(Buffer.concat(chunks));
    });
  });

  constructor(backends: string[] = []) {
    this.backends = backends;
  }

  /** Listen; resolves with the balancer's URL. */
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
