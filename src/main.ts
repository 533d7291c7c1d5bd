/**
 * The main step: inputs, the operation on each cache, and the report, with the cancellation of the
 * workflow run handled so that no execution this step started keeps running unwatched. What the
 * step started is in the ledger, which saves itself for the post step.
 */
import { setMaxListeners } from 'node:events';
import * as core from '@actions/core';
import { runAll, type CacheSlot } from './batch.js';
import { errorMessage } from './errors.js';
import { cancelStarted, cleanupGapMs, describeStarted } from './cleanup.js';
import { InputError, readInputs, type Inputs } from './inputs.js';
import { Ledger, stateName } from './ledger.js';
import { knownOf, stepBudget, type Outcome } from './operations/context.js';
import { PeakaClient } from './peaka/client.js';
import {
  aggregate,
  announce,
  buildResult,
  historyResults,
  renderSummary,
  setOutputs,
  unreadableNotes,
  writeSummary,
  type Result
} from './report.js';
import { forOutput, say, type Logger } from './safe-text.js';
import { renderFreshness, renderSelection, selectionFields } from './selection-report.js';
import type { TableSelection } from './table-selection.js';
import { renderVolume } from './volume-report.js';

/** Time to cancel our executions after SIGINT: the runner sends SIGTERM 7.5 s later, then kills. */
export const ABORT_BUDGET_MS = 5_000;

/** The operations' log: every line made safe on its way out (safe-text.ts). */
export const logger: Logger = {
  info: (line) => say.info(line),
  notice: (line) => say.notice(line),
  warning: (line) => say.warning(line),
  group: (title, work) => say.group(title, work),
  debug: (line) => say.debug(line)
};

/** Warnings past this many are folded into one line. */
const NOTES_MAX = 10;

export async function runMain(): Promise<void> {
  let inputs: Inputs;
  try {
    inputs = readInputs();
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
    {
      baseUrl: inputs.baseUrl,
      apiKey: inputs.apiKey,
      requestTimeoutMs: inputs.requestTimeoutMs,
      signal: controller.signal,
      onRetry: (line) => say.info(line),
      debug: (line) => say.debug(line)
    },
    inputs.projectId
  );
  // timeout is the whole step's: the wait stops early enough for the last read and the cancel on timeout.
  const budget = stepBudget(inputs, client.clock.now());
  // What the post step must cancel if this step dies: the ledger saves it on every change.
  const ledger = new Ledger((key, json) => core.saveState(stateName(key), forOutput(json)));
  let slots: CacheSlot[] = [];
  let selection: TableSelection | undefined;
  let stepFailure: string | undefined;
  try {
    ({ slots, selection } = await runAll({
      inputs,
      client,
      deadline: budget.deadline,
      budget,
      signal: controller.signal,
      log: logger,
      ledger
    }));
  } catch (err) {
    if (!controller.signal.aborted) stepFailure = errorMessage(err);
  }
  if (controller.signal.aborted) stepFailure = await onAbort(inputs, ledger, slots);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  // tables / tables-from that select nothing, where that is no error: the step succeeds and says why.
  const nothingToDo = selection?.nothingToDo;
  if (nothingToDo && !slots.length)
    slots.push({ key: 'none', known: knownOf(inputs.operation), outcome: { conclusion: 'success', message: nothingToDo } });
  await report(inputs, slots, selection, stepFailure, budget.end);
}

/** Outputs, summary, PR comment and the closing annotations. */
async function report(
  inputs: Inputs,
  slots: CacheSlot[],
  selection: TableSelection | undefined,
  stepFailure: string | undefined,
  end: number
): Promise<void> {
  if (!slots.length)
    slots.push({
      key: 'none',
      known: knownOf(inputs.operation, inputs.operation !== 'create' && inputs.cacheIds.length === 1 ? inputs.cacheIds[0] : undefined)
    });
  const fallback: Outcome = { conclusion: 'failure', message: stepFailure ?? 'The step ended before this cache was done.' };
  // Caches that finished before a cancellation keep their own outcome; the step's is the cancellation's.
  const results = slots.map((s) => ({ ...buildResult(s.known, s.outcome ?? fallback), ...selectionFields(selection, s.known.cacheId) }));
  const overall = results.length === 1 ? results[0] : aggregate(results);
  if (stepFailure) Object.assign(overall, fallback);
  const knowns = slots.map((s) => s.known);
  const history = inputs.operation === 'history' ? historyResults(knowns) : undefined;
  setOutputs(overall, history ?? (results.length === 1 ? results[0] : results), inputs.apiKey);
  const maxAgeMs = 'maxAgeMs' in inputs ? inputs.maxAgeMs : undefined;
  const html =
    renderSummary(results, overall, inputs.apiKey, history) +
    renderVolume(results, inputs.volume, inputs.apiKey) +
    renderFreshness(results, maxAgeMs, inputs.apiKey) +
    renderSelection(selection, inputs.apiKey);
  if (inputs.summary) await writeSummary(html);
  if (inputs.commentOnPr) {
    const { commentOnPullRequest, legMarker } = await import('./pr-comment.js');
    const limits = { requestTimeoutMs: inputs.requestTimeoutMs, end };
    await commentOnPullRequest(
      inputs.githubToken,
      await commentBody(inputs, slots, selection, results, overall, history),
      logger,
      limits,
      legMarker(legOf(inputs))
    );
  }
  const notes = unreadableNotes(knowns);
  for (const note of notes.slice(0, NOTES_MAX)) say.warning(note);
  if (notes.length > NOTES_MAX) say.warning(`And ${notes.length - NOTES_MAX} more caches with values that could not be read.`);
  announce(results, overall, inputs.apiKey);
}

/** status with tables-from: a preview of the merge (preview.ts); otherwise the summary. */
async function commentBody(
  inputs: Inputs,
  slots: CacheSlot[],
  selection: TableSelection | undefined,
  results: Result[],
  overall: Result,
  history?: ReturnType<typeof historyResults>
): Promise<string> {
  if (inputs.operation !== 'status' || !inputs.tablesFrom || !selection)
    return renderSummary(results, overall, inputs.apiKey, history, { forComment: true });
  const { renderPreview } = await import('./preview.js');
  const statuses = new Map(selection.statusOf);
  for (const { known } of slots) if (known.cacheId && known.lastStatus) statuses.set(known.cacheId, known.lastStatus);
  return renderPreview(selection, statuses, inputs.apiKey);
}

/** What a matrix leg acts on: its comment is its own. */
function legOf(inputs: Inputs): unknown {
  const choice = inputs.operation === 'create' ? inputs.create : [inputs.cacheIds, inputs.selection, inputs.tables, inputs.tablesFrom];
  return [inputs.operation, inputs.projectId, inputs.baseUrl, choice];
}

/**
 * The run is being cancelled: cancel what the ledger says this step started, within the runner's
 * grace period. Each cache's outcome says what happened to it alone; the step's message sums them up.
 */
async function onAbort(inputs: Inputs, ledger: Ledger, slots: CacheSlot[]): Promise<string> {
  const cancelled = 'The workflow run was cancelled.';
  const open = ledger.open();
  const slotOf = (key: string) => slots.find((s) => s.key === key);
  const closeRest = () => {
    for (const s of slots) s.outcome ??= { conclusion: 'failure', message: `${cancelled} This cache was not done.` };
  };
  if (!open.length) {
    closeRest();
    return 'The workflow run was cancelled before this step started anything.';
  }
  if (!inputs.cancelOnAbort) {
    const message = `The workflow run was cancelled; what this step started keeps running in Peaka (cancel-on-abort: false).`;
    for (const { key, started } of open) {
      const slot = slotOf(key);
      if (slot) slot.outcome ??= { conclusion: 'failure', message };
      // What cancel-on-timeout left for the post step stays there; the rest is left running, as asked.
      if (!started.onTimeout) ledger.page(key).close();
    }
    closeRest();
    return message;
  }
  // A fresh client: the step's own one is bound to the signal that has just fired.
  const client = new PeakaClient(
    {
      baseUrl: inputs.baseUrl,
      apiKey: inputs.apiKey,
      requestTimeoutMs: Math.min(inputs.requestTimeoutMs, 3_000),
      maxAttempts: 2,
      backoffCapMs: 500
    },
    inputs.projectId
  );
  const messages: string[] = [];
  const ends = await Promise.all(
    open.map(async ({ key, started }): Promise<'cancelled' | 'ended' | 'failed'> => {
      const page = ledger.page(key);
      const slot = slotOf(key);
      let message: string;
      let end: 'cancelled' | 'ended' | 'failed';
      try {
        const result = await cancelStarted(client, started, ABORT_BUDGET_MS, cleanupGapMs(open.length));
        if (result.cacheId) {
          page.foundCache(result.cacheId);
          if (slot) slot.known.cacheId ??= result.cacheId;
        }
        // The outputs say what became of it: cancelled, or how it ended before the cancel.
        const seen = result.cancelled ? { ...result.cancelled, status: 'CANCELLED' } : result.seen;
        if (seen && slot) slot.known.execution = seen;
        // A trigger whose execution has not appeared stays in the ledger: the post step looks for it again.
        if (!result.pending) page.close();
        message = result.pending ? `${result.message} The post step will look for it again and cancel it.` : result.message;
        end = result.pending ? 'failed' : result.cancelled ? 'cancelled' : 'ended';
      } catch (err) {
        message = `Cancelling what this step started on ${describeStarted(started)} failed: ${errorMessage(err)} The post step will try again.`;
        end = 'failed';
      }
      const full = `${cancelled} ${message}`;
      messages.push(full);
      // A cache that had already ended (a timeout that left its trigger to be cancelled) keeps its own message first.
      if (slot) slot.outcome = { conclusion: 'failure', message: slot.outcome ? `${slot.outcome.message} ${full}` : full };
      return end;
    })
  );
  closeRest();
  if (open.length === 1) return messages[0];
  const n = (end: string) => ends.filter((e) => e === end).length;
  const failed = n('failed') ? `; ${n('failed')} could not be cancelled, and the post step will try again` : '';
  return `${cancelled} Of the ${open.length} executions this step started, ${n('cancelled')} were cancelled and ${n('ended')} had already ended${failed}.`;
}
