/** Typed errors of MO descriptions and MO instantiation. */
import { DmvisorError } from '../errors.js';

/** An MO description is inconsistent (duplicate names, a leaf with children, a bad occurrence…). */
export class MoDescriptionError extends DmvisorError {
  /** Path of the offending node description, e.g. `DMAcc/<x>/AppAddr`. */
  readonly where: string;

  constructor(where: string, reason: string) {
    super(`MO description: ${reason} (at ${where})`, 'DMV_ERR_MO_DESCRIPTION', 500);
    this.where = where;
  }
}

/** Instantiating an MO into a tree failed: bad location, values that do not fit the description. */
export class MoInstanceError extends DmvisorError {
  constructor(message: string) {
    super(message, 'DMV_ERR_MO_INSTANCE', 500);
  }
}
