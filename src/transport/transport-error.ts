import { DmvisorError } from '../errors.js';

/** Why a transport exchange failed. */
export type TransportFailure = 'timeout' | 'network' | 'http-status' | 'too-large' | 'content-type';

/** A message could not be delivered or its answer not received. */
export class TransportError extends DmvisorError {
  constructor(readonly kind: TransportFailure, message: string, readonly httpStatus?: number) {
    super(message, `DMV_ERR_TRANSPORT_${kind.toUpperCase().replace('-', '_')}`, kind === 'timeout' ? 504 : 502);
  }
}
