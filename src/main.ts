/**
 * The main step: settings, the operation on each cache, and the report, with cancellation of the
 * workflow run handled so that no execution this step started keeps running unwatched.
 */
import * as core from '@actions/core';
import { errorMessage, resolveTargets, runBatch, type ByTable } from './batch-runner.js';
import { cancelStarted, pendingCleanups } from './cleanup-helper.js';
import type { Logger } from './operation-helpers.js';
import { PeakaClient } from './peaka-client.js';
import { aggregate, announce, buildResult, historyResults, redact, renderSummary, setOutputs, writeSummary } from './report.js';
import { newRunState, type RunState } from './run-state.js';
import { renderFreshness, renderSelection, selectionFields } from './selection-report.js';
import { InputError, readSettings, type Settings } from './settings.js';

/** Time to cancel our executions after SIGINT: the runner sends SIGTERM 7.5 s later, then kills. */
export const ABORT_BUDGET_MS = 5_000;

export const logger: Logger = {
  info: (line) => core.info(line),
  notice: (line) => core.notice(line),
  warning: (line) => core.warning(line),
  group: (title, work) => core.group(title, work)
};

export async function runMain(): Promise<void> {
  core.saveState('isPost', 'true');
  let settings: Settings;
  try {
    settings = readSettings();
  } catch (err) {
    core.setFailed(err instanceof InputError ? err.message : String(err));
    return;
  }

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    core.info(`Received ${signal}: the workflow run is being cancelled.`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const client = new PeakaClient(
    { baseUrl: settings.baseUrl, apiKey: settings.apiKey, requestTimeoutMs: settings.requestTimeoutMs, signal: controller.signal, onRetry: (line) => core.info(line) },
    settings.projectId
  );
  const deadline = Date.now() + settings.timeoutMs;
  const states: RunState[] = [];
  // What the post step must cancel if this step dies: every execution started and not yet settled.
  const checkpoint = () => core.saveState('started', JSON.stringify(pendingCleanups(states)));
  let stepFailure: string | undefined;
  const byTable: ByTable = { log: logger };
  try {
    const targets = await resolveTargets(settings, client, deadline, (line) => core.warning(line), byTable);
    if (targets.length > 1) core.info(`Operation ${settings.operation} on ${targets.length} caches, at most ${settings.maxParallel} at a time.`);
    await runBatch({ settings, client, deadline, signal: controller.signal, log: logger, checkpoint }, targets, states);
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
    await commentOnPullRequest(settings.githubToken, redact(html, settings.apiKey), logger);
  }
  announce(results, overall, settings.apiKey);
}

/** The run is being cancelled: cancel what this step started, within the runner's grace period. */
async function onAbort(settings: Settings, states: RunState[], checkpoint: () => void): Promise<string> {
  const started = pendingCleanups(states);
  if (!started.length) return 'The workflow run was cancelled before this step started anything.';
  if (!settings.cancelOnAbort) {
    for (const s of states) s.settled = true;
    checkpoint();
    return `The workflow run was cancelled; what this step started keeps running in Peaka (cancel-on-abort: false).`;
  }
  // A fresh client: the step's own one is bound to the signal that has just fired.
  const client = new PeakaClient(
    { baseUrl: settings.baseUrl, apiKey: settings.apiKey, requestTimeoutMs: Math.min(settings.requestTimeoutMs, 3_000), maxAttempts: 2, backoffCapMs: 500 },
    settings.projectId
  );
  const lines = await Promise.all(
    started.map(async (entry) => {
      const state = states.find((s) => s.cacheId === entry.cacheId)!;
      try {
        const result = await cancelStarted(client, entry, ABORT_BUDGET_MS);
        if (result.cancelled) state.execution = { ...result.cancelled, status: 'CANCELLED' };
        state.settled = true;
        return result.message;
      } catch (err) {
        return `Cancelling what this step started on cache ${entry.cacheId} failed: ${errorMessage(err)} The post step will try again.`;
      }
    })
  );
  checkpoint();
  return `The workflow run was cancelled. ${lines.join(' ')}`;
}
