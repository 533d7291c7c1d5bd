import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '../scripts/action-runner.js';
import { formatDuration, parseDuration, parseInstant, parseIsoDuration } from '../src/duration.js';

describe('parseDuration', () => {
  test.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['500ms', 500],
    ['1.5s', 1_500],
    ['PT1H30M', 5_400_000],
    ['pt90s', 90_000],
    [' 2H ', 7_200_000],
    // Several digits in every unit, and fractions of more than one digit.
    ['1.5', 1_500],
    ['0.25', 250],
    ['30d', 2_592_000_000],
    ['12h', 43_200_000],
    ['1d12h30m15s', 131_415_000],
    ['1.25s', 1_250],
    ['1m500ms', 60_500]
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  test.each(['', 'soon', '1x', 'h', '-5s', '1h-30m', 'P', 'PT', 'P1W', '1m1h', 'x90', 'in 90s', '1.5.5', '90 s', '1.5m'])(
    '%j is not a duration',
    (text) => expect(parseDuration(text)).toBeUndefined()
  );
});

describe('parseIsoDuration', () => {
  test.each([
    ['PT15M', 900_000],
    ['PT6H', 21_600_000],
    ['P1D', 86_400_000],
    ['P1DT12H', 129_600_000],
    ['PT0.5S', 500],
    ['P10D', 864_000_000],
    ['PT0.25S', 250],
    [' PT15M\n', 900_000]
  ])('%s is %d ms', (text, ms) => expect(parseIsoDuration(text)).toBe(ms));

  test.each(['6h', 'P1Y', 'P1M', 'P1W', 'PT', 'P', 'P1DT', 'PT6H30', '1D', 'XPT6H', 'PT6HX', 'PT0.1234S'])(
    '%j is not what Peaka accepts',
    (text) => expect(parseIsoDuration(text)).toBeUndefined()
  );
});

test('formatDuration reads well at every scale', () => {
  expect(formatDuration(250)).toBe('250ms');
  expect(formatDuration(4_500)).toBe('4.5s');
  expect(formatDuration(42_000)).toBe('42s');
  expect(formatDuration(3_723_000)).toBe('1h 2m 3s');
  expect(formatDuration(-1)).toBe('-');
  expect(formatDuration(Number.NaN)).toBe('-');
});

test('formatDuration at the edges of each scale: a whole second, ten seconds, a minute', () => {
  expect([0, 999, 1_000, 9_949, 10_000, 59_499, 60_000, 3_600_000, 90_061_000].map(formatDuration)).toEqual([
    '0ms',
    '999ms',
    '1.0s',
    '9.9s',
    '10s',
    '59s',
    '1m',
    '1h',
    '25h 1m 1s'
  ]);
});

const run = promisify(execFile);

describe('parseInstant: the date-times of the API as instants', () => {
  const utc = (...parts: [number, number, number, number, number, number?, number?]) =>
    Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5] ?? 0, parts[6] ?? 0);

  test.each([
    ['2026-11-22T10:00:00Z', utc(2026, 11, 22, 10, 0)],
    ['2026-11-22t10:00:00z', utc(2026, 11, 22, 10, 0)],
    ['2026-11-22 10:00:00Z', utc(2026, 11, 22, 10, 0)],
    ['  2026-11-22T10:00:00Z\n', utc(2026, 11, 22, 10, 0)],
    // Seconds and the offset are optional; a time without an offset is UTC.
    ['2026-11-22T10:07Z', utc(2026, 11, 22, 10, 7)],
    ['2026-11-22T10:07:09', utc(2026, 11, 22, 10, 7, 9)],
    // Offsets with and without the colon, east and west.
    ['2026-11-22T12:00:00+02:00', utc(2026, 11, 22, 10, 0)],
    ['2026-11-22T12:00:00+0200', utc(2026, 11, 22, 10, 0)],
    ['2026-11-22T04:30:00-05:30', utc(2026, 11, 22, 10, 0)],
    ['2026-11-22T04:30-0530', utc(2026, 11, 22, 10, 0)],
    // Fractions: milliseconds kept, finer digits (Java's micro- and nanoseconds) dropped, not rounded.
    ['2026-11-22T10:00:00.5Z', utc(2026, 11, 22, 10, 0, 0, 500)],
    ['2026-11-22T10:00:00.25Z', utc(2026, 11, 22, 10, 0, 0, 250)],
    ['2026-11-22T10:00:00.123456789Z', utc(2026, 11, 22, 10, 0, 0, 123)],
    ['2026-11-22T10:00:00.9999+01:00', utc(2026, 11, 22, 9, 0, 0, 999)]
  ])('%j', (text, ms) => expect(parseInstant(text)).toBe(ms));

  test.each([
    undefined,
    '',
    'yesterday',
    '2026-11-22',
    '10:00:00Z',
    '2026-11-22T10Z',
    '2026-11-22T10:00:00ZZ',
    '2026-11-22T10:00:00+2',
    '2026-11-22T10:00:00 UTC',
    '2026-13-01T00:00:00Z',
    '2026-11-22T25:00:00Z',
    '26-11-22T10:00:00Z',
    'x2026-11-22T10:00:00Z'
  ])('%j is no instant', (text) => expect(parseInstant(text)).toBeUndefined());

  test('a time without an offset is UTC on a runner in any time zone (a self-hosted one may not be in UTC)', async () => {
    // The time zone is the process's: the parse runs in a node of its own, with TZ set.
    const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'America/New_York' };
    delete env.NODE_OPTIONS;
    const script =
      "import { parseInstant } from './src/duration.ts'; console.log(parseInstant('2026-11-22T10:00:00'), parseInstant('2026-11-22 10:00'));";
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env,
      timeout: 30_000
    });
    expect(stdout.trim()).toBe(`${Date.UTC(2026, 10, 22, 10)} ${Date.UTC(2026, 10, 22, 10)}`);
  });

  test('instants compare as times, not as text: 10:30 at +01:00 is before 10:00 UTC', () => {
    expect(parseInstant('2026-11-22T10:30:00+01:00')!).toBeLessThan(parseInstant('2026-11-22T10:00:00Z')!);
  });
});
