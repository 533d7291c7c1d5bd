/**
 * Walking SQL text at parenthesis depth, past strings, quoted names and dollar-quoted bodies: the
 * one scanner the statement readers share (touches.ts, routines.ts).
 */

/**
 * The index of the last character of the quoted text that starts at `k` (a string, a quoted name,
 * or a `$tag$` body); `k` itself when nothing quoted starts there; -1 when it never closes.
 */
function quotedEnd(text: string, k: number): number {
  const c = text[k];
  if (c === "'" || c === '"' || c === '`') return text.indexOf(c, k + 1);
  if (c !== '$') return k;
  const tag = /^\$(?:[A-Za-z_]\w*)?\$/.exec(text.slice(k, k + 64))?.[0];
  if (!tag) return k;
  const end = text.indexOf(tag, k + tag.length);
  return end < 0 ? -1 : end + tag.length - 1;
}

/**
 * Scans from `from`, tracking depth; `stop` is asked at each character outside quotes with the
 * depth after it, and the scan ends at the first index it returns (not undefined). -1 if none.
 */
function scan(text: string, from: number, stop: (k: number, depth: number) => number | undefined): number {
  let depth = 0;
  for (let k = from; k < text.length; k++) {
    const end = quotedEnd(text, k);
    if (end < 0) return -1;
    if (end !== k) {
      k = end;
      continue;
    }
    if (text[k] === '(') depth++;
    else if (text[k] === ')') depth--;
    const at = stop(k, depth);
    if (at !== undefined) return at;
  }
  return -1;
}

/** The index of the parenthesis that closes the one at `open`; -1 if none. */
export function closingParen(text: string, open: number): number {
  return scan(text, open, (k, depth) => (text[k] === ')' && depth === 0 ? k : undefined));
}

/** From `from`, the index just past the first `word` (a sticky regex) at depth 0; -1 if none. */
export function pastWord(text: string, from: number, word: RegExp): number {
  return scan(text, from, (k, depth) => {
    if (depth !== 0 || !/[A-Za-z]/.test(text[k]) || /[\w$]/.test(text[k - 1] ?? '')) return undefined;
    word.lastIndex = k;
    const m = word.exec(text);
    return m ? k + m[0].length : undefined;
  });
}
