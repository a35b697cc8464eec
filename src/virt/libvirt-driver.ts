/**
 * The `libvirt` hypervisor driver: VMs are libvirt domains, driven through
 * `virsh` (Debian `libvirt-clients`). One interactive `virsh -c <uri>` process
 * is kept open for the driver's life: `test:///default` keeps its state per
 * connection, and one connection is cheaper for real drivers too.
 *
 * URIs: `test:///default` (libvirt's built-in mock, used by the tests),
 * `qemu:///system` (a bare-metal-like, Type I-style setup: the host client
 * runs beside a system hypervisor) and `qemu:///session` (a hosted, Type
 * II-style setup under the user's session). The domain XML is the image's
 * `domain.xml` payload file with `{{name}}`, `{{memoryMB}}`, `{{vcpus}}` and
 * `{{dir}}` substituted, or a minimal domain when the image has none.
 *
 * Limits: libvirt guests have no VM channel here (no client install through
 * the host), and a domain that stops on its own is seen on the next state
 * poll (every 2 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VmState } from '../mo/virt.js';
import { DmvisorError } from '../errors.js';
import type { Hypervisor, VmExit, VmSpec } from './hypervisor.js';
import type { VmChannel } from '../transport/vm-channel.js';

/** `virsh` said no. */
export class VirshError extends DmvisorError {
  constructor(message: string) {
    super(message, 'DMV_ERR_VIRSH', 500);
  }
}

/** Domain names are `dmv-<vm name>` so dmvisor never touches other domains. */
const domainName = (vm: string) => `dmv-${vm}`;

/** One interactive virsh connection: commands in, output up to a marker out. */
class VirshConnection {
  private stdout = '';
  private stderr = '';
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private exited: string | undefined;

  constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (s: string) => { this.stdout += s; this.wake?.(); });
    child.stderr!.on('data', (s: string) => { this.stderr += s; });
    child.on('exit', (code) => { this.exited = `virsh exited (code ${code})`; this.wake?.(); });
    child.on('error', (e) => { this.exited = `cannot run virsh: ${e.message}`; this.wake?.(); });
  }

  private wake: (() => void) | undefined;

  /** Run one virsh command; resolves with its output, rejects with its error text. */
  run(command: string): Promise<string> {
    const r = this.queue.then(() => this.exec(command));
    this.queue = r.catch(() => undefined);
    return r;
  }

  private async exec(command: string): Promise<string> {
    if (this.exited) throw new VirshError(this.exited);
    const marker = `@@dmvisor-${++this.seq}@@`;
    this.stdout = '';
    this.stderr = '';
    this.child.stdin!.write(`${command}\necho ${marker}\n`);
    // The marker's own output line starts a line; its echoed command line reads `echo <marker>`.
    const done = new RegExp(`(^|\\n)${marker}`);
    let m: RegExpExecArray | null;
    while (!(m = done.exec(this.stdout))) {
      if (this.exited) throw new VirshError(this.exited);
      await new Promise<void>((r) => { this.wake = r; });
    }
    // stderr of the command is written before the marker's echo; let its pipe catch up.
    await new Promise((r) => setTimeout(r, 15));
    // Non-interactive stdin: virsh echoes each command line (with or without its prompt) around the output.
    const out = this.stdout.slice(0, m.index).split('\n').map((l) => l.replace(/^(virsh # )+/, ''))
      .filter((l) => l.trim() !== '' && l !== command && !l.startsWith('echo @@dmvisor-')).join('\n').trim();
    const err = this.stderr.trim();
    if (/^error:/m.test(err)) throw new VirshError(`virsh ${command.split(' ')[0]}: ${err.split('\n').filter((l) => l.startsWith('error:')).map((l) => l.slice(6).trim()).join('; ')}`);
    return out;
  }

  close(): void {
    this.child.stdin!.end('quit\n');
  }
}

/** See the module comment. */
export class LibvirtHypervisor implements Hypervisor {
  readonly driver = 'libvirt';
  readonly product: string;
  private readonly specs = new Map<string, VmSpec>();
  private readonly states = new Map<string, VmState>();
  private readonly stopping = new Set<string>();
  private readonly exitListeners: ((e: VmExit) => void)[] = [];
  private poll: NodeJS.Timeout | undefined;

  private constructor(private readonly virsh: VirshConnection, readonly uri: string, readonly version: string) {
    this.product = `libvirt ${uri}`;
    this.poll = setInterval(() => { void this.checkStates(); }, 2000);
    this.poll.unref();
  }

  /** Connect (one interactive virsh for the driver's life). @throws VirshError when virsh is missing or the URI unusable. */
  static async open(uri: string): Promise<LibvirtHypervisor> {
    const child = spawn('virsh', ['-q', '-c', uri], { stdio: ['pipe', 'pipe', 'pipe'] });
    const conn = new VirshConnection(child);
    const version = await conn.run('version --daemon').then((v) => /hypervisor: (.*)/i.exec(v)?.[1]?.trim() ?? v.split('\n')[0] ?? '', (e: unknown) => {
      conn.close();
      throw e;
    });
    return new LibvirtHypervisor(conn, uri, version);
  }

  async define(spec: VmSpec): Promise<void> {
    if (this.specs.has(spec.name)) throw new DmvisorError(`VM ${spec.name} is already defined`, 'DMV_ERR_EXISTS', 409);
    // A persistent domain from before a host restart (qemu:///…) is adopted as it is, not redefined.
    const existing = await this.domState(spec.name);
    if (existing !== undefined) {
      this.specs.set(spec.name, spec);
      this.states.set(spec.name, existing === 'running' ? 'running' : 'stopped');
      return;
    }
    const template = spec.image.files['domain.xml'] ? Buffer.from(spec.image.files['domain.xml']).toString('utf8') : this.defaultDomain();
    const xml = template.replaceAll('{{name}}', domainName(spec.name)).replaceAll('{{memoryMB}}', String(spec.memoryMB)).replaceAll('{{vcpus}}', String(spec.vcpus)).replaceAll('{{dir}}', spec.dir);
    const file = join(spec.dir, 'domain.xml');
    await writeFile(file, xml);
    await this.virsh.run(`define ${file}`);
    this.specs.set(spec.name, spec);
    this.states.set(spec.name, 'stopped');
  }

  async start(name: string): Promise<void> {
    this.need(name);
    await this.virsh.run(`start ${domainName(name)}`);
    this.stopping.delete(name);
    this.states.set(name, 'running');
  }

  async stop(name: string): Promise<void> {
    this.need(name);
    this.stopping.add(name);
    if ((await this.domState(name)) === 'running') await this.virsh.run(`destroy ${domainName(name)}`);
    this.states.set(name, 'stopped');
  }

  async undefine(name: string): Promise<void> {
    if (!this.specs.has(name)) return;
    this.stopping.add(name);
    if ((await this.domState(name)) === 'running') await this.virsh.run(`destroy ${domainName(name)}`);
    await this.virsh.run(`undefine ${domainName(name)}`).catch(() => undefined);
    this.specs.delete(name);
    this.states.delete(name);
  }

  state(name: string): VmState | undefined {
    return this.states.get(name);
  }

  /** What libvirt itself says about the domain (`running`, `shut off`, …), or undefined when it has none. */
  async domState(name: string): Promise<string | undefined> {
    return this.virsh.run(`domstate ${domainName(name)}`).catch(() => undefined);
  }

  channel(): VmChannel | undefined {
    return undefined;
  }

  onGuestMessage(): void {
    // libvirt guests have no VM channel (see the module comment).
  }

  onUnexpectedExit(listener: (e: VmExit) => void): void {
    this.exitListeners.push(listener);
  }

  /** Close the connection. Domains are left as they are: they outlive the host agent (unlike `process` VMs). */
  async close(): Promise<void> {
    clearInterval(this.poll);
    this.virsh.close();
  }

  private need(name: string): void {
    if (!this.specs.has(name)) throw new DmvisorError(`no VM ${name}`, 'DMV_ERR_NOT_FOUND', 404);
  }

  private defaultDomain(): string {
    const type = this.uri.startsWith('test:') ? 'test' : this.uri.startsWith('qemu:') ? 'kvm' : 'test';
    return `<domain type='${type}'><name>{{name}}</name><memory unit='MiB'>{{memoryMB}}</memory><vcpu>{{vcpus}}</vcpu><os><type>hvm</type></os></domain>\n`;
  }

  private async checkStates(): Promise<void> {
    for (const [name, state] of this.states) {
      if (state !== 'running' || this.stopping.has(name)) continue;
      const now = await this.domState(name);
      if (now !== undefined && now !== 'running' && this.states.get(name) === 'running' && !this.stopping.has(name)) {
        this.states.set(name, 'crashed');
        for (const l of this.exitListeners) l({ name, reason: `libvirt reports the domain ${now}` });
      }
    }
  }
}
