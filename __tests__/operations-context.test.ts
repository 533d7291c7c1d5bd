/**
 * operations/context.ts: how the step's timeout is spent (stepBudget), how the end of an execution
 * becomes the outcome (conclude), and the ledger rule on timeout: only what this step started is
 * cancelled, and what could not be cancelled is left for the post step.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  END_RESERVE_MAX_MS,
  OperationError,
  absorb,
  conclude,
  endReserveMs,
  knownOf,
  stepBudget,
  withKnown,
  type OperationContext,
  type StepBudget
} from '../src/operations/context.js';
import type { LedgerPage } from '../src/ledger.js';
import type { Execution } from '../src/peaka/client.js';
import { ActionError } from '../src/errors.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { countingLedger, recordingLog, simClient, stepInputs, type RecordingLog } from './helpers/step-context.js';

describe("stepBudget: the timeout is the whole step's", () => {
  const S = 1_000_000;

  test('the reserve of each end-of-wait request: request-timeout, at most 10 s, at most a quarter of timeout', () => {
    expect(END_RESERVE_MAX_MS).toBe(10_000);
    expect(endReserveMs({ requestTimeoutMs: 30_000, timeoutMs: 3_600_000 })).toBe(10_000);
    expect(endReserveMs({ requestTimeoutMs: 5_000, timeoutMs: 3_600_000 })).toBe(5_000);
    expect(endReserveMs({ requestTimeoutMs: 30_000, timeoutMs: 20_000 })).toBe(5_000);
    expect(endReserveMs({ requestTimeoutMs: 2_000, timeoutMs: 4_000 })).toBe(1_000);
  });

  test('without cancel-on-timeout: waiting stops one reserve before the end, the last read ends at the end', () => {
    expect(stepBudget({ requestTimeoutMs: 30_000, timeoutMs: 3_600_000, cancelOnTimeout: false }, S)).toEqual({
      deadline: S + 3_600_000 - 10_000,
      finalReadBy: S + 3_600_000,
      end: S + 3_600_000
    });
  });

  test('with cancel-on-timeout: the last read and the cancel each get a reserve before the end', () => {
    expect(stepBudget({ requestTimeoutMs: 30_000, timeoutMs: 3_600_000, cancelOnTimeout: true }, S)).toEqual({
      deadline: S + 3_600_000 - 20_000,
      finalReadBy: S + 3_600_000 - 10_000,
      end: S + 3_600_000
    });
  });

  test('a short timeout keeps at least half of it for waiting (each reserve is at most a quarter)', () => {
    expect(stepBudget({ requestTimeoutMs: 30_000, timeoutMs: 8_000, cancelOnTimeout: true }, S)).toEqual({
      deadline: S + 4_000,
      finalReadBy: S + 6_000,
      end: S + 8_000
    });
  });

  test('for any inputs: start <= deadline <= finalReadBy <= end = start + timeout, and the waiting keeps half of it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000, max: 5 * 86_400_000 }),
        fc.integer({ min: 1_000, max: 600_000 }),
        fc.boolean(),
        (timeoutMs, requestTimeoutMs, cancelOnTimeout) => {
          const b = stepBudget({ timeoutMs, requestTimeoutMs, cancelOnTimeout }, S);
          const reserve = endReserveMs({ timeoutMs, requestTimeoutMs });
          expect(reserve).toBeLessThanOrEqual(timeoutMs / 4);
          expect(reserve).toBeLessThanOrEqual(END_RESERVE_MAX_MS);
          expect(b.end).toBe(S + timeoutMs);
          expect(b.finalReadBy).toBe(cancelOnTimeout ? b.end - reserve : b.end);
          expect(b.deadline).toBe(b.finalReadBy - reserve);
          expect(b.deadline - S).toBeGreaterThanOrEqual(timeoutMs / 2);
        }
      )
    );
  });

  test('starts now by default', () => {
    const before = Date.now();
    const b = stepBudget({ requestTimeoutMs: 1_000, timeoutMs: 60_000, cancelOnTimeout: false });
    expect(b.end).toBeGreaterThanOrEqual(before + 60_000);
    expect(b.end).toBeLessThanOrEqual(Date.now() + 60_000);
  });
});

const KEY = 'pk-context-test-0e77';
let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({
    partnerKeys: [KEY],
    defaultPlan: { appearDelayMs: 0, durationMs: 120_000, records: 1_000 },
    cancelDelayMs: 0
  });
});
afterAll(() => sim.close());
beforeEach(() => sim.clearFaults());

interface Context {
  ctx: OperationContext;
  log: RecordingLog;
  /** What the ledger saved last. */
  saved: () => unknown;
}

/** An operation's context by hand: inputs as the runner passes them, this cache's page of a fresh ledger. */
function contextOf(extra: Record<string, string> = {}): Context {
  const inputs = stepInputs(sim.url, KEY, {
    operation: 'full-refresh',
    'cache-id': '9f1d6c2e-0000-4000-8000-000000000001',
    timeout: '30s',
    ...extra
  });
  const log = recordingLog();
  const { ledger, last } = countingLedger();
  const budget = stepBudget(inputs);
  const ctx: OperationContext = { inputs, client: simClient(inputs), deadline: budget.deadline, budget, log, page: ledger.page('0') };
  return { ctx, log, saved: () => JSON.parse(last()) };
}

/** The time waited depends on when the test's budget began: the rest of the message is the point. */
const waited = (message: string) => message.replace(/^Timed out after \S+ waiting/, 'Timed out after … waiting');
const ended = (status: string, extra: Partial<Execution> = {}): Execution => ({
  id: 'exec-1',
  kind: 'full-refresh',
  status,
  cachedRecords: 1_200,
  ...extra
});
const NOT_OVER = { timedOut: false };

describe('conclude: how an execution ended becomes the outcome', () => {
  test('COMPLETED: success, with the execution in one line', async () => {
    const { ctx } = contextOf();
    await expect(conclude(ctx, knownOf('full-refresh'), 'c', ended('COMPLETED'), NOT_OVER)).resolves.toEqual({
      conclusion: 'success',
      message: 'Full refresh exec-1: COMPLETED, 1,200 cached'
    });
  });

  test("FAILED: a failure that carries Peaka's error and says what to check", async () => {
    const { ctx } = contextOf();
    await expect(conclude(ctx, knownOf('full-refresh'), 'c', ended('FAILED', { error: 'source query failed' }), NOT_OVER)).resolves.toEqual(
      {
        conclusion: 'failure',
        message:
          'Full refresh exec-1: FAILED, 1,200 cached - source query failed. Check the source table and the cache in Peaka, then re-run.'
      }
    );
  });

  test('FAILED with no error from Peaka: says so', async () => {
    const { ctx } = contextOf();
    const outcome = await conclude(ctx, knownOf('full-refresh'), 'c', ended('FAILED'), NOT_OVER);
    expect(outcome.message).toBe(
      'Full refresh exec-1: FAILED, 1,200 cached (Peaka gave no error message). Check the source table and the cache in Peaka, then re-run.'
    );
  });

  test('FAILED with fail-on-error: false is a warning', async () => {
    const { ctx } = contextOf({ 'fail-on-error': 'false' });
    await expect(conclude(ctx, knownOf('full-refresh'), 'c', ended('FAILED'), NOT_OVER)).resolves.toMatchObject({ conclusion: 'warning' });
  });

  test.each(['CANCELLED', 'CANCELED'])('%s when the step did not ask for it: a failure, cancelled outside this step', async (status) => {
    const { ctx } = contextOf();
    await expect(conclude(ctx, knownOf('full-refresh'), 'c', ended(status), NOT_OVER)).resolves.toEqual({
      conclusion: 'failure',
      message: `Full refresh exec-1: ${status}, 1,200 cached: it was cancelled outside this step.`
    });
  });

  test("an unknown end status: a failure that says so, or Peaka's error when it gave one", async () => {
    const { ctx } = contextOf();
    await expect(conclude(ctx, knownOf('full-refresh'), 'c', ended('EXPIRED'), NOT_OVER)).resolves.toEqual({
      conclusion: 'failure',
      message: 'Full refresh exec-1: EXPIRED, 1,200 cached: ended with an unexpected status.'
    });
    await expect(conclude(ctx, knownOf('full-refresh'), 'c', ended('EXPIRED', { error: 'lease lost' }), NOT_OVER)).resolves.toEqual({
      conclusion: 'failure',
      message: 'lease lost'
    });
  });

  test('expectCancelled (the step asked for the cancel): CANCELLED is a success, anything else a warning', async () => {
    const { ctx } = contextOf({ operation: 'cancel-full-refresh' });
    await expect(conclude(ctx, knownOf('full-refresh'), 'c', ended('CANCELLED'), NOT_OVER, true)).resolves.toEqual({
      conclusion: 'success',
      message: 'Cancelled. Full refresh exec-1: CANCELLED, 1,200 cached'
    });
    await expect(conclude(ctx, knownOf('full-refresh'), 'c', ended('COMPLETED'), NOT_OVER, true)).resolves.toEqual({
      conclusion: 'warning',
      message: 'The cancel did not take effect: Full refresh exec-1: COMPLETED, 1,200 cached'
    });
  });

  test('timed out: a failure naming the timeout, the execution and its last status', async () => {
    const { ctx } = contextOf();
    const outcome = await conclude(ctx, knownOf('full-refresh'), 'c', ended('RUNNING'), { timedOut: true });
    expect({ ...outcome, message: waited(outcome.message) }).toEqual({
      conclusion: 'failure',
      message: 'Timed out after … waiting for the full refresh exec-1 (last seen RUNNING; timeout: 30s). Raise timeout to wait longer.'
    });
  });

  test('timed out: the message gives the time the step really waited, not the timeout (the wait keeps room for the last read and the cancel)', async () => {
    const { ctx } = contextOf();
    ctx.budget = stepBudget(ctx.inputs, Date.now() - 2_000);
    const outcome = await conclude(ctx, knownOf('full-refresh'), 'c', ended('RUNNING'), { timedOut: true });
    expect(outcome.message).toMatch(/^Timed out after 2\.\ds waiting for the full refresh exec-1 \(last seen RUNNING; timeout: 30s\)/);
  });

  test('stalled: says since when nothing changed, at how many records, and what to do', async () => {
    const { ctx } = contextOf({ 'stall-timeout': '5m' });
    const sinceMs = Date.parse('2025-01-02T03:04:05Z');
    const outcome = await conclude(ctx, knownOf('full-refresh'), 'c', ended('RUNNING', { updatedAt: '2025-01-02T03:00:00Z' }), {
      timedOut: false,
      stalled: { sinceMs, updatedAt: '2025-01-02T03:00:00Z' }
    });
    expect(outcome.conclusion).toBe('failure');
    expect(outcome.message).toMatch(
      /^The full refresh exec-1 looks stalled: it is still RUNNING at 1,200 records, and neither its progress nor its updatedAt has changed since 2025-01-02 03:00:00 UTC \(this step saw no change for .*; stall-timeout: 5m\), so the step stopped waiting\. Peaka may never/
    );
    expect(outcome.message).toContain('Raise stall-timeout if this execution is only slow to report progress (0 turns the check off).');
  });
});

describe('on timeout, only what the ledger says this step started is cancelled', () => {
  const cancels = (cacheId: string) =>
    sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/cache/${cacheId}/cancelFullRefreshUpdate`));

  /** A cache whose full refresh this step triggered (its page written as trigger.ts writes it); the execution as read. */
  async function triggered(context: Context): Promise<{ cacheId: string; execution: Execution }> {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    context.ctx.page.triggering(cache.id, 'full-refresh', cache.executions[0].id);
    await context.ctx.client.trigger('full-refresh', cache.id, Date.now() + 5_000);
    const execution = (await context.ctx.client.getStatus(cache.id, Date.now() + 5_000)).executions['full-refresh']!;
    expect(execution.id).toBe(sim.startedExecutions(cache.id)[0].id);
    return { cacheId: cache.id, execution };
  }

  test("cancel-on-timeout and the step's own execution: it is cancelled, and the message says so", async () => {
    const context = contextOf({ 'cancel-on-timeout': 'true' });
    const { cacheId, execution } = await triggered(context);
    const outcome = await conclude(context.ctx, knownOf('full-refresh'), cacheId, execution, { timedOut: true });
    expect(waited(outcome.message)).toBe(
      `Timed out after … waiting for the full refresh ${execution.id} (last seen RUNNING; timeout: 30s). It was cancelled (cancel-on-timeout). Raise timeout to wait longer.`
    );
    expect(cancels(cacheId)).toHaveLength(1);
    expect(sim.statusAt(sim.startedExecutions(cacheId)[0], Date.now())).toBe('CANCELLED');
  });

  test("cancel-on-timeout, once the page has seen the execution: still the step's, cancelled", async () => {
    const context = contextOf({ 'cancel-on-timeout': 'true' });
    const { cacheId, execution } = await triggered(context);
    context.ctx.page.seen(execution.id, 'full-refresh');
    await conclude(context.ctx, knownOf('full-refresh'), cacheId, execution, { timedOut: true });
    expect(cancels(cacheId)).toHaveLength(1);
  });

  test("cancel-on-timeout on a stall: the step's execution is cancelled too", async () => {
    const context = contextOf({ 'cancel-on-timeout': 'true' });
    const { cacheId, execution } = await triggered(context);
    const outcome = await conclude(context.ctx, knownOf('full-refresh'), cacheId, execution, {
      timedOut: false,
      stalled: { sinceMs: Date.now() - 60_000 }
    });
    expect(outcome.message).toContain('so the step stopped waiting. It was cancelled (cancel-on-timeout). Peaka may never');
    expect(cancels(cacheId)).toHaveLength(1);
  });

  test('cancel-on-timeout, and the execution has ended since the last read: no cancel is sent (it would stop whatever runs), and it says so', async () => {
    const context = contextOf({ 'cancel-on-timeout': 'true' });
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    context.ctx.page.triggering(cache.id, 'full-refresh', undefined);
    // The last read saw it running; it has completed since.
    const outcome = await conclude(
      context.ctx,
      knownOf('full-refresh'),
      cache.id,
      { ...ended('RUNNING'), id: cache.executions[0].id },
      { timedOut: true }
    );
    expect(outcome.message).toContain(
      '(last seen RUNNING; timeout: 30s). It had already ended (COMPLETED), so no cancel was sent. Raise timeout'
    );
    expect(cancels(cache.id)).toHaveLength(0);
  });

  test('without cancel-on-timeout: nothing is sent, and the message says it keeps running and how to have it cancelled', async () => {
    const context = contextOf();
    const { cacheId, execution } = await triggered(context);
    const outcome = await conclude(context.ctx, knownOf('full-refresh'), cacheId, execution, { timedOut: true });
    expect(waited(outcome.message)).toBe(
      `Timed out after … waiting for the full refresh ${execution.id} (last seen RUNNING; timeout: 30s). It keeps running in Peaka; set cancel-on-timeout: true to cancel it instead. Raise timeout to wait longer.`
    );
    expect(cancels(cacheId)).toHaveLength(0);
  });

  test.each([
    ['no page (the step followed a run it did not start: wait, if-running: attach)', () => undefined],
    [
      'a page whose previous execution is this one (it was running before the trigger)',
      (page: LedgerPage, cacheId: string, runningId: string) => page.triggering(cacheId, 'full-refresh', runningId)
    ],
    [
      'a page that has seen another execution',
      (page: LedgerPage, cacheId: string) => {
        page.triggering(cacheId, 'full-refresh', undefined);
        page.seen('another', 'full-refresh');
      }
    ],
    [
      'a page that Peaka refused',
      (page: LedgerPage, cacheId: string) => {
        page.triggering(cacheId, 'full-refresh', undefined);
        page.refused();
      }
    ]
  ])('an execution the step did not start, with %s: not cancelled, and nothing said about cancelling', async (_name, open) => {
    const context = contextOf({ 'cancel-on-timeout': 'true' });
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh');
    open(context.ctx.page, cache.id, running.id);
    const execution: Execution = { id: running.id, kind: 'full-refresh', status: 'RUNNING' };
    const outcome = await conclude(context.ctx, knownOf('full-refresh'), cache.id, execution, { timedOut: true });
    expect(waited(outcome.message)).toBe(
      `Timed out after … waiting for the full refresh ${running.id} (last seen RUNNING; timeout: 30s). Raise timeout to wait longer.`
    );
    expect(cancels(cache.id)).toHaveLength(0);
    expect(sim.statusAt(running, Date.now())).toBe('RUNNING');
  });

  test('expectCancelled (the step is stopping a run with if-running: cancel): no second cancel on timeout', async () => {
    const context = contextOf({ 'cancel-on-timeout': 'true' });
    const { cacheId, execution } = await triggered(context);
    const outcome = await conclude(context.ctx, knownOf('full-refresh'), cacheId, execution, { timedOut: true }, true);
    expect(outcome.message).not.toContain('cancel');
    expect(cancels(cacheId)).toHaveLength(0);
  });

  test('the cancel fails: the page is left for the post step (onTimeout in the saved JSON), and the message says the post step will try again', async () => {
    const context = contextOf({ 'cancel-on-timeout': 'true' });
    const { cacheId, execution } = await triggered(context);
    context.ctx.page.seen(execution.id, 'full-refresh');
    sim.fault({ type: 'status', status: 403, method: 'POST', path: `/cache/${cacheId}/cancelFullRefreshUpdate` });
    const outcome = await conclude(context.ctx, knownOf('full-refresh'), cacheId, execution, { timedOut: true });
    expect(outcome.message).toMatch(
      new RegExp(
        `\\(last seen RUNNING; timeout: 30s\\)\\. Cancelling it failed: Failed cancelling the full refresh of cache ${cacheId}: Peaka answered HTTP 403.* The post step will try again\\. Raise timeout to wait longer\\.$`
      )
    );
    expect(context.saved()).toEqual([
      { cacheId, kind: 'full-refresh', previousId: expect.any(String), executionId: execution.id, onTimeout: true }
    ]);
    // The operation's end does not close it: it is the post step's now.
    context.ctx.page.settle();
    expect(context.saved()).toEqual([expect.objectContaining({ executionId: execution.id, onTimeout: true })]);
    expect(sim.statusAt(sim.startedExecutions(cacheId)[0], Date.now())).toBe('RUNNING');
  });

  test("the cancel on timeout is over by the step's end (budget.end), even when Peaka does not answer", async () => {
    const context = contextOf({ 'cancel-on-timeout': 'true' });
    const { cacheId, execution } = await triggered(context);
    sim.fault({ type: 'hang', method: 'POST', path: `/cache/${cacheId}/cancelFullRefreshUpdate` });
    const start = Date.now();
    const budget: StepBudget = { deadline: start, finalReadBy: start, end: start + 1_500 };
    context.ctx.budget = budget;
    const outcome = await conclude(context.ctx, knownOf('full-refresh'), cacheId, execution, { timedOut: true });
    expect(Date.now()).toBeLessThan(budget.end + 1_000);
    expect(outcome.message).toContain('Cancelling it failed:');
    expect(context.saved()).toEqual([expect.objectContaining({ cacheId, onTimeout: true })]);
  });
});

describe('withKnown: a failure carries what was known by then', () => {
  test('a success returns what is known with the outcome', async () => {
    const known = knownOf('status', 'c-1');
    await expect(withKnown(known, async () => ({ conclusion: 'success', message: 'ok' }))).resolves.toEqual({
      ...known,
      outcome: { conclusion: 'success', message: 'ok' }
    });
  });

  test('a failure becomes an OperationError whose `known` holds what the work learned before it failed', async () => {
    const known = knownOf('full-refresh', 'c-1');
    const cause = new ActionError('the trigger was refused');
    const failure = await withKnown(known, async () => {
      absorb(known, { id: 'c-1', status: 'RUNNING', schemaName: 'payment', tableName: 'orders', executions: {} });
      throw cause;
    }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(OperationError);
    const error = failure as OperationError;
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('the trigger was refused');
    expect(error.known).toMatchObject({ operation: 'full-refresh', cacheId: 'c-1', cacheStatus: 'RUNNING', table: 'payment.orders' });
  });

  test('an OperationError from an inner operation passes through as it is', async () => {
    const inner = new OperationError(new Error('inner'), knownOf('create', 'c-2'));
    await expect(withKnown(knownOf('create'), async () => Promise.reject(inner))).rejects.toBe(inner);
  });

  test('something thrown that is not an Error still becomes an OperationError with its text', async () => {
    const failure = await withKnown(knownOf('status', 'c-3'), async () => Promise.reject('plain text')).catch((err: unknown) => err);
    expect(failure).toMatchObject({ name: 'OperationError', message: 'plain text', cause: 'plain text', known: { cacheId: 'c-3' } });
  });
});
