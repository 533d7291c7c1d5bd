/**
 * In mutation runs only (stryker.config.mjs, instead of the contract setup the pure modules do not
 * need): a property that fails ends at its first counterexample without shrinking it. A mutant is
 * killed by any failure; shrinking one would only spend the time of the run.
 */
import fc from 'fast-check';

fc.configureGlobal({ endOnFailure: true });
