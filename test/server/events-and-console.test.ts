/**
 * The live event stream (GET /api/events with its single-use tickets) and the
 * static console files served at /, against a real server on 127.0.0.1 with
 * a real DM client checking in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { pino } from 'pino';
import { DmServer } from '../../src/server/dm-server.js';
import { DmClient } from '../../src/client/dm-client.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import { InMemoryTreeStore } from '../../src/tree/index.js';

const logger = pino({ level: 'silent' });
const TOKEN = 'events-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

/** Reads server-sent events from a fetch body. */
class EventReader {
  private buf = '';
  private readonly decoder = new TextDecoder();
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}
  /** The next event whose data satisfies `want`, within `ms`. */
  async next(want: (type: string, data: Record<string, unknown>) => boolean, ms = 10_000): Promise<{ type: string; data: Record<string, unknown> }> {
    const deadline = Date.now() + ms;
    for (;;) {
      let i: number;
      while ((i = this.buf.indexOf('\n\n')) >= 0) {
        const block = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type && data) {
          const parsed = JSON.parse(data) as Record<string, unknown>;
          if (want(type, parsed)) return { type, data: parsed };
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no matching event in time');
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([this.reader.read(), new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error('no matching event in time')), left); })])
        .finally(() => clearTimeout(timer));
      if (chunk.done) throw new Error('stream ended');
      this.buf += this.decoder.decode(chunk.value, { stream: true });
    }
  }
}

async function client(serverUrl: string, devId: string, secret: string) {
  const config = parseDeviceConfig({
    device: { devId, man: 'Acme', mod: 'Enterprise VM', fwV: '3.0' },
    accounts: [{ serverId: 'dmvisor', serverUri: `${serverUrl}/dm`, encoding: 'xml', clientAuth: { type: 'DIGEST', name: 'u1', secret } }],
    session: { retries: 0 },
  }, 'test');
  return DmClient.open({ config, store: new InMemoryTreeStore() });
}

/** Status of a request whose body is read (an unread body keeps its connection busy). */
async function statusOf(url: string, init?: RequestInit): Promise<number> {
  const r = await fetch(url, init);
  await r.arrayBuffer();
  return r.status;
}

async function ticket(base: string): Promise<string> {
  const r = await fetch(`${base}/api/events/ticket`, { method: 'POST', headers: auth });
  assert.equal(r.status, 201);
  const body = (await r.json()) as { ticket: string; expiresInSeconds: number };
  assert.equal(body.expiresInSeconds, 30);
  return body.ticket;
}

test('events: tickets are single-use, the token never goes in the URL, check-ins, operations and auth failures arrive live', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-events-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger, consoleDir: join(dir, 'none') });
  const abort = new AbortController();
  try {
    const base = server.url;
    assert.equal(await statusOf(`${base}/api/events/ticket`, { method: 'POST' }), 401);
    assert.equal(await statusOf(`${base}/api/events/ticket`, { method: 'POST', headers: { authorization: 'Bearer wrong' } }), 401);
    assert.equal(await statusOf(`${base}/api/events`), 401);
    assert.equal(await statusOf(`${base}/api/events?ticket=made-up`), 401);
    assert.equal(await statusOf(`${base}/api/events?token=${TOKEN}`), 401, 'the API token is not accepted in the URL');
    const t = await ticket(base);
    const res = await fetch(`${base}/api/events?ticket=${t}`, { signal: abort.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(await statusOf(`${base}/api/events?ticket=${t}`), 401, 'a ticket works once');
    const events = new EventReader(res.body!.getReader());

    const devId = 'IMEI:350000000000777';
    await fetch(`${base}/api/devices`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ devId, clientAuth: { type: 'md5', name: 'u1', secret: 's3cret' } }) });
    const op = (await (await fetch(`${base}/api/devices/${encodeURIComponent(devId)}/operations`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ commands: [{ verb: 'Get', target: './DevInfo/Mod' }] }) })).json()) as { id: string };
    const queued = await events.next((type, d) => type === 'operation' && d.operationId === op.id);
    assert.equal(queued.data.state, 'pending');
    assert.equal(queued.data.devId, devId);
    assert.ok(typeof queued.data.at === 'string');

    const c = await client(base, devId, 's3cret');
    assert.equal((await c.runSession()).state, 'completed');
    await c.close();
    const done = await events.next((type, d) => type === 'operation' && d.operationId === op.id && d.state !== 'pending');
    assert.equal(done.data.state, 'succeeded');
    const checkIn = await events.next((type) => type === 'session-end');
    assert.deepEqual([checkIn.data.devId, checkIn.data.state], [devId, 'completed']);

    const bad = await client(base, devId, 'wrong-secret');
    await bad.runSession();
    await bad.close();
    const failure = await events.next((type) => type === 'auth-failure');
    assert.equal(failure.data.devId, devId);
    assert.equal(server.events.size, 1);
  } finally {
    // stop() ends the open stream: it must not hang on it.
    await server.stop();
    abort.abort();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A raw GET so the path reaches the server exactly as written (fetch would normalise `..`). */
function rawGet(base: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('console files: content types, cache headers, no way out of the directory, a clear page when not built', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-console-'));
  const consoleDir = join(dir, 'console');
  mkdirSync(join(consoleDir, 'assets'), { recursive: true });
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(consoleDir, 'assets', 'app-1234.js'), 'console.log(1)');
  writeFileSync(join(consoleDir, 'assets', 'app-1234.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt'), 'do not serve');
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger, consoleDir });
  try {
    const index = await rawGet(server.url, '/');
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(index.headers['cache-control'], 'no-cache');
    assert.match(String(index.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(index.body, '<!doctype html><title>console</title>');
    const js = await rawGet(server.url, '/assets/app-1234.js');
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal((await rawGet(server.url, '/assets/app-1234.css')).headers['content-type'], 'text/css; charset=utf-8');
    const head = await rawGet(server.url, '/assets/app-1234.js', 'HEAD');
    assert.deepEqual([head.status, head.body, head.headers['content-length']], [200, '', '14']);
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/assets/x%00.js', '/assets', '/missing.js']) {
      const r = await rawGet(server.url, path);
      assert.equal(r.status, 404, path);
      assert.doesNotMatch(r.body, /do not serve/, path);
    }
    assert.equal((await rawGet(server.url, '/', 'POST')).status, 404);
    assert.equal((await rawGet(server.url, '/healthz')).body, 'ok\n', 'other routes are unchanged');
  } finally {
    await server.stop();
  }
  const unbuilt = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger, consoleDir: join(dir, 'not-built') });
  try {
    const r = await rawGet(unbuilt.url, '/');
    assert.equal(r.status, 503);
    assert.match(r.body, /console has not been built/);
    assert.match(r.body, /npm run build:console/);
    assert.match(r.body, /POST \/dm/);
  } finally {
    await unbuilt.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
