/**
 * The post step: runs after the main step however it ended, even after a cancelled workflow run.
 * If the main step started executions and could not see them through (it was killed), cancel them.
 */
import * as core from '@actions/core';
import { cancelStarted, type Started } from './cleanup-helper.js';
import { PeakaClient } from './peaka-client.js';
import { readSettings } from './settings.js';

export const POST_BUDGET_MS = 20_000;

export async function runPost(): Promise<void> {
  let started: Started[];
  try {
    started = JSON.parse(core.getState('started') || '[]') as Started[];
  } catch {
    return;
  }
  if (!Array.isArray(started) || !started.length) return;
  const settings = readSettings();
  if (!settings.cancelOnAbort) {
    core.info('The main step did not finish; what it started is left running (cancel-on-abort: false).');
    return;
  }
  const client = new PeakaClient(
    { baseUrl: settings.baseUrl, apiKey: settings.apiKey, requestTimeoutMs: Math.min(settings.requestTimeoutMs, 10_000) },
    settings.projectId
  );
  await Promise.all(
    started.map(async (entry) => {
      try {
        const result = await cancelStarted(client, entry, POST_BUDGET_MS);
        if (result.cancelled) core.warning(`The main step did not finish. ${result.message}`);
        else core.info(result.message);
      } catch (err) {
        core.warning(`The main step did not finish, and cancelling what it started on cache ${entry.cacheId} failed: ${(err as Error).message}`);
      }
    })
  );
}
