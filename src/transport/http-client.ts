/**
 * The client side of the OMA DM HTTP binding: POST one message, receive the
 * server's next one. Carries the DM content types and the `x-syncml-hmac`
 * header, follows nothing implicitly (RespURI is the session's business),
 * retries network failures with exponential backoff, and bounds both the
 * wait and the size of the answer.
 */
import http from 'node:http';
import https from 'node:https';
import { TransportError } from './transport-error.js';
import { classifyDmContentType } from '../syncml/media-types.js';
import { HMAC_HEADER_NAME } from '../security/index.js';
import { DecodeError } from '../errors.js';

/** One message to send. */
export interface HttpRequestMessage {
  url: string;
  body: Uint8Array;
  contentType: string;
  hmacHeader?: string;
}

/** The server's answer. */
export interface HttpResponseMessage {
  body: Uint8Array;
  encoding: 'xml' | 'wbxml';
  contentType: string;
  hmacHeader?: string;
}

/** Options of a {@link DmHttpClient}. */
export interface DmHttpClientOptions {
  /** Give up waiting for an answer after this long. Default 30 s. */
  timeoutMs?: number;
  /** Retries after a network failure or timeout (not after an HTTP error status). Default 3. */
  retries?: number;
  /** First backoff delay; doubles each retry. Default 500 ms. */
  backoffMs?: number;
  /** Largest answer accepted. Default 16 MiB. */
  maxResponseBytes?: number;
  /** Extra trusted CA certificates (PEM) for HTTPS. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Client certificate and key for TLS client authentication. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Reuse connections between the messages of a session. Default true. */
  keepAlive?: boolean;
  /** Send every request over this Unix socket instead of the URL's host (a proxied VM reaches its gateway through the host↔VM socket). */
  socketPath?: string;
  /** Sleep function (tests inject a fast one). */
  sleep?: (ms: number) => Promise<void>;
}

/** Posts DM messages over HTTP(S). */
export class DmHttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(private readonly options: DmHttpClientOptions = {}) {
    const keepAlive = options.keepAlive ?? true;
    this.httpAgent = new http.Agent({ keepAlive });
    this.httpsAgent = new https.Agent({ keepAlive, ca: options.ca, cert: options.cert, key: options.key });
  }

  /** Send one message and return the answer, retrying network failures. */
  async exchange(message: HttpRequestMessage): Promise<HttpResponseMessage> {
    const retries = this.options.retries ?? 3;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let delay = this.options.backoffMs ?? 500;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(message);
      } catch (e) {
        const retryable = e instanceof TransportError && (e.kind === 'network' || e.kind === 'timeout');
        if (!retryable || attempt >= retries) throw e;
        await sleep(delay);
        delay *= 2;
      }
    }
  }

  /** Close pooled connections. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private once(message: HttpRequestMessage): Promise<HttpResponseMessage> {
    const url = new URL(message.url);
    const isHttps = url.protocol === 'https:';
    if (!isHttps && url.protocol !== 'http:') return Promise.reject(new TransportError('network', `unsupported URL scheme ${url.protocol}`));
    const headers: http.OutgoingHttpHeaders = {
      'content-type': message.contentType,
      'content-length': message.body.length,
      accept: 'application/vnd.syncml.dm+wbxml, application/vnd.syncml.dm+xml',
    };
    if (message.hmacHeader) headers[HMAC_HEADER_NAME] = message.hmacHeader;
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const maxBytes = this.options.maxResponseBytes ?? 16 * 1024 * 1024;
    return new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request(url, { method: 'POST', headers, agent: isHttps ? this.httpsAgent : this.httpAgent, ...(this.options.socketPath ? { socketPath: this.options.socketPath } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            reject(new TransportError('too-large', `answer larger than ${maxBytes} bytes`));
            res.destroy();
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const body = new Uint8Array(Buffer.concat(chunks));
          if (status !== 200) {
            reject(new TransportError('http-status', `server answered HTTP ${status}${body.length ? `: ${Buffer.from(body.subarray(0, 200)).toString('utf8')}` : ''}`, status));
            return;
          }
          const contentType = String(res.headers['content-type'] ?? '');
          let encoding: 'xml' | 'wbxml';
          try {
            encoding = classifyDmContentType(contentType).encoding;
          } catch (e) {
            if (e instanceof DecodeError) { reject(new TransportError('content-type', `answer has content type ${JSON.stringify(contentType)}, not a DM message`)); return; }
            throw e;
          }
          const hmac = res.headers[HMAC_HEADER_NAME];
          const out: HttpResponseMessage = { body, encoding, contentType };
          if (typeof hmac === 'string') out.hmacHeader = hmac;
          resolve(out);
        });
        res.on('error', (err) => reject(toTransportError(err)));
      });
      req.setTimeout(timeoutMs, () => req.destroy(new TransportError('timeout', `no answer from ${url.host} within ${timeoutMs} ms`)));
      req.on('error', (err) => reject(toTransportError(err)));
      req.end(message.body);
    });
  }
}

function toTransportError(err: Error): TransportError {
  if (err instanceof TransportError) return err;
  return new TransportError('network', err.message);
}
