/**
 * The post step: runs after the main step however it ended, even after a cancelled workflow run.
 * If the main step started executions and could not see them through (it was killed), cancel them.
 */
import * as core from '@actions/core';
import { cancelStarted, describeStarted } from './cleanup.js';
import type { Started } from './ledger.js';
import { EXECUTION_KINDS, PeakaClient } from './peaka/client.js';
import { say } from './safe-text.js';
import { readInputs } from './inputs.js';

export const POST_BUDGET_MS = 20_000;

export async function runPost(): Promise<void> {
  const started = readStarted(core.getState('started'));
  if (typeof started === 'string') {
    const caches = core.getInput('cache-id').split(/[\s,]+/).filter(Boolean).join(', ') || 'the caches the step selected';
    say.warning(
      `The post step could not read what the main step saved (${started}), so it cannot cancel what the main step may have started: check ${caches} in Peaka and cancel any execution that should not keep running.`
    );
    return;
  }
  if (!started.length) return;
  const inputs = readInputs();
  if (!inputs.cancelOnAbort && started.some((e) => !e.onTimeout)) say.info('The main step did not finish; what it started is left running (cancel-on-abort: false).');
  // What cancel-on-timeout left here is cancelled whatever cancel-on-abort says.
  const toCancel = inputs.cancelOnAbort ? started : started.filter((e) => e.onTimeout);
  if (!toCancel.length) return;
  const client = new PeakaClient(
    { baseUrl: inputs.baseUrl, apiKey: inputs.apiKey, requestTimeoutMs: Math.min(inputs.requestTimeoutMs, 10_000) },
    inputs.projectId
  );
  await Promise.all(
    toCancel.map(async (entry) => {
      try {
        const result = await cancelStarted(client, entry, POST_BUDGET_MS);
        const why = entry.onTimeout ? 'The main step timed out (cancel-on-timeout).' : 'The main step did not finish.';
        if (result.pending)
          say.warning(
            `${why} ${result.message} It was not seen within ${POST_BUDGET_MS / 1000}s either: when it starts, it runs unwatched. Cancel it in Peaka if it should not run.`
          );
        else if (result.cancelled) say.warning(`${why} ${result.message}`);
        else say.info(result.message);
      } catch (err) {
        say.warning(`The main step did not finish, and cancelling what it started on ${describeStarted(entry)} failed: ${(err as Error).message}`);
      }
    })
  );
}

/** What the main step saved for this step, or why it cannot be read. */
function readStarted(text: string): Started[] | string {
  let value: unknown;
  try {
    value = JSON.parse(text || '[]');
  } catch {
    return 'its saved state is not JSON';
  }
  if (!Array.isArray(value)) return 'its saved state is not a list';
  const valid = (e: unknown): e is Started => {
    const entry = e as Record<string, unknown> | null;
    if (typeof entry !== 'object' || entry === null) return false;
    const table = entry.table as Record<string, unknown> | null | undefined;
    const named =
      typeof entry.cacheId === 'string'
        ? entry.cacheId !== ''
        : typeof table === 'object' && table !== null && ['catalogId', 'schemaName', 'tableName'].every((k) => typeof table[k] === 'string' && table[k] !== '');
    return (
      named &&
      (entry.kind === undefined || EXECUTION_KINDS.includes(entry.kind as never)) &&
      ['previousId', 'executionId'].every((k) => entry[k] === undefined || typeof entry[k] === 'string') &&
      (entry.onTimeout === undefined || typeof entry.onTimeout === 'boolean')
    );
  };
  return value.every(valid) ? value : 'an entry of its saved state has neither a cache id nor a table, or an unknown kind';
}
