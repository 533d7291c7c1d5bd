/**
 * The post step: runs after the main step however it ended, even after a cancelled workflow run.
 * If the main step started an execution and could not see it through (it was killed), cancel it.
 */
import * as core from '@actions/core';
import { cancelStarted } from './cleanup-helper.js';
import { PeakaClient, type ExecutionKind } from './peaka-client.js';
import { readSettings } from './settings.js';

export const POST_BUDGET_MS = 20_000;

export async function runPost(): Promise<void> {
  if (core.getState('phase') !== 'started') return;
  const settings = readSettings();
  const cacheId = core.getState('cache-id');
  if (!settings.cancelOnAbort) {
    core.info('The main step did not finish; the execution it started is left running (cancel-on-abort: false).');
    return;
  }
  const client = new PeakaClient(
    { baseUrl: settings.baseUrl, apiKey: settings.apiKey, requestTimeoutMs: Math.min(settings.requestTimeoutMs, 10_000) },
    settings.projectId
  );
  try {
    const result = await cancelStarted(
      client,
      {
        cacheId,
        kind: (core.getState('kind') || undefined) as ExecutionKind | undefined,
        previousId: core.getState('previous-id') || undefined,
        executionId: core.getState('execution-id') || undefined
      },
      POST_BUDGET_MS
    );
    if (result.cancelled) core.warning(`The main step did not finish. ${result.message}`);
    else core.info(result.message);
  } catch (err) {
    core.warning(`The main step did not finish, and cancelling what it started failed: ${(err as Error).message}`);
  }
}
