/**
 * Errors whose message is for the user as it is (ActionError), and the one line any failure
 * becomes in the step's report.
 */
import { PeakaApiError } from './peaka/errors.js';

/** A failure explained for the user (not an API error, not a bug): shown as it is. */
export class ActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionError';
  }
}

/** The message of a failure as the step reports it: one the user can act on, or an unexpected error to report. */
export function errorMessage(err: unknown): string {
  if (err instanceof PeakaApiError || err instanceof ActionError) return err.message;
  return `Unexpected error: ${err instanceof Error ? err.message : String(err)}. Please report it with the log of this step.`;
}
