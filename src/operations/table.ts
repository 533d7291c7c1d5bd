/**
 * The one table of operations: each one's title and how it runs. Its type is built from OPERATIONS
 * and the Inputs union (inputs.ts), so an operation added to OPERATIONS does not compile until it
 * has an inputs variant, a branch in parseInputs, and an entry here (docs/development.md walks
 * through adding one).
 */
import type { Inputs, Operation } from '../inputs.js';
import { cancel } from './cancel.js';
import type { CacheResult, OperationContext } from './context.js';
import { history, inspect } from './inspect.js';
import { create, deleteCache, updateSchedule } from './lifecycle.js';
import { trigger } from './trigger.js';

/** The inputs variant of one operation. */
export type InputsOf<O extends Operation> = Extract<Inputs, { operation: O }>;

export interface OperationSpec<O extends Operation> {
  /** How the summary, the annotations and the log name it. */
  title: string;
  /**
   * `caches`: it acts on existing caches (cache-id, catalog-id/schema-name, tables, tables-from),
   * once per cache. `new`: it makes its cache (create), and runs once with no cache id.
   */
  targets: O extends 'create' ? 'new' : 'caches';
  run: (ctx: OperationContext<InputsOf<O>>, cacheId: string | undefined) => Promise<CacheResult>;
}

/** A cache id, for an operation on existing caches (batch.ts passes one to every such operation). */
function onCache<I extends Inputs>(run: (ctx: OperationContext<I>, cacheId: string) => Promise<CacheResult>) {
  return (ctx: OperationContext<I>, cacheId: string | undefined): Promise<CacheResult> => {
    if (cacheId === undefined) throw new Error(`operation ${ctx.inputs.operation} needs a cache id`);
    return run(ctx, cacheId);
  };
}

export const OPERATION_TABLE: { readonly [O in Operation]: OperationSpec<O> } = {
  'full-refresh': { title: 'Full refresh', targets: 'caches', run: onCache(trigger) },
  incremental: { title: 'Incremental sync', targets: 'caches', run: onCache(trigger) },
  status: { title: 'Status', targets: 'caches', run: onCache(inspect) },
  'cancel-full-refresh': { title: 'Cancel full refresh', targets: 'caches', run: onCache(cancel) },
  'cancel-incremental': { title: 'Cancel incremental sync', targets: 'caches', run: onCache(cancel) },
  create: { title: 'Create cache', targets: 'new', run: (ctx) => create(ctx) },
  wait: { title: 'Wait', targets: 'caches', run: onCache(inspect) },
  'update-schedule': { title: 'Update schedule', targets: 'caches', run: onCache(updateSchedule) },
  delete: { title: 'Delete cache', targets: 'caches', run: onCache(deleteCache) },
  history: { title: 'History', targets: 'caches', run: onCache(history) }
};

/** The table's entry for the inputs' operation, typed for those inputs (the one cast TypeScript needs for a union). */
export function specOf<I extends Inputs>(
  inputs: I
): OperationSpec<I['operation']> & { run: (ctx: OperationContext<I>, cacheId: string | undefined) => Promise<CacheResult> } {
  return OPERATION_TABLE[inputs.operation] as unknown as OperationSpec<I['operation']> & {
    run: (ctx: OperationContext<I>, cacheId: string | undefined) => Promise<CacheResult>;
  };
}

/** The title of an operation, for the summary and annotations. */
export const titleOf = (operation: string): string =>
  operation in OPERATION_TABLE ? OPERATION_TABLE[operation as Operation].title : operation;
