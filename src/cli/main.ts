#!/usr/bin/env node
/**
 * The `dmvisor` command. Each subcommand lives in its own module; this file
 * only dispatches and turns errors into messages and exit codes.
 */
import { readFileSync } from 'node:fs';
import { runCodec, type CliIo } from './codec-command.js';
import { UsageError } from './usage-error.js';
import { runClient } from './client-command.js';
import { runTree } from './tree-command.js';
import { runServer } from './server-command.js';
import { runOperator } from './operator-commands.js';
import { runBootstrap } from './bootstrap-command.js';
import { runCampaign } from './campaign-command.js';
import { runHost } from './host-command.js';
import { runImage } from './image-command.js';
import { runDemo } from './demo-command.js';
import { runGateway } from './gateway-commands.js';
import { runSimulate } from './simulate-command.js';
import { DecodeError, DmvisorError } from '../errors.js';

const USAGE = `dmvisor — an OMA Device Management (SyncML DM 1.2) stack for devices that host virtual machines

usage: dmvisor <command> [options]

commands:
  server     run the DM server (DM endpoint + admin API); what \`npm start\` runs
  devices    list the server's devices (admin API; --url, --token)
  get, set, exec, notify   queue a Get/Replace/Exec on a device, or wake it (admin API)
  sessions, trace          a device's sessions; one session's messages, decoded (admin API)
  campaign   one operation for a group of devices, in batches (admin API)
  codec      convert and inspect DM messages: xml2wbxml, wbxml2xml, inspect
  client     run a DM client: one session (--once) or listen for notifications (--daemon)
  tree       management objects: print an MO's DDF (tree ddf DMAcc)
  bootstrap  bootstrap documents, cards, pushes, enrollment secrets (build, card, push, enroll, profile)
  host       run a host agent: DM client + hypervisor + VM management object (--config host.json)
  image      VM images: build, push to a server, inspect
  gateway    GwMO gateways: a host's inventory, a VM's mode (direct/transparent/proxy), fan-out
  simulate   a simulated fleet (hosts × VMs, real client engine) against a server: progress, latency, errors
  demo       server + host + Personal and Enterprise VMs, step by step (--exit: smoke test)
  help       this text
  version    print the version

Run \`dmvisor <command> --help\` for a command's options.
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Run the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'codec':
        return await runCodec(rest, io);
      case 'client':
        return await runClient(rest, io);
      case 'bootstrap':
        return await runBootstrap(rest, io);
      case 'tree':
        return runTree(rest, io);
      case 'server':
        return await runServer(rest, io);
      case 'host':
        return await runHost(rest, io);
      case 'image':
        return await runImage(rest, io);
      case 'gateway':
        return await runGateway(rest, io);
      case 'simulate':
        return await runSimulate(rest, io);
      case 'demo':
        return await runDemo(rest, io);
      case 'devices': case 'get': case 'set': case 'exec': case 'notify': case 'sessions': case 'trace':
        return await runOperator(command, rest, io);
      case 'campaign':
        return await runCampaign(rest, io);
      case 'version': case '--version': case '-v':
        io.stdout(version() + '\n');
        return 0;
      case undefined: case 'help': case '--help': case '-h':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof DecodeError) {
      io.stderr(`dmvisor: cannot decode: ${e.message}\n`);
      return 1;
    }
    if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      io.stderr(`dmvisor: ${e.message}\n`);
      return 2;
    }
    if (e instanceof DmvisorError) {
      io.stderr(`dmvisor: ${e.message} [${e.code}]\n`);
      return 1;
    }
    if (e instanceof Error && 'code' in e && (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR')) {
      io.stderr(`dmvisor: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

const processIo: CliIo = {
  stdout: (text) => { process.stdout.write(text); },
  stderr: (text) => { process.stderr.write(text); },
  writeStdout: (bytes) => new Promise((resolve, reject) => process.stdout.write(bytes, (err) => (err ? reject(err) : resolve()))),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  },
};

if (import.meta.url === new URL(process.argv[1], 'file://').href || process.argv[1]?.endsWith('/dmvisor')) {
  main(process.argv.slice(2), processIo).then((code) => { process.exitCode = code; });
}
