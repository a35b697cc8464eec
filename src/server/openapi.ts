/** The admin API's OpenAPI 3.1 description, served at /api/openapi.json. */
import { GATEWAY_OPENAPI_PATHS } from './gateway-openapi.js';

const error = { $ref: '#/components/schemas/Error' };
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema: object = { type: 'object' }) => ({ description, ...json(schema) });
const errors = { 400: ok('invalid input', error), 401: ok('missing or wrong bearer token', error), 404: ok('not found', error) };

/** SEC/MAC fields of bootstrap requests (docs/bootstrap.md). */
const security = {
  sec: { enum: ['NETWPIN', 'USERPIN', 'USERNETWPIN', 'USERPINMAC'], description: 'bootstrap security method; MAC = HMAC-SHA1 over the document' },
  pin: { type: 'string' }, imsi: { type: 'string', description: 'NETWPIN / USERNETWPIN key source' },
  userNetwPinKey: { enum: ['pin-colon-netw', 'netw-then-pin'], description: 'USERNETWPIN key construction (sources disagree)' },
};
const profile = {
  type: 'object',
  properties: {
    name: { type: 'string' }, profile: { enum: ['dm', 'cp'] }, form: { enum: ['direct', 'tnds'] }, serverUri: { type: 'string' },
    clientAuth: { enum: ['md5', 'basic', 'hmac'] }, serverAuth: { enum: ['md5', 'none'] },
  },
};
const BOOTSTRAP_PATHS = {
  '/api/bootstrap/profiles': { get: { summary: 'Bootstrap profiles (what account a bootstrapped device gets)', responses: { 200: ok('profiles'), ...errors } } },
  '/api/bootstrap/profiles/{name}': {
    get: { summary: 'A bootstrap profile', responses: { 200: ok('the profile', profile), ...errors } },
    put: { summary: 'Create or replace a bootstrap profile', requestBody: json(profile), responses: { 200: ok('stored', profile), ...errors } },
    delete: { summary: 'Delete a profile (not `default`)', responses: { 204: { description: 'deleted' }, ...errors } },
  },
  '/api/bootstrap/enrollments': {
    get: { summary: 'Enrollment secrets for client-initiated bootstrap (without the secrets)', responses: { 200: ok('enrollments'), ...errors } },
    post: {
      summary: 'Create an enrollment secret (generated when not given; answered once)',
      requestBody: json({ type: 'object', properties: { name: { type: 'string' }, secret: { type: 'string' }, profile: { type: 'string' }, devId: { type: 'string', description: 'only this device may enroll (a per-device credential)' } } }),
      responses: { 201: ok('created'), 409: ok('name taken', error), ...errors },
    },
  },
  '/api/bootstrap/enrollments/{name}': { delete: { summary: 'Delete an enrollment secret', responses: { 204: { description: 'deleted' }, ...errors } } },
  '/api/bootstrap/documents': {
    post: {
      summary: 'Issue a device its account (registered as customized or smartcard) and return the bootstrap document (and a virtual card image for smartcard)',
      requestBody: json({ type: 'object', required: ['devId'], properties: { devId: { type: 'string' }, method: { enum: ['customized', 'smartcard'] }, profile: { type: 'string' }, replace: { type: 'boolean' }, cardId: { type: 'string' }, ...security } }),
      responses: { 201: ok('document (base64), contentType, sec, mac, card'), 409: ok('device already registered', error), ...errors },
    },
  },
  '/api/bootstrap/push': {
    post: {
      summary: 'Server-initiated bootstrap: issue the account and push the document (UDP WSP push or HTTP POST) with SEC/MAC',
      requestBody: json({ type: 'object', required: ['devId', 'sec'], properties: { devId: { type: 'string' }, address: { type: 'string', description: 'udp://host:port or http://host:port/bootstrap' }, profile: { type: 'string' }, replace: { type: 'boolean' }, ...security } }),
      responses: { 202: ok('pushed'), 409: ok('device already registered', error), 502: ok('push failed', error), ...errors },
    },
  },
} as const;

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'dmvisor admin API', version: '0.1.0', license: { name: 'Apache-2.0' } },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } }, required: ['code', 'message'] } } },
      Command: {
        type: 'object', required: ['verb', 'target'],
        properties: {
          verb: { enum: ['Get', 'Replace', 'Add', 'Delete', 'Exec', 'Copy'] }, target: { type: 'string', description: 'DM URI, e.g. ./DevDetail/FwV' },
          source: { type: 'string', description: 'Copy: the source URI' }, data: { type: 'string' }, format: { type: 'string', description: 'chr, int, bool, b64, bin, node, xml, …' }, type: { type: 'string' },
        },
      },
      Operation: {
        type: 'object',
        properties: {
          id: { type: 'string' }, devId: { type: 'string' }, state: { enum: ['pending', 'sent', 'accepted', 'succeeded', 'failed', 'cancelled', 'expired'] },
          atomic: { type: 'boolean' }, attempts: { type: 'integer' }, reason: { type: 'string' },
          commands: { type: 'array', items: { allOf: [{ $ref: '#/components/schemas/Command' }, { type: 'object', properties: { status: { type: 'integer' }, reason: { type: 'string' }, results: { type: 'array', items: { type: 'object' } } } }] } },
        },
      },
      NewDevice: {
        type: 'object', required: ['devId', 'clientAuth'],
        properties: {
          devId: { type: 'string' },
          clientAuth: { type: 'object', required: ['type', 'name', 'secret'], properties: { type: { enum: ['basic', 'md5', 'hmac'] }, name: { type: 'string' }, secret: { type: 'string' } } },
          serverAuth: { type: 'object', required: ['type', 'secret'], properties: { type: { enum: ['none', 'basic', 'md5', 'hmac'] }, name: { type: 'string' }, secret: { type: 'string' } } },
          notifyAddress: { type: 'string', description: 'udp://host:port or http(s)://… for package #0' },
        },
      },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    '/api/devices': {
      get: { summary: 'List devices', parameters: [{ name: 'limit', in: 'query' }, { name: 'after', in: 'query' }, { name: 'search', in: 'query' }], responses: { 200: ok('a page of devices'), ...errors } },
      post: { summary: 'Pre-register a device and its credentials', requestBody: json({ $ref: '#/components/schemas/NewDevice' }), responses: { 201: ok('registered'), 409: ok('already registered', error), ...errors } },
    },
    '/api/device-batches': {
      post: {
        summary: 'Register many devices at once (all or none; 409 names one already registered)',
        requestBody: json({ type: 'object', required: ['devices'], properties: { devices: { type: 'array', maxItems: 100000, items: { $ref: '#/components/schemas/NewDevice' } } } }),
        responses: { 201: ok('registered', { type: 'object', properties: { registered: { type: 'integer' } } }), 409: ok('one is already registered', error), ...errors },
      },
    },
    '/api/devices/{devId}': { get: { summary: 'A device with its last-known tree, recent sessions and operations', responses: { 200: ok('the device'), ...errors } } },
    '/api/devices/{devId}/operations': {
      post: {
        summary: 'Queue an operation (with an Idempotency-Key header, a retry returns the operation the first request created, 200)',
        parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 256 } }],
        requestBody: json({ type: 'object', required: ['commands'], properties: { commands: { type: 'array', items: { $ref: '#/components/schemas/Command' } }, atomic: { type: 'boolean' }, notify: { type: 'boolean' }, expiresInSeconds: { type: 'integer', minimum: 1, maximum: 31622400 } } }),
        responses: { 201: ok('queued', { $ref: '#/components/schemas/Operation' }), 200: ok('already queued by an earlier request with this Idempotency-Key', { $ref: '#/components/schemas/Operation' }), ...errors },
      },
    },
    '/api/operations/{id}': {
      get: { summary: 'An operation: state, per-command status code, reason, results', responses: { 200: ok('the operation', { $ref: '#/components/schemas/Operation' }), ...errors } },
      delete: { summary: 'Cancel a pending or sent operation', responses: { 200: ok('cancelled', { $ref: '#/components/schemas/Operation' }), 409: ok('already finished', error), ...errors } },
    },
    '/api/devices/{devId}/notify': { post: { summary: 'Send package #0 to the device', responses: { 202: ok('sent'), ...errors } } },
    '/api/devices/{devId}/sessions': { get: { summary: 'Recent sessions of a device', responses: { 200: ok('sessions'), ...errors } } },
    '/api/sessions/{id}': { get: { summary: 'A session with its decoded message trace (`decoded`) and the raw message bytes (`bytes`, base64) while retention keeps them', responses: { 200: ok('the session'), ...errors } } },
    '/api/events/ticket': {
      post: { summary: 'A single-use ticket (valid 30 s) to open /api/events from a browser, whose EventSource cannot send the bearer header', responses: { 201: ok('the ticket', { type: 'object', properties: { ticket: { type: 'string' }, expiresInSeconds: { type: 'integer' } } }), 401: errors[401] } },
    },
    '/api/events': {
      get: {
        summary: 'Live server events as text/event-stream: session-end (a device checked in), operation (queued, cancelled or finished), auth-failure',
        description: 'Authenticate with the bearer header or with ?ticket= from POST /api/events/ticket (this route only). Each event: `event: <type>` and `data: <JSON>` with devId, at and the fields of its type.',
        security: [{ bearer: [] }, {}],
        parameters: [{ name: 'ticket', in: 'query', required: false, schema: { type: 'string' } }],
        responses: { 200: { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 401: errors[401], 503: ok('too many subscribers', error) },
      },
    },
    '/api/campaigns': {
      get: { summary: 'Campaigns, newest first', parameters: [{ name: 'state', in: 'query' }, { name: 'limit', in: 'query' }], responses: { 200: ok('campaigns'), ...errors } },
      post: {
        summary: 'One operation for the devices matching a filter, delivered in batches',
        requestBody: json({
          type: 'object', required: ['name', 'filter', 'commands'],
          properties: {
            name: { type: 'string' },
            filter: { type: 'object', properties: { devIds: { type: 'array', items: { type: 'string' } }, search: { type: 'string' }, parentDevId: { type: 'string' }, devInfo: { type: 'object', additionalProperties: { type: 'string' } } } },
            commands: { type: 'array', items: { $ref: '#/components/schemas/Command' } }, atomic: { type: 'boolean' }, notify: { type: 'boolean' },
            batchSize: { type: 'integer', minimum: 1, maximum: 100000 }, maxFailureRate: { type: 'number', minimum: 0, maximum: 1 },
          },
        }),
        responses: { 201: ok('created, running'), ...errors },
      },
    },
    '/api/campaigns/{id}': { get: { summary: 'A campaign with its progress (devices waiting, in flight, succeeded, failed…)', responses: { 200: ok('the campaign'), ...errors } } },
    '/api/campaigns/{id}/targets': { get: { summary: 'Each device of a campaign and its outcome (keyset pages by DevId)', parameters: [{ name: 'limit', in: 'query' }, { name: 'after', in: 'query' }], responses: { 200: ok('a page of targets'), ...errors } } },
    '/api/campaigns/{id}/pause': { post: { summary: 'Stop queueing new batches', responses: { 200: ok('paused'), 409: ok('not running', error), ...errors } } },
    '/api/campaigns/{id}/resume': { post: { summary: 'Queue batches again', responses: { 200: ok('running'), 409: ok('not paused', error), ...errors } } },
    '/api/campaigns/{id}/cancel': { post: { summary: 'Cancel: devices not yet served never will be', responses: { 200: ok('cancelled'), 409: ok('already over', error), ...errors } } },
    ...BOOTSTRAP_PATHS,
    '/api/images': {
      get: { summary: 'VM images stored on the server (name, kind, withClient, digest)', responses: { 200: ok('the images'), ...errors } },
      post: { summary: 'Store a VM image (body: the image bundle made by `dmvisor image build`)', requestBody: json({ type: 'object', required: ['manifest', 'files'] }), responses: { 201: ok('stored, with its sha256 digest'), ...errors } },
    },
    '/api/images/{name}': { get: { summary: 'One image: kind, withClient, digest, size', responses: { 200: ok('the image'), ...errors } } },
    '/api/image-blobs/{token}': { get: { summary: 'Image bundle bytes for hosts (no bearer token: the URL is the capability, sent inside the Create Exec); header x-dmvisor-digest', security: [], responses: { 200: { description: 'the bundle' }, 404: ok('no such image', error) } } },
    '/api/devices/{hostDevId}/vms': {
      get: { summary: 'The VMs of a host: state, last operation and reason, VM device; the host\'s virtualization (TypeI/TypeII) and driver', responses: { 200: ok('the VMs'), ...errors } },
      post: {
        summary: 'Create a VM on a host: an Exec of ./Virt/Operations/Create, tracked to completion (202 with operationId)',
        requestBody: json({ type: 'object', required: ['name', 'kind', 'image'], properties: { name: { type: 'string' }, kind: { enum: ['personal', 'enterprise'] }, image: { type: 'string' }, withClient: { type: 'boolean' }, bootstrap: { enum: ['document'], description: 'issue a bootstrap document for this VM (customized bootstrap) instead of using the image\'s account' }, managers: { type: 'array', items: { type: 'string' }, description: 'other server ids granted this VM\'s node' }, memoryMB: { type: 'integer' }, vcpus: { type: 'integer' } } }),
        responses: { 202: ok('queued'), 409: ok('a VM of that name exists', error), ...errors },
      },
    },
    '/api/devices/{hostDevId}/vms/{name}': { get: { summary: 'One VM', responses: { 200: ok('the VM'), ...errors } } },
    '/api/devices/{hostDevId}/vms/{name}/{action}': {
      post: { summary: 'start, stop, delete or install-client: an Exec of the VM\'s operation node, tracked to completion (202 with operationId)', parameters: [{ name: 'action', in: 'path', schema: { enum: ['start', 'stop', 'delete', 'install-client'] } }], responses: { 202: ok('queued'), 409: ok('conflict', error), ...errors } },
    },
    ...GATEWAY_OPENAPI_PATHS,
  },
} as const;
