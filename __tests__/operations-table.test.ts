/**
 * operations/table.ts: the one table of operations. What a maintainer relies on is that the
 * compiler, not a run, says what a new operation still needs.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPERATIONS } from '../src/inputs.js';
import { OPERATION_TABLE, titleOf } from '../src/operations/table.js';
import { ROOT } from '../scripts/action-runner.js';

/** Type-checks a copy of src/ (after `change`), as `npm run typecheck` checks src/. */
function typecheckCopy(change: (dir: string) => void): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'operation-table-'));
  try {
    cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ ...tsconfig, include: ['src'] }));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    change(dir);
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
    return { status: tsc.status, output: tsc.stdout + tsc.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the operation table', () => {
  test('an operation added to OPERATIONS does not compile until parseInputs and the table handle it', () => {
    // The copy as it is compiles: what fails below is the new operation, not the copy.
    expect(typecheckCopy(() => undefined)).toMatchObject({ status: 0 });
    const added = typecheckCopy((dir) => {
      const file = join(dir, 'src', 'inputs.ts');
      const text = readFileSync(file, 'utf8');
      const end = /'history'\s*\] as const;/;
      expect(text).toMatch(end);
      writeFileSync(file, text.replace(end, "'history', 'validate'] as const;"));
    });
    expect(added.status).not.toBe(0);
    // The table lacks its entry, and parseInputs its branch.
    expect(added.output).toMatch(/src\/operations\/table\.ts\(\d+,\d+\): error TS\d+: .*'validate'/);
    expect(added.output).toMatch(
      /src\/inputs\.ts\(\d+,\d+\): error TS\d+: Argument of type '"validate"' is not assignable to parameter of type 'never'/
    );
  }, 120_000);

  test('every operation has a title the summary and annotations show, and acts on caches unless it makes one', () => {
    expect(Object.keys(OPERATION_TABLE).sort()).toEqual([...OPERATIONS].sort());
    for (const operation of OPERATIONS) {
      expect(titleOf(operation)).toMatch(/^[A-Z][a-z]+( [a-z]+)*$/);
      expect(OPERATION_TABLE[operation].targets).toBe(operation === 'create' ? 'new' : 'caches');
    }
    expect(titleOf('full-refresh')).toBe('Full refresh');
    // A name from elsewhere (an older state) is shown as it is.
    expect(titleOf('validate')).toBe('validate');
  });
});
