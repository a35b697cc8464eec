/**
 * A scripted DM server for client tests: a real HTTP server on 127.0.0.1
 * that decodes each client message and answers with what the script returns.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { decodeByContentType, encodeMessage, classifyDmContentType, decodeXml, type SyncMLMessage } from '../../src/syncml/index.js';

export interface ScriptedExchange {
  message: SyncMLMessage;
  headers: http.IncomingHttpHeaders;
  body: Uint8Array;
}

/** Returns the answer as SyncML XML text (encoded like the request), or null for HTTP 500. */
export type Script = (exchange: ScriptedExchange, index: number) => string | null;

export async function startScriptedServer(script: Script, tls?: { key: Buffer; cert: Buffer }): Promise<{ url: string; exchanges: ScriptedExchange[]; close: () => Promise<void> }> {
  const exchanges: ScriptedExchange[] = [];
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = new Uint8Array(Buffer.concat(chunks));
        const type = String(req.headers['content-type']);
        const message = decodeByContentType(body, type);
        const ex = { message, headers: req.headers, body };
        exchanges.push(ex);
        const answer = script(ex, exchanges.length - 1);
        if (answer === null) { res.writeHead(500).end(); return; }
        const encoding = classifyDmContentType(type).encoding;
        res.writeHead(200, { 'content-type': encoding === 'wbxml' ? 'application/vnd.syncml.dm+wbxml' : 'application/vnd.syncml.dm+xml' });
        res.end(encodeMessage(decodeXml(answer), encoding));
      } catch (e) {
        res.writeHead(400).end(String(e));
      }
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/dm`,
    exchanges,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A server message with the header Status for the client's last message, then `commands`. */
export function serverMessage(client: SyncMLMessage, msgID: number, headerStatus: number, commands = '', final = true): string {
  const h = client.header;
  return `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>${h.sessionID}</SessionID><MsgID>${msgID}</MsgID>`
    + `<Target><LocURI>${h.source.locURI}</LocURI></Target><Source><LocURI>${h.target.locURI}</LocURI></Source></SyncHdr><SyncBody>`
    + `<Status><CmdID>1</CmdID><MsgRef>${h.msgID}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><TargetRef>${h.target.locURI}</TargetRef><SourceRef>${h.source.locURI}</SourceRef><Data>${headerStatus}</Data></Status>`
    + commands + (final ? '<Final/>' : '') + '</SyncBody></SyncML>';
}
