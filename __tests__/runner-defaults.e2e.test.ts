/**
 * What a workflow step that passes only the required inputs really gets on a runner: every default
 * of action.yml as INPUT_* too (the harness reads them from action.yml). Each operation must work.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { actionDefaults, inputVariable, parseCommandFile } from '../scripts/action-runner.js';
import { PARTNER_KEY, PROJECT_ID, runAction } from './helpers/run-action.js';

let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [PARTNER_KEY], defaultPlan: { durationMs: 600, records: 1_000, appearDelayMs: 200 } });
});
afterAll(() => sim.close());

/** Only what action.yml marks required, plus what the operation itself needs, and the simulator's URL. */
const required = (operation: string, own: Record<string, string>) => ({
  operation,
  'api-key': PARTNER_KEY,
  'project-id': PROJECT_ID,
  'api-url': sim.url,
  ...own
});

const cases: [string, () => Record<string, string>][] = [
  ['full-refresh', () => ({ 'cache-id': sim.addCache({ previous: { 'full-refresh': {} } }).id })],
  ['incremental', () => ({ 'cache-id': sim.addCache({ previous: { incremental: {} } }).id })],
  ['status', () => ({ 'cache-id': sim.addCache({ previous: { 'full-refresh': {} } }).id })],
  ['wait', () => ({ 'cache-id': sim.addCache({ previous: { 'full-refresh': {} } }).id })],
  ['cancel-full-refresh', () => ({ 'cache-id': sim.addCache({ previous: { 'full-refresh': {} } }).id })],
  ['cancel-incremental', () => ({ 'cache-id': sim.addCache({ previous: { incremental: {} } }).id })],
  ['history', () => ({ 'cache-id': sim.addCache({ previous: { 'full-refresh': {}, incremental: {} } }).id })],
  ['update-schedule', () => ({ 'cache-id': sim.addCache().id, 'full-refresh-schedule': 'PT6H' })],
  ['create', () => ({ 'catalog-id': '627249916703408649', 'schema-name': 'payment', 'table-name': `runner_defaults_${Date.now()}` })],
  [
    'delete',
    () => {
      const id = sim.addCache().id;
      return { 'cache-id': id, 'confirm-delete': id };
    }
  ]
];

test.concurrent.each(cases)('%s succeeds with only its required inputs and every action.yml default set', async (operation, own) => {
  const inputs = required(operation, own());
  const run = await runAction(inputs);
  expect({ operation, code: run.code, errors: run.annotations.filter((a) => a.level === 'error') }).toEqual({
    operation,
    code: 0,
    errors: []
  });
  const result = JSON.parse(run.outputs.result);
  // history's result is the list of executions; every other operation's is one object with its conclusion.
  if (operation === 'history') expect(result).toHaveLength(2);
  else expect(result).toMatchObject({ conclusion: 'success' });
});

test.concurrent.each([
  'full-refresh',
  'incremental',
  'status',
  'wait',
  'cancel-full-refresh',
  'cancel-incremental',
  'history',
  'update-schedule'
])('%s chooses its cache by table name with every other default set', async (operation) => {
  const cache = sim.addCache({
    catalogId: `defaults-${operation}`,
    schemaName: 'by_name',
    previous: { 'full-refresh': {}, incremental: {} }
  });
  const run = await runAction(
    required(operation, {
      tables: `by_name.${cache.tableName}`,
      'catalog-id': cache.catalogId,
      ...(operation === 'update-schedule' ? { 'incremental-schedule': 'PT1H' } : {})
    })
  );
  expect({ operation, code: run.code, errors: run.annotations.filter((a) => a.level === 'error') }).toEqual({
    operation,
    code: 0,
    errors: []
  });
  expect(run.outputs['cache-id']).toBe(cache.id);
});

test('the harness sets every default action.yml declares, with github.token evaluated', () => {
  const defaults = actionDefaults();
  expect(defaults).toMatchObject({
    'execution-type': 'any',
    'if-running': 'queue',
    wait: 'true',
    'sql-dialect': 'postgresql',
    'default-schema': 'public',
    'allow-no-match': 'false'
  });
  expect(defaults['github-token']).toMatch(/^ghs_/);
  expect(inputVariable('execution-type')).toBe('INPUT_EXECUTION-TYPE');
});

test('state files are read in both forms the runner accepts', () => {
  const file = 'started=[{"cacheId":"a"}]\nplain=x=y\nmulti<<ghadelimiter_1\nline 1\nline 2\nghadelimiter_1\n';
  expect(parseCommandFile(file)).toEqual({ started: '[{"cacheId":"a"}]', plain: 'x=y', multi: 'line 1\nline 2' });
});
