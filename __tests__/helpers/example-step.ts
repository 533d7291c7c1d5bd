/**
 * The inputs an example workflow passes to the action, as the runner would: the `with:` of its
 * step that uses the action, the key secret put in, and the API pointed at the simulator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

type Step = { uses?: string; with?: Record<string, unknown> };
type Workflow = { jobs: Record<string, { steps?: Step[] }> };

export function exampleInputs(file: string, apiKey: string, apiUrl: string): Record<string, string> {
  const workflow = parse(readFileSync(join(import.meta.dirname, '..', '..', 'examples', file), 'utf8')) as Workflow;
  const step = Object.values(workflow.jobs)
    .flatMap((job) => job.steps ?? [])
    .find((s) => s.uses?.startsWith('your-org/peaka-cache-action@'));
  if (!step?.with) throw new Error(`${file}: no step uses the action`);
  const inputs = Object.fromEntries(Object.entries(step.with).map(([name, value]) => [name, String(value)]));
  return {
    ...inputs,
    'api-key': inputs['api-key'] === '${{ secrets.PEAKA_API_KEY }}' ? apiKey : inputs['api-key'],
    'api-url': apiUrl,
    'poll-interval': '2s'
  };
}
