/** errors.ts: which failures reach the user as they are, and which are reported as unexpected. */
import { describe, expect, test } from '@jest/globals';
import { ActionError, errorMessage } from '../src/errors.js';
import { InputError } from '../src/inputs.js';
import { PeakaApiError } from '../src/peaka/errors.js';

describe('errorMessage', () => {
  test('an ActionError, an InputError and a PeakaApiError are shown as they are: they say what to do', () => {
    expect(errorMessage(new ActionError('Table sales.x cannot be cached.'))).toBe('Table sales.x cannot be cached.');
    expect(errorMessage(new InputError(['Input \'timeout\' is "soon".']))).toBe('Input \'timeout\' is "soon".');
    const api = new PeakaApiError({ kind: 'http', action: 'reading the status of cache c', status: 404 });
    expect(errorMessage(api)).toBe(api.message);
    expect(api.message).toMatch(/^Failed reading the status of cache c: Peaka answered HTTP 404/);
  });

  test('anything else is an unexpected error, reported with what it said, and asks for a report', () => {
    expect(errorMessage(new TypeError('x is not a function'))).toBe(
      'Unexpected error: x is not a function. Please report it with the log of this step.'
    );
    expect(errorMessage('a thrown string')).toBe('Unexpected error: a thrown string. Please report it with the log of this step.');
  });

  test('an InputError is an ActionError: whoever catches one shows the input problem, never "unexpected"', () => {
    expect(new InputError(['a', 'b'])).toBeInstanceOf(ActionError);
    expect(new InputError(['a', 'b']).message).toBe('2 inputs need fixing:\n  - a\n  - b');
  });
});
