import { describe, expect, test } from '@jest/globals';
import { PeakaApiError, isRetryableStatus, messageFromBody } from '../src/peaka/errors.js';
import { addSecret } from '../src/safe-text.js';

describe('messageFromBody reduces every error body shape to one line', () => {
  test.each([
    ['{"error": "Not Found", "message": "Cache not found", "errorCode": null}', 'Cache not found - Not Found'],
    ['{"errorCode": 100, "message": "Invalid API key"}', 'Invalid API key (error code 100)'],
    ['{"message": "same", "error": "same"}', 'same'],
    [
      '<!doctype html><html><head><title>HTTP Status 500 – Internal Server Error</title></head><body>NPE</body></html>',
      'HTTP Status 500 – Internal Server Error (HTML error page)'
    ],
    ['<html><body><h1>Bad <b>Gateway</b></h1></body></html>', 'Bad Gateway (HTML error page)'],
    ['upstream connect error\n  or disconnect', 'upstream connect error or disconnect'],
    ['{"unrelated": true}', undefined],
    ['{not json', '{not json'],
    ['', undefined],
    ['   ', undefined]
  ])('%j', (body, expected) => expect(messageFromBody(body)).toBe(expected));

  test('a huge body is cut to 200 characters', () => {
    expect(messageFromBody('x'.repeat(5000))!.length).toBe(200);
  });

  test('the key is redacted before the message is cut, so no part of it is left at the cut', () => {
    const key = 'pk-redact-first-0042';
    addSecret(key);
    for (let at = 180; at < 200; at++) {
      for (const body of [`${'x'.repeat(at)}${key} tail`, JSON.stringify({ message: `${'x'.repeat(at)}${key} tail` })]) {
        expect(messageFromBody(body)).not.toContain(key.slice(0, 6));
      }
    }
  });

  test('a title of 100,000 "<" is read in one pass', () => {
    expect(messageFromBody(`<html><title>Bad ${'<'.repeat(100_000)}</title></html>`)).toBe('Bad (HTML error page)');
  });
});

describe('PeakaApiError messages say what happened and what to check', () => {
  test.each([
    [401, 'Partner API key'],
    [403, 'Project API key of this very project'],
    [404, 'Check cache-id and project-id'],
    [409, 'already exists'],
    [503, 're-run the job later']
  ])('HTTP %d', (status, hint) => {
    const error = new PeakaApiError({ kind: 'http', action: 'reading the status of cache c1', status, peakaMessage: 'nope' });
    expect(error.message).toContain('Failed reading the status of cache c1: Peaka answered HTTP');
    expect(error.message).toContain(`${status}: nope`);
    expect(error.message).toContain(hint);
  });

  test('network failures point at the URL and the proxy settings', () => {
    const error = new PeakaApiError({ kind: 'network', action: 'starting a full refresh', cause: 'ECONNREFUSED', attempts: 6 });
    expect(error.message).toBe(
      'Failed starting a full refresh: Peaka could not be reached (ECONNREFUSED) after 6 attempts. Check api-url or region, and on self-hosted runners HTTPS_PROXY/NO_PROXY; then re-run the job.'
    );
    expect(error.ambiguous).toBe(true);
  });

  test('only lost answers are ambiguous', () => {
    expect(new PeakaApiError({ kind: 'http', action: 'a', status: 502 }).ambiguous).toBe(true);
    expect(new PeakaApiError({ kind: 'timeout', action: 'a' }).ambiguous).toBe(true);
    expect(new PeakaApiError({ kind: 'http', action: 'a', status: 409 }).ambiguous).toBe(false);
  });

  test('retryable statuses', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409].some(isRetryableStatus)).toBe(false);
  });
});
