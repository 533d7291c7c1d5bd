/** One read for many caches: the shared status source against the simulator (real HTTP on 127.0.0.1). */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { PeakaClient } from '../src/peaka/client.js';
import { DirectStatusSource, LIST_FAILURES_TO_GIVE_UP, SharedStatusSource } from '../src/status-source.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { VirtualClock } from '../src/virtual-clock.js';

const KEY = 'pk-status-source-41c2';
let sim: PeakaSimulator;
let client: PeakaClient;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY] });
  client = new PeakaClient({ baseUrl: sim.url, apiKey: KEY, requestTimeoutMs: 2_000, maxAttempts: 1 }, 'mtKDhe1U');
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.requests.length = 0;
});

const soon = () => Date.now() + 10_000;
const statusRequests = () => sim.requests.filter((r) => r.method === 'GET' && r.path.includes('/status'));
const listRequests = () => statusRequests().filter((r) => /\/cache\/status$/.test(r.path));
const singleRequests = () => statusRequests().filter((r) => !/\/cache\/status$/.test(r.path));
const cachesOf = (catalogId: string, count: number) =>
  Array.from({ length: count }, (_, i) =>
    sim.addCache({ catalogId, tableName: `t_${catalogId}_${i}`, previous: { 'full-refresh': { records: i } } })
  );
/** Every cache asks for a read now, as caches starting together do. */
const round = (source: SharedStatusSource, ids: string[]) => Promise.all(ids.map((id) => source.read(id, Date.now(), soon())));

describe('one read serves many caches', () => {
  test.each([5, 60])('%i caches asking together share one request per round, and each gets its own entry', async (count) => {
    const caches = cachesOf(`cat-${count}`, count);
    const source = new SharedStatusSource(client);
    for (let r = 0; r < 3; r++) {
      const reads = await round(
        source,
        caches.map((c) => c.id)
      );
      expect(reads.map((read) => read.status.id)).toEqual(caches.map((c) => c.id));
      expect(reads.map((read) => read.status.executions['full-refresh']?.cachedRecords)).toEqual(caches.map((_, i) => i));
    }
    expect(statusRequests()).toHaveLength(3);
    expect(source.stats).toMatchObject({ ticks: 3, listReads: 3, fallbackReads: 0, maxRequestsPerTick: 1 });
  });

  test('the catalog-level list once the caches are known to share a catalog, the project-wide one otherwise; never the schema-level one', async () => {
    sim.deviate('schema-list-500');
    const [a, b] = cachesOf('cat-shared', 2);
    const [other] = cachesOf('cat-other', 1);
    const source = new SharedStatusSource(client);
    await round(source, [a.id, b.id]);
    await round(source, [a.id, b.id]);
    await round(source, [a.id, other.id]);
    expect(listRequests().map((r) => r.path.replace(/^.*\/projects\/[^/]+/, ''))).toEqual([
      '/cache/status',
      '/catalog/cat-shared/cache/status',
      '/cache/status'
    ]);
    expect(sim.requests.some((r) => r.path.includes('/schema/'))).toBe(false);
  });

  test('a cache missing from the list is read on its own; the others still get the list', async () => {
    const [a, b, gone] = cachesOf('cat-missing', 3);
    sim.fault({ type: 'reshape', path: /\/cache\/status$/, reshape: (json) => (json as { id: string }[]).filter((c) => c.id !== gone.id) });
    const source = new SharedStatusSource(client);
    const reads = await round(source, [a.id, b.id, gone.id]);
    expect(reads.map((r) => r.status.id)).toEqual([a.id, b.id, gone.id]);
    expect(listRequests()).toHaveLength(1);
    expect(singleRequests().map((r) => r.path)).toEqual([expect.stringContaining(`/cache/${gone.id}/status`)]);
    expect(source.stats.maxRequestsPerTick).toBe(2);
  });

  test(`when the list fails, the caches due are read on their own; after ${LIST_FAILURES_TO_GIVE_UP} failures in a row it is given up, with a warning`, async () => {
    const caches = cachesOf('cat-failing', 4);
    const ids = caches.map((c) => c.id);
    sim.fault({ type: 'status', status: 503, path: /\/cache\/status$/, times: LIST_FAILURES_TO_GIVE_UP });
    const warnings: string[] = [];
    const source = new SharedStatusSource(client, { warn: (line) => warnings.push(line) });
    for (let r = 0; r < LIST_FAILURES_TO_GIVE_UP + 1; r++) expect((await round(source, ids)).map((read) => read.status.id)).toEqual(ids);
    expect(listRequests()).toHaveLength(LIST_FAILURES_TO_GIVE_UP);
    expect(singleRequests()).toHaveLength(ids.length * (LIST_FAILURES_TO_GIVE_UP + 1));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Reading the caches' statuses through one list failed 3 times in a row \(.*503.*\); each cache's status is read on its own from now on\.$/
      )
    ]);
  });

  test('a cache that wants its read later is served by an earlier read made for another cache', async () => {
    const [a, b] = cachesOf('cat-early', 2);
    const source = new SharedStatusSource(client);
    const now = Date.now();
    const [first, second] = await Promise.all([source.read(a.id, now + 100, soon()), source.read(b.id, now + 20_000, soon())]);
    expect(second.readAt).toBe(first.readAt);
    expect(second.readAt).toBeLessThan(now + 20_000);
    expect(statusRequests()).toHaveLength(1);
  });

  test('a read waiting for its time ends when the run is cancelled, without a request', async () => {
    const [a] = cachesOf('cat-abort', 1);
    const controller = new AbortController();
    const pending = new SharedStatusSource(client).read(a.id, Date.now() + 30_000, soon(), controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(statusRequests()).toHaveLength(0);
  });

  test('once no cache waits any more, no timer of the source is left to hold the process open', async () => {
    const clock = new VirtualClock();
    const source = new SharedStatusSource(client, { clock });
    const controller = new AbortController();
    const pending = source.read('any', 30_000, 60_000, controller.signal);
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pending).toBe(1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pending).toBe(0);
  });
});

test('one cache: its own status endpoint, read no sooner than asked', async () => {
  const [a] = cachesOf('cat-direct', 1);
  const at = Date.now() + 300;
  const read = await new DirectStatusSource(client).read(a.id, at, soon());
  expect(read.readAt).toBeGreaterThanOrEqual(at);
  expect(read.status.id).toBe(a.id);
  expect(singleRequests()).toHaveLength(1);
});
