/**
 * Hostile answers: the peak RSS of `node dist/index.js` (status operation, timeout 5s,
 * request-timeout 2s) against an endless body and a 2 MB gzip bomb (2 GiB of zeros), and the time
 * to reduce an HTML error page of 100,000 '<' to a message.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageFromBody } from '../src/peaka/errors.js';
import { startHostile, type Answer } from '../simulator/hostile-server.js';
import { ROOT, runAction } from '../scripts/action-runner.js';

export interface HostileRow {
  name: string;
  peakRssBytes: number;
  seconds: number;
  requests: number;
  message: string;
}

export interface HostileFigures {
  rows: HostileRow[];
  /** Median time of messageFromBody on the whole 100,000-'<' page (no cap applied), in ms. */
  stripMedianMs: number;
  node: string;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function runHostileBench(node = process.execPath): Promise<HostileFigures> {
  const cases: [string, Answer][] = [
    ['endless JSON body (unthrottled)', { endless: true }],
    ['gzip bomb: 2 MB on the wire, 2 GiB of zeros', { gzipMembers: 128 }],
    ['endless error body (HTTP 500)', { endless: true, status: 500 }]
  ];
  const rows: HostileRow[] = [];
  for (const [name, answer] of cases) {
    const server = await startHostile(() => answer);
    const dir = mkdtempSync(join(tmpdir(), 'peaka-hostile-'));
    const rssFile = join(dir, 'rss');
    const started = Date.now();
    const run = await runAction(
      {
        operation: 'status',
        'api-key': 'bench-hostile-key-77',
        'project-id': 'mtKDhe1U',
        'cache-id': '960bd651-7b3c-4511-9a88-18e14ac7742a',
        'api-url': server.url,
        timeout: '5s',
        'request-timeout': '2s'
      },
      { node, env: { NODE_OPTIONS: `--import ${join(ROOT, 'bench', 'rss-hook.mjs')}`, RSS_FILE: rssFile }, timeoutMs: 60_000 }
    );
    rows.push({
      name,
      peakRssBytes: Number(readFileSync(rssFile, 'utf8')),
      seconds: (Date.now() - started) / 1000,
      requests: server.requests.length,
      message: run.annotations.at(-1)?.message.split('. ')[0] ?? `exit ${run.code}`
    });
    await server.close();
  }

  const page = `<html><head><title>${'<'.repeat(100_000)}</title></head></html>`;
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = process.hrtime.bigint();
    messageFromBody(page);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const { execFileSync } = await import('node:child_process');
  return { rows, stripMedianMs: median(times), node: execFileSync(node, ['--version']).toString().trim() };
}
