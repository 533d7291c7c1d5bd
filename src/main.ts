/**
 * The main step: settings, the operation, and the report, with cancellation of the workflow run
 * handled so that an execution this step started does not keep running unwatched.
 */
import * as core from '@actions/core';
import { PeakaApiError } from './api-error.js';
import { cancelStarted } from './cleanup-helper.js';
import { KIND_LABEL, PeakaClient } from './peaka-client.js';
import { runOperation, type Logger } from './operations.js';
import { announce, buildResult, redact, setOutputs, writeSummary } from './report.js';
import { newRunState, type Outcome, type RunState } from './run-state.js';
import { InputError, readSettings, type Settings } from './settings.js';

/** Time to cancel our execution after SIGINT: the runner sends SIGTERM 7.5 s later, then kills. */
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
    {
      baseUrl: settings.baseUrl,
      apiKey: settings.apiKey,
      requestTimeoutMs: settings.requestTimeoutMs,
      signal: controller.signal,
      onRetry: (line) => core.info(line)
    },
    settings.projectId
  );
  const state = newRunState(settings.operation, settings.cacheId);
  let outcome: Outcome;
  let cleanedUp = true;
  try {
    outcome = await runOperation(
      { settings, client, deadline: Date.now() + settings.timeoutMs, signal: controller.signal, log: logger, persist: core.saveState },
      state
    );
  } catch (err) {
    if (controller.signal.aborted) {
      ({ outcome, cleanedUp } = await onAbort(settings, state));
    } else {
      outcome = { conclusion: 'failure', message: errorMessage(err) };
      if (!(err instanceof PeakaApiError) && err instanceof Error && err.stack) core.debug(redact(err.stack, settings.apiKey));
    }
  }
  if (cleanedUp) core.saveState('phase', 'done');
  state.requests = client.transport.requestCount;
  const result = buildResult(state, outcome);
  setOutputs(result, settings.apiKey);
  if (settings.summary) await writeSummary(result, settings.apiKey);
  announce(result, settings.apiKey);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

async function onAbort(settings: Settings, state: RunState): Promise<{ outcome: Outcome; cleanedUp: boolean }> {
  const what = state.kind ? `the ${KIND_LABEL[state.kind]}` : 'the execution';
  if (!state.startedByStep || !state.cacheId) {
    return { outcome: { conclusion: 'failure', message: 'The workflow run was cancelled before this step started anything.' }, cleanedUp: true };
  }
  if (!settings.cancelOnAbort) {
    return {
      outcome: { conclusion: 'failure', message: `The workflow run was cancelled; ${what} this step started keeps running in Peaka (cancel-on-abort: false).` },
      cleanedUp: true
    };
  }
  // A fresh client: the step's own one is bound to the signal that has just fired.
  const client = new PeakaClient(
    { baseUrl: settings.baseUrl, apiKey: settings.apiKey, requestTimeoutMs: Math.min(settings.requestTimeoutMs, 3_000), maxAttempts: 2, backoffCapMs: 500 },
    settings.projectId
  );
  try {
    const result = await cancelStarted(
      client,
      { cacheId: state.cacheId, kind: state.kind, previousId: state.previousId, executionId: state.execution?.id },
      ABORT_BUDGET_MS
    );
    if (result.cancelled) state.execution = { ...result.cancelled, status: 'CANCELLED' };
    return { outcome: { conclusion: 'failure', message: `The workflow run was cancelled. ${result.message}` }, cleanedUp: true };
  } catch (err) {
    return {
      outcome: {
        conclusion: 'failure',
        message: `The workflow run was cancelled, and cancelling ${what} failed: ${errorMessage(err)} The post step will try again.`
      },
      cleanedUp: false
    };
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof PeakaApiError || err instanceof InputError) return err.message;
  return `Unexpected error: ${err instanceof Error ? err.message : String(err)}. Please report it with the log of this step.`;
}
