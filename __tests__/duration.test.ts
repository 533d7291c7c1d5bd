import { describe, expect, test } from '@jest/globals';
import { formatDuration, parseDuration, parseIsoDuration } from '../src/duration.js';

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
    [' 2H ', 7_200_000]
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  test.each(['', 'soon', '1x', 'h', '-5s', '1h-30m', 'P', 'PT', 'P1W', '1m1h'])('%j is not a duration', (text) =>
    expect(parseDuration(text)).toBeUndefined()
  );
});

describe('parseIsoDuration', () => {
  test.each([
    ['PT15M', 900_000],
    ['PT6H', 21_600_000],
    ['P1D', 86_400_000],
    ['P1DT12H', 129_600_000],
    ['PT0.5S', 500]
  ])('%s is %d ms', (text, ms) => expect(parseIsoDuration(text)).toBe(ms));

  test.each(['6h', 'P1Y', 'P1M', 'P1W', 'PT', 'P', 'P1DT', 'PT6H30', '1D'])('%j is not what Peaka accepts', (text) =>
    expect(parseIsoDuration(text)).toBeUndefined()
  );
});

test('formatDuration reads well at every scale', () => {
  expect(formatDuration(250)).toBe('250ms');
  expect(formatDuration(4_500)).toBe('4.5s');
  expect(formatDuration(42_000)).toBe('42s');
  expect(formatDuration(3_723_000)).toBe('1h 2m 3s');
  expect(formatDuration(-1)).toBe('-');
});
