/**
 * Property: whatever malformed value any input gets, the bundled action refuses it before sending
 * anything, with a message naming the input, and without a stack trace.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { PARTNER_KEY, baseInputs, runAction } from './helpers/run-action.js';

let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [PARTNER_KEY] });
});
afterAll(() => sim.close());

/** Each input with values it must refuse. */
const BAD: Record<string, fc.Arbitrary<string>> = {
  operation: fc
    .string({ minLength: 1 })
    .filter(
      (s) =>
        !/^\s*(full-refresh|incremental|status|cancel-full-refresh|cancel-incremental|create|wait|update-schedule|delete|history)\s*$/i.test(
          s
        ) && s.trim() !== ''
    ),
  'cache-id': fc.string({ minLength: 1 }).filter(
    (s) =>
      s.trim() !== '' &&
      !s
        .split(/[\s,]+/)
        .filter(Boolean)
        .every((id) => /^[0-9a-f-]{36}$/i.test(id))
  ),
  'project-id': fc.string({ minLength: 1 }).filter((s) => s.trim() !== '' && !/^[A-Za-z0-9_.-]{1,128}$/.test(s.trim())),
  region: fc.string({ minLength: 1 }).filter((s) => s.trim() !== '' && !/^(us|eu)$/i.test(s.trim())),
  'api-url': fc.oneof(
    fc.constantFrom('http://10.1.2.3/api', 'ftp://x.example', 'https://u:p@x.example', 'not a url', 'https://x.example/?q=1'),
    // plain http to any host but loopback
    fc
      .domain()
      .filter((d) => d !== 'localhost')
      .map((d) => `http://${d}/api/v1`)
  ),
  wait: fc.string({ minLength: 1 }).filter((s) => s.trim() !== '' && !/^(true|false)$/i.test(s.trim())),
  timeout: fc.oneof(
    fc.constantFrom('0', '10d', '-5s', 'PT', 'soon', '1x'),
    fc.string({ minLength: 1 }).filter((s) => /[a-oq-z]/i.test(s) && !/^\s*\d/.test(s))
  ),
  'poll-interval': fc.constantFrom('0', '2h', 'fast', '-1'),
  'stall-timeout': fc.constantFrom('-1', 'never', '500ms', '6d', 'PT'),
  'max-parallel': fc.oneof(fc.constantFrom('0', '257', '2.5', 'many'), fc.integer({ min: 257, max: 10_000 }).map(String)),
  'if-running': fc.string({ minLength: 1 }).filter((s) => s.trim() !== '' && !/^(queue|attach|skip|cancel)$/i.test(s.trim())),
  'history-limit': fc.constantFrom('0', '101', 'all', '1e3')
};

test('any malformed input: refused before any request, message names the input, no stack trace', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...Object.keys(BAD)), fc.nat(), async (input, seed) => {
      const value = fc.sample(BAD[input], { seed, numRuns: 1 })[0];
      const before = sim.requests.length;
      const run = await runAction(
        baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': '960bd651-7b3c-4511-9a88-18e14ac7742a', [input]: value })
      );
      expect({ input, value, code: run.code }).toEqual({ input, value, code: 1 });
      expect({ input, value, requests: sim.requests.length - before }).toEqual({ input, value, requests: 0 });
      const error = run.annotations.find((a) => a.level === 'error')?.message ?? '';
      expect({ input, value, named: error.includes(`'${input}'`) }).toEqual({ input, value, named: true });
      expect(run.stdout + run.stderr).not.toMatch(/\n\s+at \S+ \(/);
    }),
    { numRuns: 30 }
  );
}, 120_000);

test('inputs spelled as Peaka’s API names them (projectId:, cacheId:) are named in the error, or in a warning when the step can run without them', async () => {
  // What the runner sets for `projectId: mtKDhe1U` in a step's `with:`: INPUT_PROJECTID, not INPUT_PROJECT-ID.
  const { 'project-id': projectId, ...withoutProject } = baseInputs(sim.url, {
    operation: 'full-refresh',
    'cache-id': '960bd651-7b3c-4511-9a88-18e14ac7742a'
  });
  const before = sim.requests.length;
  const refused = await runAction({ ...withoutProject, projectId });
  expect(refused.code).toBe(1);
  expect(sim.requests.length - before).toBe(0);
  expect(refused.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
    "Input 'project-id' is required: the id of the Peaka project that owns the cache (e.g. mtKDhe1U). You passed projectId (the runner's INPUT_PROJECTID); inputs are spelled project-id."
  ]);

  // cacheId next to tables: the step runs on tables, and says that cacheId was not read.
  const cache = sim.addCache({ schemaName: 'payment', tableName: 'invoices' });
  const ran = await runAction(baseInputs(sim.url, { operation: 'status', tables: 'payment.invoices', cacheId: cache.id }));
  expect(ran.code).toBe(0);
  expect(ran.outputs['cache-id']).toBe(cache.id);
  expect(ran.annotations).toContainEqual({
    level: 'warning',
    message:
      "Input 'cache-id' was passed as cacheId (the runner's INPUT_CACHEID), which this action does not read, so its value is not used: inputs are spelled cache-id."
  });
}, 60_000);
