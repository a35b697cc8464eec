/**
 * `dmvisor codec` — convert and inspect DM messages:
 *   xml2wbxml [IN] [-o OUT]      XML → WBXML
 *   wbxml2xml [IN] [-o OUT]      WBXML → XML (indented; --compact for none)
 *   inspect   [IN] [--json]      readable dump of a DM message (XML or WBXML) or a package #0
 * IN is a file or `-`/absent for standard input.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { decodeWbxml, decodeXml, encodeWbxml, encodeXml, sniffEncoding } from '../syncml/index.js';
import { decodePackage0 } from '../notification/index.js';
import { dumpMessage, dumpPackage0 } from './message-dump.js';
import { UsageError } from './usage-error.js';

export const CODEC_USAGE = `usage: dmvisor codec <command> [options] [FILE]

commands:
  xml2wbxml [FILE] [-o OUT] [--wbxml-version 1|2|3]   encode an XML DM message as WBXML
  wbxml2xml [FILE] [-o OUT] [--compact]                decode a WBXML DM message to XML
  inspect   [FILE] [--json] [--as xml|wbxml|package0]  readable dump of a DM message or package #0

FILE is a path, or - (or nothing) for standard input. OUT defaults to standard output.
`;

/** Run `dmvisor codec …`; returns the process exit code. */
export async function runCodec(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      compact: { type: 'boolean' },
      json: { type: 'boolean' },
      as: { type: 'string' },
      'wbxml-version': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || sub === undefined || sub === 'help') { io.stdout(CODEC_USAGE); return sub === undefined ? 2 : 0; }
  if (positionals.length > 1) throw new UsageError(`one input file expected, got ${positionals.length}`);
  const input = await readInput(positionals[0], io);
  switch (sub) {
    case 'xml2wbxml': {
      const version = values['wbxml-version'] === undefined ? 2 : Number(values['wbxml-version']);
      if (version !== 1 && version !== 2 && version !== 3) throw new UsageError('--wbxml-version must be 1, 2 or 3');
      await writeOutput(values.output, encodeWbxml(decodeXml(input), { version }), io);
      return 0;
    }
    case 'wbxml2xml': {
      const xml = encodeXml(decodeWbxml(input), { declaration: true, indent: values.compact ? 0 : 2 });
      await writeOutput(values.output, new TextEncoder().encode(xml), io);
      return 0;
    }
    case 'inspect': {
      const kind = values.as ?? sniffEncoding(input);
      if (kind === 'xml' || kind === 'wbxml') {
        const msg = kind === 'xml' ? decodeXml(input) : decodeWbxml(input);
        io.stdout(values.json ? JSON.stringify(msg, jsonReplacer, 2) + '\n' : dumpMessage(msg, kind.toUpperCase(), input.length));
        return 0;
      }
      if (kind === 'package0') {
        const p = decodePackage0(input);
        io.stdout(values.json ? JSON.stringify(p, jsonReplacer, 2) + '\n' : dumpPackage0(p, input.length));
        return 0;
      }
      throw new UsageError(kind === undefined ? 'cannot tell what the input is; say --as xml|wbxml|package0' : `--as ${kind}: expected xml, wbxml or package0`);
    }
    default:
      throw new UsageError(`unknown codec command ${JSON.stringify(sub)}\n\n${CODEC_USAGE}`);
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? { bytesHex: Buffer.from(value).toString('hex') } : value;
}

/** The process edges the CLI touches, injectable for tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  writeStdout(bytes: Uint8Array): Promise<void>;
  readStdin(): Promise<Uint8Array>;
}

async function readInput(path: string | undefined, io: CliIo): Promise<Uint8Array> {
  if (path === undefined || path === '-') return io.readStdin();
  return new Uint8Array(await readFile(path));
}

async function writeOutput(path: string | undefined, bytes: Uint8Array, io: CliIo): Promise<void> {
  if (path === undefined || path === '-') await io.writeStdout(bytes);
  else await writeFile(path, bytes);
}
