/**
 * The `gateway` section of a `dmvisor host` config: whether the host runs the
 * GwMO gateway for its VMs, the mode new VMs get, how long a proxied command
 * may take inside the server's session, and the ServerID the gateway presents
 * to VMs in proxy mode.
 *
 * ```json
 * "gateway": { "enabled": true, "defaultMode": "transparent", "proxyTimeoutMs": 5000, "serverId": "dmvisor-gateway" }
 * ```
 */
import { ConfigError } from '../client/config-error.js';
import { GW_MODES, type GwMode } from '../mo/gwmo.js';

/** The validated section. */
export interface GatewayConfig {
  enabled: boolean;
  defaultMode: GwMode;
  proxyTimeoutMs: number;
  serverId: string;
}

/** Defaults (gateway on, VMs managed directly unless asked otherwise). */
export const DEFAULT_GATEWAY_CONFIG: GatewayConfig = { enabled: true, defaultMode: 'direct', proxyTimeoutMs: 5000, serverId: 'dmvisor-gateway' };

/** Validate the section (absent → defaults). */
export function parseGatewayConfig(raw: unknown, file: string): GatewayConfig {
  if (raw === undefined) return { ...DEFAULT_GATEWAY_CONFIG };
  const fail = (path: string, reason: string): never => { throw new ConfigError(file, `gateway${path ? '.' + path : ''}`, reason); };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('', 'must be an object');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['enabled', 'defaultMode', 'proxyTimeoutMs', 'serverId'].includes(k)) fail(k, 'unknown field (expected enabled, defaultMode, proxyTimeoutMs, serverId)');
  const c = { ...DEFAULT_GATEWAY_CONFIG };
  if (o.enabled !== undefined) c.enabled = typeof o.enabled === 'boolean' ? o.enabled : fail('enabled', 'must be true or false');
  if (o.defaultMode !== undefined) c.defaultMode = (GW_MODES as readonly unknown[]).includes(o.defaultMode) ? (o.defaultMode as GwMode) : fail('defaultMode', `must be one of ${GW_MODES.join(', ')}`);
  if (o.proxyTimeoutMs !== undefined) c.proxyTimeoutMs = Number.isInteger(o.proxyTimeoutMs) && (o.proxyTimeoutMs as number) >= 10 && (o.proxyTimeoutMs as number) <= 600_000 ? (o.proxyTimeoutMs as number) : fail('proxyTimeoutMs', 'must be an integer 10–600000');
  if (o.serverId !== undefined) c.serverId = typeof o.serverId === 'string' && /^[^\s=&*+]{1,128}$/.test(o.serverId) ? o.serverId : fail('serverId', 'must be a server id (no spaces or = & * +)');
  return c;
}
