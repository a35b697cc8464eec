/**
 * Client-side figures (issue: one process must hold many clients):
 * - memory per idle client: N standard trees (DevInfo, DevDetail, one DMAcc
 *   account, Inbox) held at once; heap growth after a full GC, divided by N;
 * - CPU per session: a complete 1-command session (package 1, a Get,
 *   Status + Results, the server's closing message) run in-process by
 *   `ClientSession`, codec included; the server's messages are encoded once
 *   up front, so only client-side work is timed.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { createStandardTree } from '../src/mo/index.js';
import { ClientSession } from '../src/session/client-session.js';
import type { ClientAccount } from '../src/session/client-account.js';
import { decodeXml, encodeMessage, type SyncMLMessage } from '../src/syncml/index.js';
import type { DmTree } from '../src/tree/index.js';

export interface ClientBenchResult {
  clients: number;
  bytesPerClient: number;
  sessions: { encoding: 'xml' | 'wbxml'; msPerSession: number; sessionsPerSec: number }[];
}

function newTree(i: number): DmTree {
  return createStandardTree({
    devInfo: { devId: `IMEI:35792408${String(i).padStart(7, '0')}`, man: 'Acme', mod: 'Enterprise VM', dmV: '1.2', lang: 'en-US' },
    devDetail: { devTyp: 'vm', oem: 'Acme', fwV: '2.1', swV: '2.1', hwV: 'A', lrgObj: true },
    accounts: {
      dmsrv: {
        serverId: 'dmsrv', addresses: [{ addr: 'http://127.0.0.1:8080/dm' }], authPref: 'DIGEST',
        auth: [
          { level: 'CLCRED', type: 'DIGEST', name: `vm${i}`, secret: 'client-secret', data: new Uint8Array(16) },
          { level: 'SRVCRED', type: 'DIGEST', name: 'dmsrv', secret: 'server-secret', data: new Uint8Array(16) },
        ],
      },
    },
  });
}

/** A full GC, so heap figures hold only live objects. */
const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

function server(client: SyncMLMessage, msgID: number, commands: string): string {
  const h = client.header;
  return `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>${h.sessionID}</SessionID><MsgID>${msgID}</MsgID>`
    + `<Target><LocURI>${h.source.locURI}</LocURI></Target><Source><LocURI>${h.target.locURI}</LocURI></Source></SyncHdr><SyncBody>`
    + `<Status><CmdID>1</CmdID><MsgRef>${h.msgID}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><TargetRef>${h.target.locURI}</TargetRef><SourceRef>${h.source.locURI}</SourceRef><Data>${msgID === 1 ? 212 : 200}</Data></Status>`
    + commands + '<Final/></SyncBody></SyncML>';
}

/** Run the client figures. `quick` uses fewer clients and sessions. */
export function runClientBench(quick: boolean): ClientBenchResult {
  const n = quick ? 200 : 2000;
  gc();
  const before = process.memoryUsage().heapUsed;
  const trees: DmTree[] = [];
  for (let i = 0; i < n; i++) trees.push(newTree(i));
  gc();
  const after = process.memoryUsage().heapUsed;
  const bytesPerClient = (after - before) / n;
  if (trees.length !== n) throw new Error('unreachable');

  const sessions: ClientBenchResult['sessions'] = [];
  for (const encoding of ['xml', 'wbxml'] as const) {
    const tree = trees[0];
    const account: ClientAccount = {
      serverId: 'dmsrv', serverUri: 'http://127.0.0.1:8080/dm', encoding,
      client: { scheme: 'md5', name: 'vm0', secret: 'client-secret', nonce: new Uint8Array(16) },
      server: { scheme: 'none', name: '', secret: '', nonce: new Uint8Array(0) },
    };
    const make = () => new ClientSession({
      tree, account, deviceId: 'IMEI:357924080000000',
      devInfo: [{ uri: './DevInfo/DevId', value: 'IMEI:357924080000000' }, { uri: './DevInfo/Man', value: 'Acme' }, { uri: './DevInfo/Mod', value: 'Enterprise VM' }],
      sessionId: '1A', initiator: 'client', random: (k) => new Uint8Array(k),
    });
    // Script the server once, from a real first run.
    const probe = make();
    const p1 = probe.start();
    const m1 = decodeXml(encodeMessage(p1.message, 'xml'));
    const s1 = encodeMessage(decodeXml(server(m1, 1, '<Get><CmdID>2</CmdID><Item><Target><LocURI>./DevDetail/FwV</LocURI></Target></Item></Get>')), encoding);
    const p3 = probe.receive(s1)!;
    const s2 = encodeMessage(decodeXml(server(p3.message, 2, '')), encoding);
    if (probe.receive(s2) !== null || probe.result?.state !== 'completed') throw new Error(`scripted session did not complete: ${JSON.stringify(probe.result)}`);

    const one = () => {
      const s = make();
      s.start();
      s.receive(s1);
      if (s.receive(s2) !== null) throw new Error('session did not end');
    };
    for (let i = 0; i < 300; i++) one();
    const rounds: number[] = [];
    const perRound = quick ? 300 : 2000;
    for (let r = 0; r < (quick ? 3 : 7); r++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) one();
      rounds.push(Number(process.hrtime.bigint() - t0) / 1e6 / perRound);
    }
    rounds.sort((a, b) => a - b);
    const ms = rounds[rounds.length >> 1];
    sessions.push({ encoding, msPerSession: ms, sessionsPerSec: 1000 / ms });
  }
  return { clients: n, bytesPerClient, sessions };
}
