import { expect, test } from '@jest/globals';
import type { Execution } from '../src/peaka/client.js';
import { StallWatch } from '../src/stall-watch.js';

const running = (extra: Partial<Execution> = {}): Execution => ({
  id: 'e',
  kind: 'incremental',
  status: 'RUNNING',
  updatedAt: '2026-11-22T10:00:00Z',
  ...extra
});

test('nothing changing for the timeout is a stall, dated from the last change', () => {
  const watch = new StallWatch(60_000, 0);
  expect(watch.see(running(), 0)).toBeUndefined();
  expect(watch.dueAt()).toBe(60_000);
  expect(watch.see(running(), 59_999)).toBeUndefined();
  expect(watch.see(running(), 60_000)).toEqual({ sinceMs: 0, updatedAt: '2026-11-22T10:00:00Z' });
});

test('a change of updatedAt, of any count or of the status starts the clock again', () => {
  const changes: Partial<Execution>[] = [
    { updatedAt: '2026-11-22T10:00:05Z' },
    { cachedRecords: 1 },
    { insertedRecords: 1 },
    { updatedRecords: 1 },
    { deletedRecords: 1 },
    { status: 'CANCELLING' }
  ];
  for (const change of changes) {
    const watch = new StallWatch(60_000, 0);
    watch.see(running(), 0);
    expect(watch.see(running(change), 50_000)).toBeUndefined();
    expect(watch.see(running(change), 100_000)).toBeUndefined();
    expect(watch.see(running(change), 110_000)).toMatchObject({ sinceMs: 50_000 });
  }
});

test('an execution waiting its turn (QUEUED, PENDING) never stalls, and 0 turns the watch off', () => {
  const queued = new StallWatch(60_000, 0);
  for (const t of [0, 60_000, 600_000]) expect(queued.see(running({ status: 'QUEUED' }), t)).toBeUndefined();
  const off = new StallWatch(0, 0);
  for (const t of [0, 86_400_000]) expect(off.see(running(), t)).toBeUndefined();
  expect(off.dueAt()).toBe(Infinity);
});

test('the stall is due a timeout after the watch starts, before any read', () => {
  expect(new StallWatch(60_000, 5_000).dueAt()).toBe(65_000);
});

test('progress that moves from one count to another is a change (each count is watched on its own)', () => {
  const watch = new StallWatch(60_000, 0);
  watch.see(running({ insertedRecords: 40 }), 0);
  expect(watch.see(running({ updatedRecords: 40 }), 50_000)).toBeUndefined();
  expect(watch.see(running({ updatedRecords: 40 }), 100_000)).toBeUndefined();
  expect(watch.see(running({ cachedRecords: 4, insertedRecords: 0 }), 100_000)).toBeUndefined();
  expect(watch.see(running({ cachedRecords: 40 }), 120_000)).toBeUndefined();
});

test('only the waiting statuses themselves (in any case) stop the clock, not statuses that contain their words', () => {
  for (const status of ['queued', 'Pending', 'waiting', 'SCHEDULED']) {
    const watch = new StallWatch(60_000, 0);
    for (const t of [0, 60_000, 600_000])
      expect({ status, t, stall: watch.see(running({ status }), t) }).toEqual({ status, t, stall: undefined });
  }
  for (const status of ['CANCEL_PENDING', 'PENDING_CANCEL', 'UNSCHEDULED', 'SCHEDULED_RERUN']) {
    const watch = new StallWatch(60_000, 0);
    watch.see(running({ status }), 0);
    expect({ status, stall: watch.see(running({ status }), 60_000) }).toEqual({
      status,
      stall: { sinceMs: 0, updatedAt: '2026-11-22T10:00:00Z' }
    });
  }
});
