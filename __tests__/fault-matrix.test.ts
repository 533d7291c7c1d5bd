/**
 * The fault matrix: every operation against every fault on every endpoint it calls.
 * A cell passes when the step ends correctly (each fault here is transient, so the operation
 * must succeed), no second execution or cache is started, and the API key is nowhere in the
 * log, the message, the result or the summary. The matrix is printed as a table.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import type { Fault } from '../simulator/peaka-simulator.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { VirtualClock } from '../src/virtual-clock.js';
import { operationInputs, runOn } from './helpers/run-operation.js';

const KEY = 'pk-matrix-3c9be7d1';
const FAULTS: Record<string, Omit<Fault, 'path' | 'method'>> = {
  '429 Retry-After': { type: 'status', status: 429, retryAfter: '1' },
  '500 HTML': { type: 'status', status: 500, body: 'html' },
  '502 no body': { type: 'status', status: 502, body: 'empty' },
  '503 JSON': { type: 'status', status: 503 },
  dropped: { type: 'drop' },
  hangs: { type: 'hang' },
  'bad JSON': { type: 'malformed' },
  'empty body': { type: 'empty' }
};

interface Endpoint {
  operation: string;
  endpoint: string;
  method: string;
  path: (cacheId: string) => string | RegExp;
}
const status = (operation: string): Endpoint => ({ operation, endpoint: 'GET status', method: 'GET', path: (id) => `${id}/status` });
const post = (operation: string, action: string): Endpoint => ({
  operation,
  endpoint: `POST ${action}`,
  method: 'POST',
  path: (id) => `${id}/${action}`
});
const ENDPOINTS: Endpoint[] = [
  status('full-refresh'),
  post('full-refresh', 'fullRefreshUpdate'),
  status('incremental'),
  post('incremental', 'incrementalUpdate'),
  status('status'),
  status('cancel-full-refresh'),
  post('cancel-full-refresh', 'cancelFullRefreshUpdate'),
  status('cancel-incremental'),
  post('cancel-incremental', 'cancelIncrementalUpdate'),
  { operation: 'create', endpoint: 'POST cache', method: 'POST', path: () => /\/cache$/ },
  { operation: 'create', endpoint: 'GET status', method: 'GET', path: (id) => `${id}/status` }
];

/** The simulator and the step share a virtual clock: their waits take no real time. */
const clock = new VirtualClock(Date.now());
const runOperationIn = runOn(clock);
let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { durationMs: 600, appearDelayMs: 200, records: 2_500 }, clock });
});
afterAll(() => sim.close());

interface Cell {
  ok: boolean;
  note: string;
}

async function runCell(ep: Endpoint, faultName: string, index: number): Promise<Cell> {
  const fault = FAULTS[faultName];
  const base = operationInputs(sim.url, KEY, { 'request-timeout': '1s' }, '90s');
  let inputs: Record<string, string>;
  let cacheId = '';
  let expectStatus = 'COMPLETED';
  const table = `matrix_${index}`;
  if (ep.operation === 'create') {
    // A create whose answer was lost finds its cache by the table: reusing it is what if-exists: reuse asks for.
    inputs = { ...base, operation: 'create', 'catalog-id': 'cm', 'schema-name': 'm', 'table-name': table, 'if-exists': 'reuse' };
    if (ep.endpoint === 'GET status') {
      // The new cache's id is known only once it exists: attach the fault right after the create.
      sim.createListeners.push((created) => {
        if (created.tableName === table) sim.fault({ ...fault, method: 'GET', path: `${created.id}/status` });
      });
    } else {
      sim.fault({ ...fault, method: ep.method, path: ep.path('') });
    }
  } else {
    const cache = sim.addCache({ tableName: table, previous: { 'full-refresh': {}, incremental: {} } });
    cacheId = cache.id;
    inputs = { ...base, operation: ep.operation, 'cache-id': cache.id };
    if (ep.operation.startsWith('cancel-')) {
      sim.startScheduled(cache.id, ep.operation === 'cancel-incremental' ? 'incremental' : 'full-refresh', { durationMs: 60_000 });
      expectStatus = 'CANCELLED';
    }
    sim.fault({ ...fault, method: ep.method, path: ep.path(cache.id) });
  }

  // A trigger whose answer was lost is looked for for the appearance grace before it is sent again: a
  // minute by default, shortened here (the simulator's executions appear within 200 ms).
  const run = await runOperationIn(inputs, {}, { appearanceGraceMs: 3_000 });
  const cache = cacheId ? sim.caches.get(cacheId)! : [...sim.caches.values()].find((c) => c.tableName === table);
  const caches = [...sim.caches.values()].filter((c) => c.tableName === table).length;
  const started = cache ? sim.startedExecutions(cache.id).length : 0;
  const expectedStarts = ep.operation === 'full-refresh' || ep.operation === 'incremental' || ep.operation === 'create' ? 1 : 0;
  const text = [...run.log, run.outcome.message, JSON.stringify(run.result), run.summary].join('\n');
  const problems = [
    run.outcome.conclusion !== 'success' ? `ended ${run.outcome.conclusion}: ${run.outcome.message}` : '',
    run.result.status !== expectStatus ? `status ${run.result.status}, expected ${expectStatus}` : '',
    started !== expectedStarts ? `${started} executions started` : '',
    caches !== 1 ? `${caches} caches` : '',
    text.includes(KEY) ? 'API key exposed' : ''
  ].filter(Boolean);
  return { ok: problems.length === 0, note: problems.length ? problems.join('; ') : `ok (${run.requests} req)` };
}

test('fault matrix: every operation survives every transient fault on every endpoint', async () => {
  const names = Object.keys(FAULTS);
  const cells = ENDPOINTS.flatMap((ep) => names.map((f) => ({ ep, f })));
  const results: Cell[] = new Array(cells.length);
  // Cells run in parallel, each on its own cache, in batches to keep the machine responsive.
  for (let i = 0; i < cells.length; i += 24) {
    await Promise.all(cells.slice(i, i + 24).map(async (c, j) => (results[i + j] = await runCell(c.ep, c.f, i + j))));
  }

  const header = ['operation', 'endpoint', ...names];
  const rows = ENDPOINTS.map((ep, r) => [ep.operation, ep.endpoint, ...names.map((_, c) => results[r * names.length + c].note)]);
  const table = [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
  process.stdout.write(`\nFault matrix (cell: outcome and requests sent)\n${table}\n\n`);
  if (process.env.FAULT_MATRIX_FILE) writeFileSync(process.env.FAULT_MATRIX_FILE, `${table}\n`);

  const failures = rows
    .flatMap((row) => row.slice(2).map((note, c) => ({ where: `${row[0]} / ${row[1]} / ${names[c]}`, note })))
    .filter((x) => !x.note.startsWith('ok'));
  expect(failures).toEqual([]);
}, 180_000);
