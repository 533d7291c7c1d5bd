/**
 * The action against the built-in Peaka simulator, as a user would see it in a workflow log.
 *   npm run demo                              # full-refresh of a cache with a previous run
 *   npm run demo -- operation=incremental     # any input as name=value
 */
import { startSimulator } from '../simulator/peaka-simulator.js';
import { runAction } from './action-runner.js';

const key = 'demo-partner-key-7c1e';
const sim = await startSimulator({ partnerKeys: [key], defaultPlan: { durationMs: 6_000, records: 48_210, appearDelayMs: 300 } });
const cache = sim.addCache({
  schemaName: 'payment',
  tableName: 'customers',
  previous: { 'full-refresh': { durationMs: 6_000, records: 47_900 }, incremental: { durationMs: 2_000, records: 320 } }
});
// A second cache of the schema, for `npm run demo -- cache-id= schema-name=payment`.
sim.addCache({ schemaName: 'payment', tableName: 'invoices', previous: { 'full-refresh': { durationMs: 4_000, records: 12_000 } } });

const inputs: Record<string, string> = {
  operation: 'full-refresh',
  'api-key': key,
  'project-id': cache.projectId,
  'cache-id': cache.id,
  'api-url': sim.url,
  'poll-interval': '5s'
};
for (const arg of process.argv.slice(2)) {
  const [name, ...value] = arg.split('=');
  inputs[name] = value.join('=');
}
if (inputs.operation === 'create') delete inputs['cache-id'];
if (inputs.operation?.startsWith('cancel-'))
  sim.startScheduled(cache.id, inputs.operation === 'cancel-incremental' ? 'incremental' : 'full-refresh', { durationMs: 60_000 });

console.log(`Peaka simulator on ${sim.url}; cache ${cache.id} (payment.customers)`);
console.log(
  `Running: node dist/index.js with ${Object.entries(inputs)
    .map(([k, v]) => `${k}=${k === 'api-key' ? '***' : v}`)
    .join(' ')}\n`
);
const run = await runAction(inputs, { echo: true });
console.log('\n--- step outputs ---');
for (const [name, value] of Object.entries(run.outputs)) console.log(`${name}: ${value}`);
console.log('\n--- job summary (HTML) ---');
console.log(run.summary);
console.log(`exit code: ${run.code}; requests the simulator received: ${sim.requests.length}`);
await sim.close();
process.exitCode = run.code ?? 1;
