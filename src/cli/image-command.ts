/**
 * `dmvisor image build | push | inspect` — make VM images and hand them to a server.
 *
 *   dmvisor image build --name enterprise --kind enterprise --with-client [--account FILE | --bootstrap FILE]
 *                       [--sec S --mac M --pin P] [--memory MB] [--vcpus N] [--domain-xml FILE] --out FILE
 *   dmvisor image push FILE [--url URL] [--token TOKEN]
 *   dmvisor image inspect FILE
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { buildImage, decodeImage, encodeImage, imageDigest } from '../virt/image.js';
import { DmvisorError } from '../errors.js';
import type { CliIo } from './codec-command.js';
import { UsageError } from './usage-error.js';

export const IMAGE_USAGE = `usage: dmvisor image build --name NAME --kind personal|enterprise [--with-client]
                          [--account FILE | --bootstrap FILE [--sec S] [--mac M] [--pin P]]
                          [--memory MB] [--vcpus N] [--domain-xml FILE] --out FILE
       dmvisor image push FILE [--url URL] [--token TOKEN]
       dmvisor image inspect FILE

  build     make an image bundle: manifest + guest payload + optional customized bootstrap:
              --account FILE    a ready DM account (a client config accounts[] entry, JSON)
              --bootstrap FILE  a bootstrap document (WBXML), or a virtual smartcard when FILE ends in .img/.card
  push      store the image on a server (admin API POST /api/images); prints its digest
  inspect   print an image's manifest, payload files and digest
  --url (default http://127.0.0.1:8080, env DMVISOR_URL), --token (env DMVISOR_API_TOKEN)
`;

/** Run `dmvisor image …`. */
export async function runImage(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest, allowPositionals: true,
    options: {
      name: { type: 'string' }, kind: { type: 'string' }, 'with-client': { type: 'boolean' }, account: { type: 'string' },
      bootstrap: { type: 'string' }, sec: { type: 'string' }, mac: { type: 'string' }, pin: { type: 'string' },
      memory: { type: 'string' }, vcpus: { type: 'string' }, 'domain-xml': { type: 'string' }, out: { type: 'string' },
      url: { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || sub === 'help' || sub === '--help') { io.stdout(IMAGE_USAGE); return 0; }
  switch (sub) {
    case 'build': {
      if (!values.name || !values.kind || !values.out) throw new UsageError(`build needs --name, --kind and --out\n\n${IMAGE_USAGE}`);
      const kind = values.kind.toLowerCase();
      if (kind !== 'personal' && kind !== 'enterprise') throw new UsageError('--kind must be personal or enterprise');
      const int = (v: string | undefined, what: string) => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} takes a positive integer`);
        return n;
      };
      let account: Record<string, unknown> | undefined;
      if (values.account) {
        try {
          account = JSON.parse(await readFile(values.account, 'utf8')) as Record<string, unknown>;
        } catch (e) {
          throw new DmvisorError(`--account ${values.account}: ${(e as Error).message}`, 'DMV_ERR_CONFIG', 400);
        }
      }
      const image = buildImage({
        name: values.name, kind: kind === 'personal' ? 'Personal' : 'Enterprise', withClient: values['with-client'] ?? false,
        ...(int(values.memory, '--memory') ? { memoryMB: int(values.memory, '--memory')! } : {}),
        ...(int(values.vcpus, '--vcpus') ? { vcpus: int(values.vcpus, '--vcpus')! } : {}),
        ...(account ? { account } : {}),
        ...(values.bootstrap ? {
          bootstrap: {
            fileName: values.bootstrap, bytes: new Uint8Array(await readFile(values.bootstrap)), smartcard: /\.(img|card)$/i.test(values.bootstrap),
            ...(values.sec ? { sec: values.sec } : {}), ...(values.mac ? { mac: values.mac } : {}), ...(values.pin ? { pin: values.pin } : {}),
          },
        } : {}),
        ...(values['domain-xml'] ? { domainXml: await readFile(values['domain-xml'], 'utf8') } : {}),
      });
      const bytes = encodeImage(image);
      await writeFile(values.out, bytes);
      io.stdout(`${values.out}: image ${image.manifest.name} (${image.manifest.kind}${image.manifest.withClient ? ', with DM client' : ''}${image.manifest.bootstrap ? `, bootstrap ${image.manifest.bootstrap.method}` : ''}), ${bytes.length} bytes, ${imageDigest(bytes)}\n`);
      return 0;
    }
    case 'inspect': {
      if (positionals.length !== 1) throw new UsageError(`inspect takes one image file\n\n${IMAGE_USAGE}`);
      const bytes = new Uint8Array(await readFile(positionals[0]));
      const image = decodeImage(bytes);
      io.stdout(`${JSON.stringify({ digest: imageDigest(bytes), manifest: image.manifest, files: Object.fromEntries(Object.entries(image.files).map(([k, v]) => [k, v.length])) }, null, 2)}\n`);
      return 0;
    }
    case 'push': {
      if (positionals.length !== 1) throw new UsageError(`push takes one image file\n\n${IMAGE_USAGE}`);
      const base = (values.url ?? process.env.DMVISOR_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
      const token = values.token ?? process.env.DMVISOR_API_TOKEN;
      if (!token) throw new UsageError('an API token is required: --token or DMVISOR_API_TOKEN');
      const bytes = await readFile(positionals[0]);
      let res: Response;
      try {
        res = await fetch(`${base}/api/images`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: bytes });
      } catch (e) {
        throw new DmvisorError(`cannot reach ${base}: ${(e as Error).message}`, 'DMV_ERR_NETWORK', 503);
      }
      const body = (await res.json().catch(() => ({}))) as { name?: string; digest?: string; error?: { message: string } };
      if (!res.ok) { io.stderr(`dmvisor: push failed: HTTP ${res.status}: ${body.error?.message ?? ''}\n`); return 1; }
      io.stdout(`stored image ${body.name} ${body.digest}\n`);
      return 0;
    }
    default:
      throw new UsageError(`${sub === undefined ? 'missing image command' : `unknown image command ${JSON.stringify(sub)}`}\n\n${IMAGE_USAGE}`);
  }
}
