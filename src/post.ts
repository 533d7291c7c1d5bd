/**
 * The post step: runs after the main step however it ended, even after a cancelled workflow run.
 * If the main step started executions and could not see them through (it was killed), cancel them.
 */
import * as core from '@actions/core';
import { cancelStarted, cleanupGapMs, describeStarted } from './cleanup.js';
import { errorMessage } from './errors.js';
import { savedPages, type Started } from './ledger.js';
import { EXECUTION_KINDS, PeakaClient } from './peaka/client.js';
import { say } from './safe-text.js';
import { readInputs } from './inputs.js';

export const POST_BUDGET_MS = 20_000;

export async function runPost(): Promise<void> {
  const pages = savedPages().map(({ name, text }) => ({ name, entry: readPage(text) }));
  const started = pages.map((p) => p.entry).filter((e): e is Started => typeof e !== 'string');
  const unreadable = pages.filter((p) => typeof p.entry === 'string');
  if (unreadable.length) {
    const caches =
      core
        .getInput('cache-id')
        .split(/[\s,]+/)
        .filter(Boolean)
        .join(', ') || 'the caches the step selected';
    const why = [...new Set(unreadable.map((p) => p.entry))].join('; ');
    say.warning(
      `The post step could not read ${unreadable.length} of the ${pages.length} entries the main step saved (${why}), so it cannot cancel what those may name: check ${caches} in Peaka and cancel any execution that should not keep running.`
    );
  }
  if (!started.length) return;
  const inputs = readInputs();
  if (!inputs.cancelOnAbort && started.some((e) => !e.onTimeout))
    say.info('The main step did not finish; what it started is left running (cancel-on-abort: false).');
  // What cancel-on-timeout left here is cancelled whatever cancel-on-abort says.
  const toCancel = inputs.cancelOnAbort ? started : started.filter((e) => e.onTimeout);
  if (!toCancel.length) return;
  const client = new PeakaClient(
    {
      baseUrl: inputs.baseUrl,
      apiKey: inputs.apiKey,
      requestTimeoutMs: Math.min(inputs.requestTimeoutMs, 10_000),
      debug: (line) => say.debug(line)
    },
    inputs.projectId
  );
  await Promise.all(
    toCancel.map(async (entry) => {
      try {
        const result = await cancelStarted(client, entry, POST_BUDGET_MS, cleanupGapMs(toCancel.length));
        const why = entry.onTimeout ? 'The main step timed out (cancel-on-timeout).' : 'The main step did not finish.';
        if (result.pending)
          say.warning(
            `${why} ${result.message} The post step looked for ${POST_BUDGET_MS / 1000}s: what this step started may run unwatched. Check the cache in Peaka and cancel what should not run.`
          );
        else if (result.cancelled) say.warning(`${why} ${result.message}`);
        else say.info(result.message);
      } catch (err) {
        say.warning(
          `The main step did not finish, and cancelling what it started on ${describeStarted(entry)} failed: ${errorMessage(err)}`
        );
      }
    })
  );
}

/** One page the main step saved, or why it cannot be read. */
function readPage(text: string): Started | string {
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return 'an entry is not JSON';
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'an entry is not an object';
  const e = entry as Record<string, unknown>;
  const table = e.table as Record<string, unknown> | null | undefined;
  const named =
    typeof e.cacheId === 'string'
      ? e.cacheId !== ''
      : typeof table === 'object' &&
        table !== null &&
        ['catalogId', 'schemaName', 'tableName'].every((k) => typeof table[k] === 'string' && table[k] !== '');
  const valid =
    named &&
    (e.kind === undefined || EXECUTION_KINDS.includes(e.kind as never)) &&
    ['previousId', 'executionId'].every((k) => e[k] === undefined || typeof e[k] === 'string') &&
    (e.onTimeout === undefined || typeof e.onTimeout === 'boolean') &&
    (e.tableFree === undefined || typeof e.tableFree === 'boolean');
  return valid ? (entry as Started) : 'an entry has neither a cache id nor a table, or an unknown kind';
}
