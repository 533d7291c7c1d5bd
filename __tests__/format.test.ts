/**
 * The words for Peaka's things (src/format.ts): the kinds of execution, an execution in one line,
 * and how long an execution ran from its own times.
 */
import { describe, expect, test } from '@jest/globals';
import { A_KIND, KIND_LABEL, describeExecution, executionDurationMs } from '../src/format.js';
import type { Execution } from '../src/peaka/client.js';

test('each kind has its label, and the label with its article', () => {
  expect(KIND_LABEL).toEqual({ 'full-refresh': 'full refresh', incremental: 'incremental sync' });
  expect(A_KIND).toEqual({ 'full-refresh': 'a full refresh', incremental: 'an incremental sync' });
});

describe('describeExecution', () => {
  const base: Execution = { id: 'e-1', kind: 'full-refresh', status: 'COMPLETED' };

  test('an ended execution: its counts with thousands separators, and how long it took', () => {
    expect(
      describeExecution({
        ...base,
        cachedRecords: 1_234_567,
        insertedRecords: 1_234_567,
        updatedRecords: 0,
        deletedRecords: 0,
        createdAt: '2026-01-01T00:00:00Z',
        finishedAt: '2026-01-01T01:02:03Z'
      })
    ).toBe('Full refresh e-1: COMPLETED, 1,234,567 cached, 1,234,567 inserted in 1h 2m 3s');
  });

  test('a failed incremental sync: every non-zero count, the duration from its last update, and the error', () => {
    expect(
      describeExecution({
        id: 'e-2',
        kind: 'incremental',
        status: 'FAILED',
        cachedRecords: 10,
        insertedRecords: 0,
        updatedRecords: 3,
        deletedRecords: 2,
        createdAt: '2026-01-01T10:00:00Z',
        updatedAt: '2026-01-01T10:00:05.500Z',
        error: 'Source query failed'
      })
    ).toBe('Incremental sync e-2: FAILED, 10 cached, 3 updated, 2 deleted in 5.5s - Source query failed');
  });

  test('a running execution: zero cached is still a count, and no duration is claimed', () => {
    expect(
      describeExecution({
        ...base,
        status: 'RUNNING',
        cachedRecords: 0,
        insertedRecords: 0,
        createdAt: new Date(Date.now() - 5_000).toISOString()
      })
    ).toBe('Full refresh e-1: RUNNING, 0 cached');
  });

  test('nothing known but the status: no counts, no duration', () => {
    expect(describeExecution({ ...base, status: 'QUEUED' })).toBe('Full refresh e-1: QUEUED');
    expect(describeExecution({ ...base, status: 'CANCELLED' })).toBe('Full refresh e-1: CANCELLED');
  });

  test('a status in any letter case or spelling that means the end gets its duration', () => {
    const times = { createdAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:42Z' };
    expect(describeExecution({ ...base, status: 'canceled', ...times })).toBe('Full refresh e-1: canceled in 42s');
  });
});

describe('executionDurationMs', () => {
  test('an ended execution: from createdAt to finishedAt, instants compared whatever their offsets', () => {
    expect(executionDurationMs({ status: 'COMPLETED', createdAt: '2026-01-01T10:00:00+02:00', finishedAt: '2026-01-01T08:00:30Z' })).toBe(
      30_000
    );
  });

  test('an ended execution without finishedAt: until its last update', () => {
    expect(executionDurationMs({ status: 'FAILED', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:01:00Z' })).toBe(60_000);
  });

  test('a running execution: until now', () => {
    const createdAt = new Date(Date.now() - 5_000).toISOString();
    const before = Date.now();
    const ms = executionDurationMs({ status: 'RUNNING', createdAt, updatedAt: createdAt });
    const after = Date.now();
    expect(ms).toBeGreaterThanOrEqual(before - Date.parse(createdAt));
    expect(ms).toBeLessThanOrEqual(after - Date.parse(createdAt));
  });

  test('missing times: unknown, not zero', () => {
    expect(executionDurationMs(undefined)).toBeUndefined();
    expect(executionDurationMs({ status: 'COMPLETED', finishedAt: '2026-01-01T00:00:00Z' })).toBeUndefined();
    expect(executionDurationMs({ status: 'COMPLETED', createdAt: '2026-01-01T00:00:00Z' })).toBeUndefined();
  });

  test('inconsistent or unreadable times: unknown, never negative', () => {
    expect(
      executionDurationMs({ status: 'COMPLETED', createdAt: '2026-01-01T00:10:00Z', finishedAt: '2026-01-01T00:00:00Z' })
    ).toBeUndefined();
    expect(executionDurationMs({ status: 'RUNNING', createdAt: new Date(Date.now() + 3_600_000).toISOString() })).toBeUndefined();
    expect(executionDurationMs({ status: 'COMPLETED', createdAt: 'yesterday', finishedAt: '2026-01-01T00:00:00Z' })).toBeUndefined();
    expect(executionDurationMs({ status: 'COMPLETED', createdAt: '2026-01-01T00:00:00Z', finishedAt: 'soon' })).toBeUndefined();
  });
});
