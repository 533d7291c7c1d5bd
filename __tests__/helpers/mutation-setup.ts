/**
 * In mutation runs only (stryker.config.mjs, instead of the contract setup the pure modules do not
 * need). A mutant is killed by any failure, so a property that fails ends at its first
 * counterexample without shrinking it; and each property stops after a second of runs (passing),
 * so that a run of a module's tests costs seconds, not a minute, on a shared machine. The scores are
 * therefore a lower bound: `npm test` runs every property in full.
 */
import fc from 'fast-check';

fc.configureGlobal({ endOnFailure: true, interruptAfterTimeLimit: 1_000 });
