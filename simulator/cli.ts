/**
 * npm run simulator: the Peaka simulator on its own, for trying the action by hand.
 *   PORT=8080 npm run simulator
 * Prints the api-url, a partner key and a cache id to use; runs until Ctrl-C.
 */
import { PeakaSimulator } from './peaka-simulator.js';

const key = process.env.SIM_API_KEY ?? 'sim-partner-key-0001';
const sim = await new PeakaSimulator({
  partnerKeys: [key],
  defaultPlan: { durationMs: Number(process.env.SIM_DURATION_MS ?? 20_000), records: 25_000, appearDelayMs: 300 }
}).start(Number(process.env.PORT ?? 0));
const cache = sim.addCache({
  id: process.env.SIM_CACHE_ID || undefined,
  schemaName: 'payment',
  tableName: 'customers',
  previous: { 'full-refresh': { durationMs: 20_000, records: 24_800 } }
});
console.log(`Peaka simulator listening.
  api-url:    ${sim.url}
  api-key:    ${key}
  project-id: ${cache.projectId}
  cache-id:   ${cache.id}   (payment.customers)
Ctrl-C to stop.`);
process.on('SIGINT', () => void sim.close().then(() => process.exit(0)));
