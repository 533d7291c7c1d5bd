/** Entry point of both steps: the runner runs this file for `main` and again for `post`. */
import * as core from '@actions/core';
import { errorMessage } from './errors.js';
import { runMain } from './main.js';
import { runPost } from './post.js';
import { addSecret, say } from './safe-text.js';

/** Anything unexpected fails the step with its message, redacted, instead of a stack trace. */
const fail = (err: unknown) => say.fail(errorMessage(err));

// Known before anything can fail, so that even an early error message is redacted.
addSecret(core.getInput('api-key').trim());
process.on('unhandledRejection', fail);
try {
  if (core.getState('isPost') === 'true') await runPost();
  else await runMain();
} catch (err) {
  fail(err);
}
