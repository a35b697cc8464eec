/** The gateway routes of the admin API (src/server/gateway-api.ts), for /api/openapi.json. */
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const modes = { enum: ['direct', 'transparent', 'proxy'] };

export const GATEWAY_OPENAPI_PATHS = {
  '/api/devices/{devId}/management': {
    get: { summary: 'How a device is managed: mode (direct, transparent, proxy), the gateway it is reached via, its proxy prefix', responses: { 200: ok('the management link') } },
    put: {
      summary: 'Switch a VM between direct and transparent management (proxy is chosen when the VM is created)',
      requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['mode'], properties: { mode: modes } } } } },
      responses: { 200: ok('switched; the gateway\'s inventory record follows'), 409: ok('not possible (proxy, or no gateway known)') },
    },
  },
  '/api/gateways/{devId}/inventory': {
    get: { summary: 'Read a gateway\'s GwMO Device Inventory with a Get in a session with it; refreshes the links', parameters: [{ name: 'wait', in: 'query', description: 'seconds (default 20)' }], responses: { 200: ok('the end devices'), 504: ok('the gateway did not answer in time') } },
  },
  '/api/fanout': {
    post: {
      summary: 'One command set to many end devices: per device (devices[] or host), or as a GwMO Fanout job run by the gateway (through: gateway)',
      requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['commands'], properties: { host: { type: 'string' }, devices: { type: 'array', items: { type: 'string' } }, through: { enum: ['gateway'] }, commands: { type: 'array', items: { $ref: '#/components/schemas/Command' } }, notify: { type: 'boolean' } } } } } },
      responses: { 201: ok('queued') },
    },
  },
  '/api/fanout/{id}': { get: { summary: 'A fan-out: per-device states and results, aggregated status', responses: { 200: ok('the fan-out') } } },
} as const;
