import { DmvisorError } from '../errors.js';

/** The command line was wrong: print the message (and usage) and exit 2. */
export class UsageError extends DmvisorError {
  constructor(message: string) {
    super(message, 'DMV_ERR_USAGE', 400);
  }
}
