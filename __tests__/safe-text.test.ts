/**
 * safe-text.ts: every text from the network made safe for where it goes. Examples for each rule,
 * and properties over random API strings for what the action prints and the summary it writes.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { parse } from 'parse5';
import { describeExecution } from '../src/format.js';
import { logger } from '../src/main.js';
import type { Execution } from '../src/peaka/client.js';
import { aggregate, announce, buildResult, renderSummary, setOutputs } from '../src/report.js';
import { knownOf } from '../src/operations/context.js';
import { addSecret, cut, dropPartialSecret, escapeHtml, forAnnotation, forComment, forHtml, forLog, forOutput, htmlToText, firstElementText, redact, say } from '../src/safe-text.js';

const KEY = 'sk"live\\7Qz/9+x';
// As the action does once the inputs are read.
addSecret(KEY);

describe('redaction', () => {
  test('the key is removed raw, JSON-escaped and URL-encoded (either case of hex)', () => {
    const json = JSON.stringify(KEY).slice(1, -1);
    const url = encodeURIComponent(KEY);
    const lowerHex = url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
    expect(redact(`a ${KEY} b ${json} c ${url} d ${lowerHex}`, KEY)).toBe('a *** b *** c *** d ***');
  });

  test.each([
    ['every byte percent-encoded, lower-case hex', (k: string) => Buffer.from(k).toString('hex').replace(/../g, '%$&')],
    ['every byte percent-encoded, upper-case hex', (k: string) => Buffer.from(k).toString('hex').toUpperCase().replace(/../g, '%$&')],
    ['form-encoded (Java URLEncoder)', (k: string) => new URLSearchParams({ k }).toString().slice(2)],
    ['URL-encoded twice', (k: string) => encodeURIComponent(encodeURIComponent(k))],
    ['base64', (k: string) => Buffer.from(k).toString('base64')],
    ['base64 without padding', (k: string) => Buffer.from(k).toString('base64').replace(/=+$/, '')],
    ['base64url', (k: string) => Buffer.from(k).toString('base64url')],
    ['hex', (k: string) => Buffer.from(k).toString('hex')],
    ['upper-case hex', (k: string) => Buffer.from(k).toString('hex').toUpperCase()],
    ['every character a JSON \\u escape', (k: string) => [...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')],
    ['decimal character references (in a JSON answer)', (k: string) => [...k].map((c) => `&#${c.charCodeAt(0)};`).join('')],
    ['hex character references (in a JSON answer)', (k: string) => [...k].map((c) => `&#x${c.charCodeAt(0).toString(16)};`).join('')],
    ['upper case', (k: string) => k.toUpperCase()],
    ['lower case', (k: string) => k.toLowerCase()]
  ])('the key is removed %s', (_name, spell) => {
    for (const key of [KEY, 'pk_4f9c2a7e1b3d5f6a8c0e2b4d6f8a1c3e', "k~!'() key-9x"]) {
      addSecret(key);
      expect(redact(`before ${spell(key)} after`)).toBe('before *** after');
    }
  });

  test('a registered key is removed from every text; short values are not taken for keys', () => {
    addSecret('registered-key-4411');
    expect(redact('x registered-key-4411 y')).toBe('x *** y');
    expect(redact('abc', 'ab')).toBe('abc');
  });

  test('the start of a key left at the end of a cut text is dropped', () => {
    expect(dropPartialSecret(`message ${KEY.slice(0, 6)}`, KEY)).toBe('message ');
    expect(dropPartialSecret('message s', KEY)).toBe('message ');
    expect(dropPartialSecret('message done', KEY)).toBe('message done');
  });

  test('cut never splits a surrogate pair', () => {
    expect(cut(`${'a'.repeat(6)}😀😀x`, 10)).toBe('aaaaaa...');
    expect(cut('short', 10)).toBe('short');
  });
});

describe('for the log', () => {
  test.each([
    ['a\n::error::x', 'a ::error::x'],
    ['::add-mask::x', ':\u200b:add-mask::x'],
    ['  \t::warning::x', '  \t:\u200b:warning::x'],
    ['a ##[add-mask]x ###[y', 'a ##\u200b[add-mask]x ###\u200b[y'],
    ['bell\u0007 del\u007f c1\u009b', 'bell\ufffd del\ufffd c1\ufffd'],
    ['one\r\ntwo\u2028three\u0085four', 'one two three four']
  ])('%j', (text, expected) => expect(forLog(text)).toBe(expected));

  test('bidi overrides and isolates are replaced like control characters', () => {
    expect(forLog('a\u202eb\u2066c\u2069d\u202ae')).toBe('a\ufffdb\ufffdc\ufffdd\ufffde');
  });

  test('very long lines are cut', () => {
    expect(forLog('x'.repeat(100_000)).length).toBeLessThanOrEqual(4_000);
  });
});

describe('for annotations, outputs and the summary', () => {
  const hostileText = 'A\u0000B\u001b[31mRED\u202eRTL\u0007 \u2067x\u0085y\u009bz\u007f';
  test('annotations: control characters and bidi overrides replaced, line breaks the toolkit escapes kept', () => {
    expect(forAnnotation(hostileText)).toBe('A\ufffdB\ufffd[31mRED\ufffdRTL\ufffd \ufffdx y\ufffdz\ufffd');
    expect(forAnnotation('one\ntwo\r\nthree\tfour\u000bfive\u000csix')).toBe('one\ntwo\r\nthree\tfour five six');
  });

  test('outputs and the summary: the same characters replaced', () => {
    expect(forOutput(hostileText)).toBe('A\ufffdB\ufffd[31mRED\ufffdRTL\ufffd \ufffdx\ufffdy\ufffdz\ufffd');
    expect(forOutput('line one\nline two\ttab')).toBe('line one\nline two\ttab');
    expect(forHtml(hostileText)).toBe('A\ufffdB\ufffd&#91;31mRED\ufffdRTL\ufffd \ufffdx y\ufffdz\ufffd');
  });

  test('what the runner reads from an annotation holds none of them', () => {
    const lines = printed(() => say.error(hostileText));
    expect(lines[0]).toMatch(/^::error::A/);
    // eslint-disable-next-line no-control-regex
    expect(lines.join('\n')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    process.exitCode = undefined;
  });
});

describe('for HTML and the pull request comment', () => {
  test('markup is escaped, and in the comment @mentions and #references are broken', () => {
    expect(escapeHtml('<b>&"\'')).toBe('&#60;b&#62;&#38;&#34;&#39;');
    expect(forComment('ping @acme/team about #12')).toBe('ping @\u200bacme/team about #\u200b12');
  });
});

describe('HTML to text', () => {
  test('tags are dropped and entities decoded', () => {
    expect(htmlToText('<h1>Bad <b>Gate</b>way &amp; co</h1>').replace(/\s+/g, ' ').trim()).toBe('Bad Gate way & co');
    expect(firstElementText('<html><TITLE lang=en>T &lt;1&gt;</title></html>', 'title')).toBe('T &lt;1&gt;');
    expect(firstElementText('<title>no end', 'title')).toBeUndefined();
  });

  test('numeric references (decimal and hex, with or without ";") and ASCII named ones are decoded', () => {
    expect(htmlToText('pk_live_aB3&#x2F;dE&#43;fG9&#61;&#61;')).toBe('pk_live_aB3/dE+fG9==');
    expect(htmlToText('&#115;im &#X73;im &#115im &#0000000000000000115;im &sol;&plus;&equals;&bsol;&lowbar;')).toBe('sim sim sim sim /+=\\_');
    expect(htmlToText('&ampx &lt;b&gt; &#39; &copy; &sol &#0; &#xD800; &#99999999999;')).toBe("&x <b> ' &copy; &sol \ufffd \ufffd \ufffd");
  });

  test('a key in an HTML page, in any spelling, is redacted once the page is text', () => {
    addSecret('pk_live_aB3/dE+fG9==');
    addSecret('sim-partner-key-0001');
    const page = 'Unauthorized: API key pk_live_aB3&#x2F;dE&#43;fG9&#61;&#61; is not valid; nor &#115;im-partner-key-0001 nor &#x70;&#x6B;_live_aB3&sol;dE&plus;fG9&equals;&equals;';
    expect(redact(htmlToText(page))).toBe('Unauthorized: API key *** is not valid; nor *** nor ***');
  });

  test('a page of 100,000 "<" is handled (the benchmark times it)', () => {
    expect(htmlToText(`a${'<'.repeat(100_000)}`)).toBe('a ');
    expect(htmlToText(`${'<'.repeat(100_000)}>b`)).toBe(' b');
  });
});

/** Random API strings: any Unicode, with the pieces an attacker would use mixed in. */
const hostile = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom('\n', '\r', '\r\n', '\u2028', '\u0085', ' ', '\t', '::', '::error::', '::add-mask::', '::stop-commands::', '##[', '##[add-mask]', '<', '>', '<script>', '<img src=x>', '&', '"', '@team', '#1', KEY)
    ),
    { maxLength: 12 }
  )
  .map((parts) => parts.join(''));

const OUR_COMMANDS = /^::(add-mask|group|endgroup|error|warning|notice|debug)( title=Peaka [A-Za-z ]+)?::/;

/** What the runner sees: lines split at CR and LF. */
function printed(work: () => void): string[] {
  const original = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    work();
  } finally {
    process.stdout.write = original;
  }
  return out.split(/\r\n|\r|\n/);
}

const execution = (text: string): Execution => ({ id: text, kind: 'full-refresh', status: text.toUpperCase(), error: text, cachedRecords: 3, createdAt: '2026-11-22T10:00:00Z' });

describe('properties over random API strings', () => {
  const saved = { exitCode: process.exitCode, output: process.env.GITHUB_OUTPUT };
  afterEach(() => {
    process.exitCode = saved.exitCode;
  });

  test('no line the action prints runs a command it did not write, and the key never shows', () => {
    delete process.env.GITHUB_OUTPUT;
    fc.assert(
      fc.property(hostile, hostile, fc.constantFrom('success', 'warning', 'failure') as fc.Arbitrary<'success' | 'warning' | 'failure'>, (a, b, conclusion) => {
        const lines = printed(() => {
          const states = [a, b].map((t) => ({ ...knownOf('full-refresh', t), table: t, execution: execution(t) }));
          const results = states.map((s) => buildResult(s, { conclusion, message: `${s.table}: ${describeExecution(s.execution)}` }));
          logger.info(describeExecution(execution(a)));
          logger.info(`[${b}] ${a}`);
          logger.warning(a);
          say.info(b);
          announce(results, aggregate(results), KEY);
        });
        for (const line of lines) {
          const start = line.trimStart();
          if (start.startsWith('::')) expect(start).toMatch(OUR_COMMANDS);
          else expect(line).not.toContain('##[');
          expect(line).not.toContain(KEY);
        }
      }),
      { numRuns: 300 }
    );
    process.env.GITHUB_OUTPUT = saved.output;
  });

  test('outputs carry the key in no form', () => {
    delete process.env.GITHUB_OUTPUT;
    fc.assert(
      fc.property(hostile, (a) => {
        const state = { ...knownOf('status', 'c'), table: a, execution: execution(a) };
        const result = buildResult(state, { conclusion: 'success', message: a });
        const lines = printed(() => setOutputs(result, result, KEY));
        for (const form of [KEY, JSON.stringify(KEY).slice(1, -1), encodeURIComponent(KEY)]) expect(lines.join('\n')).not.toContain(form);
      }),
      { numRuns: 200 }
    );
    process.env.GITHUB_OUTPUT = saved.output;
  });

  interface Node {
    tagName?: string;
    nodeName: string;
    value?: string;
    attrs?: { name: string }[];
    childNodes?: Node[];
  }
  const walk = (node: Node, visit: (n: Node) => void): void => {
    visit(node);
    for (const child of node.childNodes ?? []) walk(child, visit);
  };
  const ELEMENTS = new Set(['html', 'head', 'body', 'h2', 'table', 'tbody', 'tr', 'th', 'td', 'br', 'code', 'strong', 'p', 'ul', 'li', 'em']);

  test('the summary and the comment parse as HTML with only the elements the action writes', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 4 }), fc.boolean(), (texts, forComment) => {
        const states = texts.map((t, i) => ({ ...knownOf('wait', `${t}${i}`), table: t, execution: { ...execution(t), status: 'FAILED' } }));
        const results = states.map((s) => buildResult(s, { conclusion: 'failure', message: s.table! }));
        const html = renderSummary(results, results.length === 1 ? results[0] : aggregate(results), KEY, undefined, { forComment });
        let text = '';
        walk(parse(html) as unknown as Node, (n) => {
          if (n.tagName) expect(ELEMENTS.has(n.tagName)).toBe(true);
          for (const attr of n.attrs ?? []) expect(attr.name).toBe('colspan');
          if (n.nodeName === '#text') text += n.value;
        });
        expect(html).not.toContain(KEY);
        if (forComment) {
          expect(text).not.toMatch(/@[A-Za-z0-9]/);
          expect(text).not.toMatch(/#\d/);
        }
      }),
      { numRuns: 300 }
    );
  });
});
