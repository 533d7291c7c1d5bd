/**
 * Entry point of both steps. The runner runs dist/index.js for `main` and dist/post.js for `post`;
 * post.js (scripts/post-entry.js, copied by the bundle) marks the process as the post step and
 * imports this file. Which step runs never depends on state the main step saved: a main step killed
 * before it saved anything must not make the post step run the operation.
 */
import * as core from '@actions/core';
import { errorMessage } from './errors.js';
import { runMain } from './main.js';
import { runPost } from './post.js';
import { addSecret, say } from './safe-text.js';

/** Set to 'post' by dist/post.js before it imports this file. */
export const STEP_MARK = Symbol.for('peaka-cache-action.step');

/** Anything unexpected fails the step with its message, redacted, instead of a stack trace. */
const fail = (err: unknown) => say.fail(errorMessage(err));

// Masked and known before anything is written, so that even an early warning or error is safe.
const apiKey = core.getInput('api-key').trim();
if (apiKey) core.setSecret(apiKey);
addSecret(apiKey);
process.on('unhandledRejection', fail);
try {
  if ((globalThis as Record<symbol, unknown>)[STEP_MARK] === 'post') await runPost();
  else await runMain();
} catch (err) {
  fail(err);
}
