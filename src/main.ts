/**
 * The main step: settings, the operation on each cache, and the report, with cancellation of the
 * workflow run handled so that no execution this step started keeps running unwatched.
 */
import { setMaxListeners } from 'node:events';
import * as core from '@actions/core';
import { errorMessage, resolveTargets, runBatch, type ByTable } from './batch.js';
import { cancelStarted, describeStarted, isPending, pendingCleanups, toStarted } from './cleanup.js';
import { stepBudget, type Logger } from './operations/context.js';
import { PeakaClient } from './peaka/client.js';
import { aggregate, announce, buildResult, historyResults, renderSummary, setOutputs, unreadableNotes, writeSummary } from './report.js';
import { newRunState, type RunState } from './run-state.js';
import { forOutput, say } from './safe-text.js';
import { renderFreshness, renderSelection, selectionFields } from './selection-report.js';
import { InputError, readSettings, type Settings } from './inputs.js';

/** Time to cancel our executions after SIGINT: the runner sends SIGTERM 7.5 s later, then kills. */
export const ABORT_BUDGET_MS = 5_000;

/** The operations' log: every line made safe on its way out (safe-text.ts). */
export const logger: Logger = {
  info: (line) => say.info(line),
  notice: (line) => say.notice(line),
  warning: (line) => say.warning(line),
  group: (title, work) => say.group(title, work)
};

/** Warnings past this many are folded into one line. */
const NOTES_MAX = 10;

export async function runMain(): Promise<void> {
  core.saveState('isPost', 'true');
  let settings: Settings;
  try {
    settings = readSettings();
  } catch (err) {
    say.fail(err instanceof InputError ? err.message : errorMessage(err));
    return;
  }

  const controller = new AbortController();
  // Every request and wait of every cache listens to it: many caches are many listeners, not a leak.
  setMaxListeners(0, controller.signal);
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    say.info(`Received ${signal}: the workflow run is being cancelled.`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const client = new PeakaClient(
    { baseUrl: settings.baseUrl, apiKey: settings.apiKey, requestTimeoutMs: settings.requestTimeoutMs, signal: controller.signal, onRetry: (line) => say.info(line) },
    settings.projectId
  );
  // timeout is the whole step's: the wait stops early enough for the last read and the cancel on timeout.
  const budget = stepBudget(settings);
  const { deadline } = budget;
  const states: RunState[] = [];
  // What the post step must cancel if this step dies: every execution started and not yet settled.
  const checkpoint = () => core.saveState('started', forOutput(JSON.stringify(pendingCleanups(states))));
  let stepFailure: string | undefined;
  const byTable: ByTable = { log: logger, signal: controller.signal };
  try {
    const targets = await resolveTargets(settings, client, deadline, (line) => say.warning(line), byTable);
    if (targets.length > 1) say.info(`Operation ${settings.operation} on ${targets.length} caches, at most ${settings.maxParallel} at a time.`);
    await runBatch({ settings, client, deadline, budget, signal: controller.signal, log: logger, checkpoint }, targets, states);
    // tables / tables-from that select nothing, where that is no error: the step succeeds and says why.
    const nothingToDo = byTable.selection?.nothingToDo;
    if (nothingToDo) states.push({ ...newRunState(settings.operation), settled: true, outcome: { conclusion: 'success', message: nothingToDo } });
  } catch (err) {
    if (controller.signal.aborted) stepFailure = await onAbort(settings, states, checkpoint);
    else stepFailure = errorMessage(err);
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  if (!states.length) states.push(newRunState(settings.operation, settings.cacheId));
  const fallback = { conclusion: 'failure' as const, message: stepFailure ?? 'The step ended before this cache was done.' };
  // Caches that finished before a cancellation keep their own outcome; the step's is the cancellation's.
  const results = states.map((s) => ({ ...buildResult(s, s.outcome ?? fallback), ...selectionFields(byTable.selection, s.cacheId) }));
  const overall = results.length === 1 ? results[0] : aggregate(results);
  if (stepFailure) Object.assign(overall, fallback);
  const history = settings.operation === 'history' ? historyResults(states) : undefined;
  setOutputs(overall, history ?? (results.length === 1 ? results[0] : results), settings.apiKey);
  const html = renderSummary(results, overall, settings.apiKey, history) + renderFreshness(results, settings.maxAgeMs, settings.apiKey) + renderSelection(byTable.selection, settings.apiKey);
  if (settings.summary) await writeSummary(html);
  if (settings.commentOnPr) {
    const { commentOnPullRequest } = await import('./pr-comment.js');
    const limits = { requestTimeoutMs: settings.requestTimeoutMs, end: budget.end };
    await commentOnPullRequest(settings.githubToken, renderSummary(results, overall, settings.apiKey, history, { forComment: true }), logger, limits);
  }
  const notes = unreadableNotes(states);
  for (const note of notes.slice(0, NOTES_MAX)) say.warning(note);
  if (notes.length > NOTES_MAX) say.warning(`And ${notes.length - NOTES_MAX} more caches with values that could not be read.`);
  announce(results, overall, settings.apiKey);
}

/**
 * The run is being cancelled: cancel what this step started, within the runner's grace period.
 * Each cache's outcome says what happened to it alone; the step's message sums them up.
 */
async function onAbort(settings: Settings, states: RunState[], checkpoint: () => void): Promise<string> {
  const cancelled = 'The workflow run was cancelled.';
  const pending = states.filter(isPending);
  const started = pending.map(toStarted);
  const closeRest = () => {
    for (const s of states) s.outcome ??= { conclusion: 'failure', message: `${cancelled} This cache was not done.` };
  };
  if (!started.length) {
    closeRest();
    return 'The workflow run was cancelled before this step started anything.';
  }
  if (!settings.cancelOnAbort) {
    const message = `The workflow run was cancelled; what this step started keeps running in Peaka (cancel-on-abort: false).`;
    for (const state of pending) state.outcome = { conclusion: 'failure', message };
    for (const s of states) s.settled = true;
    closeRest();
    checkpoint();
    return message;
  }
  // A fresh client: the step's own one is bound to the signal that has just fired.
  const client = new PeakaClient(
    { baseUrl: settings.baseUrl, apiKey: settings.apiKey, requestTimeoutMs: Math.min(settings.requestTimeoutMs, 3_000), maxAttempts: 2, backoffCapMs: 500 },
    settings.projectId
  );
  const ends = await Promise.all(
    started.map(async (entry, i): Promise<'cancelled' | 'ended' | 'failed'> => {
      const state = pending[i];
      let message: string;
      let end: 'cancelled' | 'ended' | 'failed';
      try {
        const result = await cancelStarted(client, entry, ABORT_BUDGET_MS);
        if (result.cacheId && !state.cacheId) {
          state.cacheId = result.cacheId;
          delete state.pendingCreate;
        }
        if (result.cancelled) state.execution = { ...result.cancelled, status: 'CANCELLED' };
        // A trigger whose execution has not appeared stays in the saved state: the post step looks for it again.
        state.settled = !result.pending;
        message = result.pending ? `${result.message} The post step will look for it again and cancel it.` : result.message;
        end = result.pending ? 'failed' : result.cancelled ? 'cancelled' : 'ended';
      } catch (err) {
        message = `Cancelling what this step started on ${describeStarted(entry)} failed: ${errorMessage(err)} The post step will try again.`;
        end = 'failed';
      }
      state.outcome = { conclusion: 'failure', message: `${cancelled} ${message}` };
      return end;
    })
  );
  closeRest();
  checkpoint();
  if (started.length === 1) return pending[0].outcome!.message;
  const n = (end: string) => ends.filter((e) => e === end).length;
  const failed = n('failed') ? `; ${n('failed')} could not be cancelled, and the post step will try again` : '';
  return `${cancelled} Of the ${started.length} executions this step started, ${n('cancelled')} were cancelled and ${n('ended')} had already ended${failed}.`;
}
