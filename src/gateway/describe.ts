/** One readable line for a gateway event (`dmvisor host` prints these). */
import type { GatewayLogEvent } from './gateway.js';

export function describeGatewayEvent(e: GatewayLogEvent): string {
  switch (e.event) {
    case 'attached': return `end device ${e.node} attached as ${e.deviceId} (${e.mode})`;
    case 'detached': return `end device ${e.node} (${e.deviceId}) detached`;
    case 'trigger': return `trigger for ${e.node}: ${e.result}`;
    case 'trigger-refused': return `trigger refused (${e.uri}): ${e.reason}`;
    case 'refused': return `refused for ${e.node}: ${e.reason}`;
    case 'proxied': return `${e.commands} command(s) for ${e.node}: ${e.answered}`;
    case 'fanout': return `fan-out ${e.job} to ${e.devices} end device(s): ${e.phase}${e.detail ? ' — ' + e.detail : ''}`;
    case 'downstream-session': return `session with end device ${e.node} ${e.state}${e.reason ? ': ' + e.reason : ''}`;
  }
}
