/**
 * Durations as users write them in inputs.
 *
 * `timeout`-style inputs accept `90` (seconds), `90s`, `15m`, `2h`, `1h30m`, `1d` and ISO-8601
 * (`PT1H30M`). Peaka schedules accept only ISO-8601 as Java's `Duration.parse` reads it
 * (`PT15M`, `PT6H`, `P1D`): that is what the API validates against.
 */

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** Java `Duration.parse` form: PnDTnHnMn.nS, at least one component, no years, months or weeks. */
const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/i;

/** Milliseconds of an ISO-8601 duration, or undefined when the text is not one. */
export function parseIsoDuration(text: string): number | undefined {
  const m = ISO_DURATION.exec(text.trim());
  if (!m || m.slice(1).every((part) => part === undefined)) return undefined;
  const [, d, h, min, s] = m;
  return Number(d ?? 0) * UNIT_MS.d + Number(h ?? 0) * UNIT_MS.h + Number(min ?? 0) * UNIT_MS.m + Math.round(Number(s ?? 0) * 1000);
}

/** Milliseconds of `90`, `90s`, `1h30m`, `500ms` or `PT1H30M`; undefined when the text is none of these. */
export function parseDuration(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  if (value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  if (value.startsWith('p')) return parseIsoDuration(value);
  const parts = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(value);
  if (!parts || parts.slice(1).every((part) => part === undefined)) return undefined;
  const [, d, h, m, s, ms] = parts;
  return (
    Number(d ?? 0) * UNIT_MS.d +
    Number(h ?? 0) * UNIT_MS.h +
    Number(m ?? 0) * UNIT_MS.m +
    Math.round(Number(s ?? 0) * 1000) +
    Number(ms ?? 0)
  );
}

/** `1h 2m 3s`, `4.5s`, `250ms`: how durations appear in logs and the summary. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].filter(Boolean).join(' ');
}

/** RFC 3339 date-time as the API's `date-time` fields carry it (seconds and the offset optional). */
const INSTANT = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2})(:\d{2})?(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/;

/**
 * Epoch milliseconds of a date-time from the API, or undefined when the text is not one. Times
 * without an offset are taken as UTC; instants are compared as numbers, never as strings.
 */
export function parseInstant(text: string | undefined): number | undefined {
  const m = INSTANT.exec(text?.trim() ?? '');
  if (!m) return undefined;
  const [, date, hm, s, fraction, zone] = m;
  const offset = !zone || zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${date}T${hm}${s ?? ':00'}${fraction ? fraction.slice(0, 4).padEnd(4, '0') : ''}${offset}`);
  return Number.isNaN(ms) ? undefined : ms;
}
