/**
 * The ledger: the one record of what the step sent that may have had an effect. Its saved JSON is
 * what the abort path and the post step cancel, so each rule is checked on what it saves.
 */
import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { Ledger, savedPages, stateName, type Started } from '../src/ledger.js';
import { PeakaClient } from '../src/peaka/client.js';
import { runPost } from '../src/post.js';
import { forOutput } from '../src/safe-text.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { countingLedger } from './helpers/step-context.js';

const TABLE = { catalogId: 'cat-1', schemaName: 'payment', tableName: 'orders' };
const saved = (json: string) => JSON.parse(json) as Started[];
/** What is open on a page, as the abort path reads it (Ledger.open). */
const startedOf = (ledger: Ledger, key: string): Started | undefined => ledger.open().find((p) => p.key === key)?.started;

describe('a page opens when a write is about to go out', () => {
  test('triggering: the cache, the kind and the execution that was in the slot before are saved', () => {
    const { ledger, last } = countingLedger();
    ledger.page('0').triggering('cache-a', 'incremental', 'exec-before');
    expect(saved(last())).toEqual([{ cacheId: 'cache-a', kind: 'incremental', previousId: 'exec-before' }]);
    expect(ledger.open()).toEqual([{ key: '0', started: { cacheId: 'cache-a', kind: 'incremental', previousId: 'exec-before' } }]);
  });

  test('triggering a cache that never ran: no previousId is saved', () => {
    const { ledger, last } = countingLedger();
    ledger.page('0').triggering('cache-a', 'full-refresh', undefined);
    expect(saved(last())).toEqual([{ cacheId: 'cache-a', kind: 'full-refresh' }]);
    expect(last()).not.toContain('previousId');
  });

  test("creating: the table is saved (the cache, if any, is found by it); a later change to the caller's object does not reach the page", () => {
    const { ledger, last } = countingLedger();
    const table = { ...TABLE };
    ledger.page('0').creating(table, true);
    table.tableName = 'changed';
    expect(saved(last())).toEqual([{ table: TABLE, tableFree: true }]);
    expect(startedOf(ledger, '0')).toEqual({ table: TABLE, tableFree: true });
  });

  test("created: the cache the create made replaces the table; its first sync is the step's", () => {
    const { ledger, last } = countingLedger();
    const page = ledger.page('0');
    page.creating(TABLE, true);
    page.created('cache-new');
    expect(saved(last())).toEqual([{ cacheId: 'cache-new' }]);
  });

  test('seen: the execution that appeared is saved with its kind', () => {
    const { ledger, last } = countingLedger();
    const page = ledger.page('0');
    page.triggering('cache-a', 'full-refresh', 'exec-before');
    page.seen('exec-new', 'full-refresh');
    expect(saved(last())).toEqual([{ cacheId: 'cache-a', kind: 'full-refresh', previousId: 'exec-before', executionId: 'exec-new' }]);
  });

  test('seen on a page that has no cache yet (a create not answered) or on no page at all changes nothing', () => {
    const { ledger, saves } = countingLedger();
    ledger.page('1').seen('exec-x', 'full-refresh');
    expect(saves).toHaveLength(0);
    ledger.page('0').creating(TABLE, true);
    ledger.page('0').seen('exec-x', 'full-refresh');
    expect(saves.map(saved)).toEqual([[{ table: TABLE, tableFree: true }]]);
  });

  test('what `open` hands out is a copy: changing it does not change the page', () => {
    const { ledger } = countingLedger();
    const page = ledger.page('0');
    page.triggering('cache-a', 'full-refresh', 'exec-before');
    const copy = startedOf(ledger, page.key)!;
    copy.executionId = 'forged';
    const listed = ledger.open()[0].started;
    listed.cacheId = 'forged';
    expect(startedOf(ledger, page.key)).toEqual({ cacheId: 'cache-a', kind: 'full-refresh', previousId: 'exec-before' });
  });
});

describe('a page closes when nothing is left to cancel', () => {
  test('refused: Peaka refused the write, the page is gone and the saved list is empty', () => {
    const { ledger, last } = countingLedger();
    const page = ledger.page('0');
    page.triggering('cache-a', 'full-refresh', undefined);
    page.refused();
    expect(startedOf(ledger, page.key)).toBeUndefined();
    expect(ledger.open()).toEqual([]);
    expect(last()).toBe('[]');
  });

  test('settle: the operation saw its write through, the page is closed', () => {
    const { ledger, last } = countingLedger();
    const page = ledger.page('0');
    page.triggering('cache-a', 'full-refresh', undefined);
    page.seen('exec-new', 'full-refresh');
    page.settle();
    expect(ledger.open()).toEqual([]);
    expect(last()).toBe('[]');
  });

  test('settle keeps a page left for the post step (cancel-on-timeout), saved with onTimeout', () => {
    const { ledger, last } = countingLedger();
    const page = ledger.page('0');
    page.triggering('cache-a', 'full-refresh', 'exec-before');
    page.leaveForPost();
    page.settle();
    expect(saved(last())).toEqual([{ cacheId: 'cache-a', kind: 'full-refresh', previousId: 'exec-before', onTimeout: true }]);
    expect(ledger.open()).toHaveLength(1);
  });

  test('close ends even a page left for the post step (the cleanup that cancelled it)', () => {
    const { ledger, last } = countingLedger();
    const page = ledger.page('0');
    page.triggering('cache-a', 'full-refresh', undefined);
    page.leaveForPost();
    page.close();
    expect(ledger.open()).toEqual([]);
    expect(last()).toBe('[]');
  });

  test('leaveForPost with no page open leaves nothing for the post step', () => {
    const { ledger, saves } = countingLedger();
    ledger.page('0').leaveForPost();
    expect(ledger.open()).toEqual([]);
    expect(saves).toHaveLength(0);
  });
});

describe('owns: what the step may cancel as its own', () => {
  test("with no page, nothing is the step's", () => {
    expect(new Ledger().page('0').owns('exec-any')).toBe(false);
  });

  test("before the execution is seen: anything in the slot but the previous execution is the step's", () => {
    const page = new Ledger().page('0');
    page.triggering('cache-a', 'full-refresh', 'exec-before');
    expect(page.owns('exec-before')).toBe(false);
    expect(page.owns('exec-other')).toBe(true);
  });

  test("before the execution is seen, with no previous execution: any execution is the step's", () => {
    const page = new Ledger().page('0');
    page.triggering('cache-a', 'full-refresh', undefined);
    expect(page.owns('exec-any')).toBe(true);
  });

  test("once seen: only that execution is the step's (not another one that came later, not the previous one)", () => {
    const page = new Ledger().page('0');
    page.triggering('cache-a', 'full-refresh', 'exec-before');
    page.seen('exec-new', 'full-refresh');
    expect(page.owns('exec-new')).toBe(true);
    expect(page.owns('exec-later')).toBe(false);
    expect(page.owns('exec-before')).toBe(false);
  });

  test("a create not answered owns nothing (its cache is not known); once created, its first sync is the step's", () => {
    const page = new Ledger().page('0');
    page.creating(TABLE, true);
    expect(page.owns('exec-any')).toBe(false);
    page.created('cache-new');
    expect(page.owns('exec-any')).toBe(true);
  });

  test("after a refusal, nothing is the step's", () => {
    const page = new Ledger().page('0');
    page.triggering('cache-a', 'full-refresh', undefined);
    page.refused();
    expect(page.owns('exec-any')).toBe(false);
  });
});

describe('foundCache: a create whose answer was lost, its cache found by its table', () => {
  test("the page then names the cache, without the table, and its executions are the step's", () => {
    const { ledger, last } = countingLedger();
    const page = ledger.page('0');
    page.creating(TABLE, true);
    page.foundCache('cache-found');
    expect(saved(last())).toEqual([{ cacheId: 'cache-found' }]);
    expect(page.owns('exec-first-sync')).toBe(true);
  });

  test('a page that already names its cache keeps it', () => {
    const { ledger, saves } = countingLedger();
    const page = ledger.page('0');
    page.triggering('cache-a', 'full-refresh', 'exec-before');
    page.foundCache('cache-other');
    expect(startedOf(ledger, page.key)?.cacheId).toBe('cache-a');
    expect(saves).toHaveLength(1);
  });

  test('with no page open, nothing is opened', () => {
    const { ledger, saves } = countingLedger();
    ledger.page('0').foundCache('cache-found');
    expect(ledger.open()).toEqual([]);
    expect(saves).toHaveLength(0);
  });
});

describe('saves: on every change, and only on a change', () => {
  test("a trigger's life: one save per change, none for a call that changes nothing", () => {
    const { ledger, saves } = countingLedger();
    const page = ledger.page('0');
    page.triggering('cache-a', 'full-refresh', 'exec-before'); // 1
    page.triggering('cache-a', 'full-refresh', 'exec-before'); // same
    page.seen('exec-new', 'full-refresh'); // 2
    page.seen('exec-new', 'full-refresh'); // same
    page.leaveForPost(); // 3
    page.leaveForPost(); // same
    page.settle(); // kept: same
    page.close(); // 4
    page.close(); // nothing open: same
    page.refused(); // same
    expect(saves.map(saved)).toEqual([
      [{ cacheId: 'cache-a', kind: 'full-refresh', previousId: 'exec-before' }],
      [{ cacheId: 'cache-a', kind: 'full-refresh', previousId: 'exec-before', executionId: 'exec-new' }],
      [{ cacheId: 'cache-a', kind: 'full-refresh', previousId: 'exec-before', executionId: 'exec-new', onTimeout: true }],
      []
    ]);
  });

  test("a create's life: creating, created, seen, settle: four saves", () => {
    const { ledger, saves } = countingLedger();
    const page = ledger.page('0');
    page.creating(TABLE, true);
    page.created('cache-new');
    page.seen('exec-first', 'incremental');
    page.settle();
    expect(saves.map(saved)).toEqual([
      [{ table: TABLE, tableFree: true }],
      [{ cacheId: 'cache-new' }],
      [{ cacheId: 'cache-new', kind: 'incremental', executionId: 'exec-first' }],
      []
    ]);
  });

  test('a refusal before anything was saved saves nothing (the post step has nothing to read)', () => {
    const { ledger, saves } = countingLedger();
    ledger.page('0').refused();
    ledger.page('0').settle();
    expect(saves).toHaveLength(0);
  });

  test('without a save callback the ledger still keeps its pages', () => {
    const ledger = new Ledger();
    ledger.page('0').triggering('cache-a', 'full-refresh', undefined);
    expect(ledger.open()).toHaveLength(1);
  });
});

describe('several pages at once', () => {
  test('each cache has its own page; the saved list holds every open one, in the order they opened', () => {
    const { ledger, last } = countingLedger();
    const a = ledger.page('0');
    const b = ledger.page('1');
    b.triggering('cache-b', 'incremental', undefined);
    a.triggering('cache-a', 'full-refresh', 'exec-a0');
    a.seen('exec-a1', 'full-refresh');
    expect(saved(last())).toEqual([
      { cacheId: 'cache-b', kind: 'incremental' },
      { cacheId: 'cache-a', kind: 'full-refresh', previousId: 'exec-a0', executionId: 'exec-a1' }
    ]);
    expect(ledger.open().map((p) => p.key)).toEqual(['1', '0']);
  });

  test('closing one page leaves the others open, and owns is per page', () => {
    const { ledger, last } = countingLedger();
    const a = ledger.page('0');
    const b = ledger.page('1');
    a.triggering('cache-a', 'full-refresh', undefined);
    a.seen('exec-a', 'full-refresh');
    b.triggering('cache-b', 'full-refresh', 'exec-b0');
    a.settle();
    expect(saved(last())).toEqual([{ cacheId: 'cache-b', kind: 'full-refresh', previousId: 'exec-b0' }]);
    expect(a.owns('exec-a')).toBe(false);
    expect(b.owns('exec-a')).toBe(true);
    expect(b.owns('exec-b0')).toBe(false);
  });

  test('two LedgerPage objects for one key are one page', () => {
    const ledger = new Ledger();
    ledger.page('3').triggering('cache-a', 'full-refresh', undefined);
    ledger.page('3').seen('exec-a', 'full-refresh');
    expect(startedOf(ledger, '3')).toEqual({ cacheId: 'cache-a', kind: 'full-refresh', executionId: 'exec-a' });
    expect(ledger.open()).toHaveLength(1);
  });
});

describe('the saved JSON is what the post step reads and cancels', () => {
  const KEY = 'pk-ledger-test-5c1d';
  let sim: PeakaSimulator;
  const env = [
    'INPUT_OPERATION',
    'INPUT_API-KEY',
    'INPUT_PROJECT-ID',
    'INPUT_API-URL',
    'INPUT_CACHE-ID',
    'INPUT_CANCEL-ON-ABORT',
    'INPUT_REQUEST-TIMEOUT'
  ];
  let stdout: string[];
  beforeAll(async () => {
    sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { appearDelayMs: 0, durationMs: 120_000 }, cancelDelayMs: 0 });
  });
  afterAll(() => sim.close());
  afterEach(() => {
    for (const name of [...env, ...Object.keys(process.env).filter((n) => n.startsWith('STATE_started-'))]) delete process.env[name];
    jest.restoreAllMocks();
  });

  /** Runs the post step in this process with what the ledger saved as its state (as main.ts saves it: STATE_started-<key>). */
  async function post(state: Record<string, string>, cacheId: string, extra: Record<string, string> = {}): Promise<void> {
    for (const [name, json] of Object.entries(state)) process.env[`STATE_${name}`] = forOutput(json);
    Object.assign(process.env, {
      INPUT_OPERATION: 'full-refresh',
      'INPUT_API-KEY': KEY,
      'INPUT_PROJECT-ID': 'mtKDhe1U',
      'INPUT_API-URL': sim.url,
      'INPUT_CACHE-ID': cacheId,
      'INPUT_REQUEST-TIMEOUT': '5s',
      ...extra
    });
    stdout = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
    await runPost();
  }
  const cancels = (cacheId: string) => sim.requests.filter((r) => r.method === 'POST' && r.path.includes(`/cache/${cacheId}/cancel`));

  test('a trigger page and a create page left open: the post step reads both and cancels what each started', async () => {
    const triggered = sim.addCache({ previous: { 'full-refresh': {} } });
    const before = triggered.executions[0].id;
    const running = sim.startScheduled(triggered.id, 'full-refresh');
    const client = new PeakaClient({ baseUrl: sim.url, apiKey: KEY, requestTimeoutMs: 5_000 }, 'mtKDhe1U');
    const table = { catalogId: 'cat-ledger', schemaName: 'payment', tableName: `t_${Date.now()}` };
    const created = await client.createCache(table, Date.now() + 5_000);

    const { ledger, state } = countingLedger();
    ledger.page('0').triggering(triggered.id, 'full-refresh', before);
    ledger.page('1').creating(table, true);
    await post(state, triggered.id);

    const out = stdout.join('');
    expect(out).not.toContain('could not read');
    expect(out).toContain(`Cancelled the full refresh ${running.id} that this step started.`);
    expect(cancels(triggered.id)).toHaveLength(1);
    expect(cancels(created.id)).toHaveLength(1);
    expect(sim.statusAt(running, Date.now())).toBe('CANCELLED');
    expect(sim.statusAt(sim.startedExecutions(created.id)[0], Date.now())).toBe('CANCELLED');
  });

  test('with cancel-on-abort: false, only the page left by cancel-on-timeout is cancelled', async () => {
    const timedOut = sim.addCache();
    const left = sim.addCache();
    const mine = sim.startScheduled(timedOut.id, 'incremental');
    const other = sim.startScheduled(left.id, 'incremental');
    const { ledger, state } = countingLedger();
    ledger.page('0').triggering(timedOut.id, 'incremental', undefined);
    ledger.page('0').seen(mine.id, 'incremental');
    ledger.page('0').leaveForPost();
    ledger.page('1').triggering(left.id, 'incremental', undefined);
    await post(state, timedOut.id, { 'INPUT_CANCEL-ON-ABORT': 'false' });

    expect(stdout.join('')).toContain('cancel-on-abort: false');
    expect(cancels(timedOut.id)).toHaveLength(1);
    expect(cancels(left.id)).toHaveLength(0);
    expect(sim.statusAt(mine, Date.now())).toBe('CANCELLED');
    expect(sim.statusAt(other, Date.now())).toBe('RUNNING');
  });

  test('a ledger with nothing open saves "[]", and the post step then sends nothing', async () => {
    const cache = sim.addCache();
    const { ledger, last, state } = countingLedger();
    ledger.page('0').triggering(cache.id, 'full-refresh', undefined);
    ledger.page('0').settle();
    const before = sim.requests.length;
    expect(state).toEqual({ 'started-0': '' });
    await post(state, cache.id);
    expect(last()).toBe('[]');
    expect(sim.requests.length).toBe(before);
    expect(stdout.join('')).not.toContain('could not read');
  });
});

test('a create whose table was not known to be free saves no tableFree: the cleanup then cancels nothing of a cache it finds', () => {
  const { ledger, last } = countingLedger();
  ledger.page('0').creating({ catalogId: 'cat-1', schemaName: 'payment', tableName: 'orders' }, false);
  expect(JSON.parse(last())).toEqual([{ table: { catalogId: 'cat-1', schemaName: 'payment', tableName: 'orders' } }]);
});

test('the post step finds every non-empty page the main step saved, under the name it was saved as', () => {
  const env = {
    [`STATE_${stateName('0')}`]: '{"cacheId":"a"}',
    [`STATE_${stateName('1')}`]: '',
    STATE_other: 'x',
    [`${stateName('2')}`]: '{}'
  };
  expect(savedPages(env)).toEqual([{ name: 'started-0', text: '{"cacheId":"a"}' }]);
});
