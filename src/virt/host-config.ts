/**
 * The `dmvisor host` configuration file: the host's own DM client (a
 * `dmvisor client` config, inline), the virtualization topology, the
 * hypervisor driver and where VMs and cached images live.
 *
 * ```json
 * {
 *   "virtualization": "TypeI",
 *   "client": { "stateDir": "./host-state", "device": { "devId": "urn:dmvisor:host:h1" },
 *               "accounts": [ … ], "notifications": { "httpPort": 8091 } },
 *   "hypervisor": { "driver": "process", "isolateNetwork": false },
 *   "vmsDir": "./vms",
 *   "imageCacheDir": "./image-cache"
 * }
 * ```
 * Relative paths are resolved against the config file's folder.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDeviceConfig, type DeviceConfig } from '../client/device-config.js';
import { ConfigError } from '../client/config-error.js';
import type { Virtualization } from '../mo/virt.js';
import { parseGatewayConfig, type GatewayConfig } from '../gateway/gateway-config.js';

/** Hypervisor driver settings. */
export type HypervisorConfig =
  | { driver: 'process'; isolateNetwork: boolean }
  | { driver: 'libvirt'; uri: string };

/** The whole validated host config. */
export interface HostConfig {
  virtualization: Virtualization;
  client: DeviceConfig;
  hypervisor: HypervisorConfig;
  vmsDir: string;
  imageCacheDir: string;
  /** Address the VMs' notification listeners are reachable on from the server. Default 127.0.0.1. */
  guestAddress: string;
  /** The GwMO gateway for the host's VMs (src/gateway). */
  gateway: GatewayConfig;
  /**
   * Server ids that manage the host's VMs (granted `./Virt`). Default: the
   * first account's. Other accounts get nothing of `./Virt` unless a VM is
   * created with them as `managers`.
   */
  virtServers: string[];
}

/** Validate a parsed host config; `file` names it in errors, relative paths resolve against `baseDir`. */
export function parseHostConfig(raw: unknown, file: string, baseDir = '.'): HostConfig {
  const fail = (path: string, reason: string): never => { throw new ConfigError(file, path, reason); };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('', 'must be an object');
  const o = raw as Record<string, unknown>;
  const known = ['virtualization', 'client', 'hypervisor', 'vmsDir', 'imageCacheDir', 'guestAddress', 'virtServers', 'gateway', '$schema', 'comment'];
  for (const k of Object.keys(o)) if (!known.includes(k)) fail(k, `unknown field (expected one of ${known.slice(0, 8).join(', ')})`);
  if (o.virtualization !== 'TypeI' && o.virtualization !== 'TypeII') fail('virtualization', 'must be TypeI or TypeII');
  let client: DeviceConfig;
  try {
    client = parseDeviceConfig(o.client, file);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(file, e.path ? `client.${e.path}` : 'client', e.message.slice(`${file}: ${e.path ? e.path + ': ' : ''}`.length));
    throw e;
  }
  const here = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  client.stateDir = here(client.stateDir);
  const h = (o.hypervisor ?? { driver: 'process' }) as Record<string, unknown>;
  if (typeof h !== 'object' || h === null || Array.isArray(h)) fail('hypervisor', 'must be an object');
  let hypervisor: HypervisorConfig;
  if (h.driver === 'process') {
    for (const k of Object.keys(h)) if (!['driver', 'isolateNetwork'].includes(k)) fail(`hypervisor.${k}`, 'unknown field (expected driver, isolateNetwork)');
    if (h.isolateNetwork !== undefined && typeof h.isolateNetwork !== 'boolean') fail('hypervisor.isolateNetwork', 'must be true or false');
    hypervisor = { driver: 'process', isolateNetwork: h.isolateNetwork === true };
  } else if (h.driver === 'libvirt') {
    for (const k of Object.keys(h)) if (!['driver', 'uri'].includes(k)) fail(`hypervisor.${k}`, 'unknown field (expected driver, uri)');
    if (typeof h.uri !== 'string' || !/^[a-z+]+:\/\/[^\s]*$/.test(h.uri)) fail('hypervisor.uri', 'must be a libvirt URI such as test:///default, qemu:///system or qemu:///session');
    hypervisor = { driver: 'libvirt', uri: h.uri as string };
  } else {
    return fail('hypervisor.driver', 'must be process or libvirt');
  }
  const path = (k: 'vmsDir' | 'imageCacheDir', dflt: string) => {
    const v = o[k] ?? dflt;
    if (typeof v !== 'string' || v === '') fail(k, 'must be a non-empty path');
    return here(v as string);
  };
  const guestAddress = o.guestAddress ?? '127.0.0.1';
  if (typeof guestAddress !== 'string' || guestAddress === '') fail('guestAddress', 'must be a host name or address');
  const ids = client.accounts.map((a) => a.serverId);
  let virtServers = [ids[0]];
  if (o.virtServers !== undefined) {
    if (!Array.isArray(o.virtServers) || o.virtServers.length === 0) fail('virtServers', 'must be a non-empty array of server ids');
    (o.virtServers as unknown[]).forEach((x, i) => { if (typeof x !== 'string' || !ids.includes(x)) fail(`virtServers[${i}]`, `must be the serverId of one of client.accounts (${ids.join(', ')})`); });
    virtServers = o.virtServers as string[];
  }
  return {
    virtServers,
    virtualization: o.virtualization as Virtualization,
    client, hypervisor,
    vmsDir: path('vmsDir', './vms'),
    imageCacheDir: path('imageCacheDir', './image-cache'),
    guestAddress: guestAddress as string,
    gateway: parseGatewayConfig(o.gateway, file),
  };
}

/** Read and validate a host config file. */
export async function loadHostConfig(file: string): Promise<HostConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, '', `cannot read: ${(e as Error).message}`);
  }
  if (text.length > 1024 * 1024) throw new ConfigError(file, '', 'larger than 1 MiB');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, '', `not valid JSON: ${(e as Error).message}`);
  }
  return parseHostConfig(raw, file, dirname(file));
}
