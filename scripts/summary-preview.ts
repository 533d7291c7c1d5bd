/**
 * npm run summary-preview: runs the action against the simulator for a success, a failure, a
 * timeout and a cancel, and writes their job summaries into one HTML page (.bench/summaries.html)
 * to look at in a browser, e.g. chromium --headless --screenshot.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../simulator/peaka-simulator.js';
import { ROOT, runAction } from './action-runner.js';

const key = 'preview-key-1234';
const sim = await startSimulator({ partnerKeys: [key], defaultPlan: { durationMs: 1_500, records: 48_210 } });
const base = { 'api-key': key, 'project-id': 'mtKDhe1U', 'api-url': sim.url, 'poll-interval': '2s' };
const cases: [string, () => Promise<string>][] = [
  [
    'Success',
    async () => {
      const c = sim.addCache({ schemaName: 'payment', tableName: 'customers', previous: { 'full-refresh': {} } });
      return (await runAction({ ...base, operation: 'full-refresh', 'cache-id': c.id })).summary;
    }
  ],
  [
    'Failure',
    async () => {
      const c = sim.addCache({ schemaName: 'sales', tableName: 'orders<script>' });
      sim.planNext(c.id, 'incremental', { outcome: 'FAILED', error: 'Source table sales.orders is unreachable: connection refused' });
      return (await runAction({ ...base, operation: 'incremental', 'cache-id': c.id })).summary;
    }
  ],
  [
    'Timeout',
    async () => {
      const c = sim.addCache({ schemaName: 'crm', tableName: 'contacts' });
      sim.planNext(c.id, 'full-refresh', { durationMs: 60_000 });
      return (await runAction({ ...base, operation: 'full-refresh', 'cache-id': c.id, timeout: '3s', 'cancel-on-timeout': 'true' }))
        .summary;
    }
  ],
  [
    'Many caches, one failed',
    async () => {
      const ids = ['orders', 'refunds', 'payouts'].map((t) => sim.addCache({ schemaName: 'billing', tableName: t }).id);
      sim.planNext(ids[1], 'full-refresh', { outcome: 'FAILED', error: 'Permission denied on billing.refunds' });
      return (await runAction({ ...base, operation: 'full-refresh', 'cache-id': ids.join(',') })).summary;
    }
  ],
  [
    'History',
    async () => {
      const c = sim.addCache({
        schemaName: 'crm',
        tableName: 'accounts',
        previous: { 'full-refresh': { records: 9_120, durationMs: 95_000 }, incremental: { records: 210, durationMs: 4_000 } }
      });
      return (await runAction({ ...base, operation: 'history', 'cache-id': c.id })).summary;
    }
  ],
  [
    'Cancel',
    async () => {
      const c = sim.addCache({ schemaName: 'crm', tableName: 'deals' });
      sim.startScheduled(c.id, 'full-refresh', { durationMs: 60_000 });
      return (await runAction({ ...base, operation: 'cancel-full-refresh', 'cache-id': c.id })).summary;
    }
  ]
];
const sections: string[] = [];
for (const [title, run] of cases) sections.push(`<section><h1 class="case">${title}</h1>${await run()}</section>`);
await sim.close();
const style = `body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#1f2328;max-width:1000px;margin:16px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d1d9e0;padding:6px 13px}th{background:#f6f8fa}
code{background:#eff1f3;padding:2px 4px;border-radius:4px;font-size:85%}h1.case{font-size:12px;color:#59636e;text-transform:uppercase;margin-top:28px}`;
mkdirSync(join(ROOT, '.bench'), { recursive: true });
const file = join(ROOT, '.bench', 'summaries.html');
writeFileSync(file, `<!doctype html><meta charset="utf-8"><style>${style}</style>${sections.join('\n')}`);
console.log(file);
