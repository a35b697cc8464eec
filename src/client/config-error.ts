import { DmvisorError } from '../errors.js';

/** A configuration file is malformed: `path` names the offending field (e.g. `accounts[0].serverUri`). */
export class ConfigError extends DmvisorError {
  constructor(readonly file: string, readonly path: string, reason: string) {
    super(`${file}: ${path ? path + ': ' : ''}${reason}`, 'DMV_ERR_CONFIG', 400);
  }
}
