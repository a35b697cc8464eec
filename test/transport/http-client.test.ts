import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DmHttpClient } from '../../src/transport/http-client.js';
import { TransportError } from '../../src/transport/transport-error.js';

async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/dm`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const body = new TextEncoder().encode('<SyncML/>');

test('posts with the DM content type and HMAC header, returns the answer and its encoding', async () => {
  let seen: http.IncomingHttpHeaders | undefined;
  let received = '';
  const s = await serve((req, res) => {
    seen = req.headers;
    req.on('data', (c) => { received += c; });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/vnd.syncml+wbxml', 'x-syncml-hmac': 'algorithm=MD5, username="srv", mac=abc=' });
      res.end(Buffer.from([2, 0xa4, 1, 0x6a, 0]));
    });
  });
  const client = new DmHttpClient();
  try {
    const r = await client.exchange({ url: s.url, body, contentType: 'application/vnd.syncml.dm+xml', hmacHeader: 'algorithm=MD5, username="dev", mac=xyz=' });
    assert.equal(seen?.['content-type'], 'application/vnd.syncml.dm+xml');
    assert.equal(seen?.['x-syncml-hmac'], 'algorithm=MD5, username="dev", mac=xyz=');
    assert.equal(received, '<SyncML/>');
    assert.equal(r.encoding, 'wbxml', 'the older vnd.syncml+wbxml type is recognised');
    assert.equal(r.hmacHeader, 'algorithm=MD5, username="srv", mac=abc=');
    assert.deepEqual([...r.body], [2, 0xa4, 1, 0x6a, 0]);
  } finally {
    client.close();
    await s.close();
  }
});

test('network failures are retried with doubling backoff, then reported', async () => {
  const s = await serve(() => undefined);
  const url = s.url;
  await s.close(); // nothing listens there now
  const delays: number[] = [];
  const client = new DmHttpClient({ retries: 3, backoffMs: 10, sleep: async (ms) => { delays.push(ms); } });
  await assert.rejects(client.exchange({ url, body, contentType: 'application/vnd.syncml.dm+xml' }), (e: unknown) => e instanceof TransportError && e.kind === 'network');
  assert.deepEqual(delays, [10, 20, 40]);
  client.close();
});

test('a server that answers after a failure is reached by the retry', async () => {
  let calls = 0;
  const s = await serve((req, res) => {
    calls++;
    if (calls === 1) { req.socket.destroy(); return; }
    res.writeHead(200, { 'content-type': 'application/vnd.syncml.dm+xml' }).end('<SyncML/>');
  });
  const client = new DmHttpClient({ backoffMs: 1, keepAlive: false });
  try {
    const r = await client.exchange({ url: s.url, body, contentType: 'application/vnd.syncml.dm+xml' });
    assert.equal(r.encoding, 'xml');
    assert.equal(calls, 2);
  } finally {
    client.close();
    await s.close();
  }
});

test('timeouts, oversized answers, HTTP errors and wrong content types are typed', async () => {
  const s = await serve((req, res) => {
    if (req.url === '/slow') return; // never answers
    if (req.url === '/big') { res.writeHead(200, { 'content-type': 'application/vnd.syncml.dm+xml' }); res.end(Buffer.alloc(5000)); return; }
    if (req.url === '/err') { res.writeHead(500).end('boom'); return; }
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html/>');
  });
  const base = s.url.replace('/dm', '');
  const client = new DmHttpClient({ timeoutMs: 100, retries: 1, backoffMs: 1, maxResponseBytes: 1000 });
  const kind = (k: string) => (e: unknown) => e instanceof TransportError && e.kind === k;
  try {
    await assert.rejects(client.exchange({ url: `${base}/slow`, body, contentType: 'application/vnd.syncml.dm+xml' }), kind('timeout'));
    await assert.rejects(client.exchange({ url: `${base}/big`, body, contentType: 'application/vnd.syncml.dm+xml' }), kind('too-large'));
    await assert.rejects(client.exchange({ url: `${base}/err`, body, contentType: 'application/vnd.syncml.dm+xml' }), (e: unknown) => e instanceof TransportError && e.kind === 'http-status' && e.httpStatus === 500);
    await assert.rejects(client.exchange({ url: `${base}/html`, body, contentType: 'application/vnd.syncml.dm+xml' }), kind('content-type'));
  } finally {
    client.close();
    await s.close();
  }
});
