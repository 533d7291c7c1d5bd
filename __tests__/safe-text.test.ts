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
import {
  addSecret,
  cut,
  dropPartialSecret,
  escapeHtml,
  forAnnotation,
  forComment,
  forHtml,
  forLog,
  forOutput,
  htmlToText,
  firstElementText,
  redact,
  say
} from '../src/safe-text.js';

const KEY = 'sk"live\\7Qz/9+x';
// As the action does once the inputs are read.
addSecret(KEY);

interface Node {
  tagName?: string;
  nodeName: string;
  value?: string;
  attrs?: { name: string }[];
  childNodes?: Node[];
}
/** Every node of a parse5 tree. */
const walk = (node: Node, visit: (n: Node) => void): void => {
  visit(node);
  for (const child of node.childNodes ?? []) walk(child, visit);
};

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
    expect(htmlToText('&#115;im &#X73;im &#115im &#0000000000000000115;im &sol;&plus;&equals;&bsol;&lowbar;')).toBe(
      'sim sim sim sim /+=\\_'
    );
    expect(htmlToText('&ampx &lt;b&gt; &#39; &copy; &sol &#0; &#xD800; &#99999999999;')).toBe("&x <b> ' &copy; &sol \ufffd \ufffd \ufffd");
  });

  test('a key in an HTML page, in any spelling, is redacted once the page is text', () => {
    addSecret('pk_live_aB3/dE+fG9==');
    addSecret('sim-partner-key-0001');
    const page =
      'Unauthorized: API key pk_live_aB3&#x2F;dE&#43;fG9&#61;&#61; is not valid; nor &#115;im-partner-key-0001 nor &#x70;&#x6B;_live_aB3&sol;dE&plus;fG9&equals;&equals;';
    expect(redact(htmlToText(page))).toBe('Unauthorized: API key *** is not valid; nor *** nor ***');
  });

  /**
   * HTML's named references of the printable ASCII characters (a key is ASCII), from the HTML
   * standard's table; each is checked against parse5, which decodes as a browser does.
   */
  const ASCII_REFERENCES: [string, string][] = [
    ['excl', '!'],
    ['quot', '"'],
    ['QUOT', '"'],
    ['num', '#'],
    ['dollar', '$'],
    ['percnt', '%'],
    ['amp', '&'],
    ['AMP', '&'],
    ['apos', "'"],
    ['lpar', '('],
    ['rpar', ')'],
    ['ast', '*'],
    ['midast', '*'],
    ['plus', '+'],
    ['comma', ','],
    ['period', '.'],
    ['sol', '/'],
    ['colon', ':'],
    ['semi', ';'],
    ['lt', '<'],
    ['LT', '<'],
    ['equals', '='],
    ['gt', '>'],
    ['GT', '>'],
    ['quest', '?'],
    ['commat', '@'],
    ['lsqb', '['],
    ['lbrack', '['],
    ['bsol', '\\'],
    ['rsqb', ']'],
    ['rbrack', ']'],
    ['Hat', '^'],
    ['lowbar', '_'],
    ['UnderBar', '_'],
    ['grave', '`'],
    ['DiacriticalGrave', '`'],
    ['lcub', '{'],
    ['lbrace', '{'],
    ['verbar', '|'],
    ['vert', '|'],
    ['VerticalLine', '|'],
    ['rcub', '}'],
    ['rbrace', '}'],
    ['Tab', '\t'],
    ['NewLine', '\n']
  ];
  /** The text a browser shows for a fragment of HTML. */
  const browserText = (html: string): string => {
    let text = '';
    walk(parse(`<!DOCTYPE html><p>${html}</p>`) as unknown as Node, (n) => {
      if (n.nodeName === '#text') text += n.value;
    });
    return text;
  };

  test.each(ASCII_REFERENCES)('&%s; is %j, as a browser reads it', (name, char) => {
    expect(browserText(`a&${name};b`)).toBe(`a${char}b`);
    expect(htmlToText(`a&${name};b`)).toBe(`a${char}b`);
  });

  test('a key with punctuation, each character spelled by name in an error page, is redacted', () => {
    const key = 'pk!"#$%&\'()*+,./:;<=>?@[\\]^_`{|}~0';
    addSecret(key);
    for (const [name, char] of ASCII_REFERENCES) {
      const page = `<p>Key ${[...key].map((c) => (c === char ? `&${name};` : c === '<' ? '&lt;' : c === '&' ? '&amp;' : c)).join('')} refused</p>`;
      expect({ name, text: redact(htmlToText(page)).trim() }).toEqual({ name, text: 'Key *** refused' });
    }
  });

  test('only &amp; &lt; &gt; &quot; &nbsp; (either case where HTML has it) are read without their ";", as in a browser', () => {
    for (const [written, shown] of [
      ['&ampx', '&x'],
      ['&AMPx', '&x'],
      ['&lt1', '<1'],
      ['&LT1', '<1'],
      ['&gt1', '>1'],
      ['&GT1', '>1'],
      ['&quot1', '"1'],
      ['&QUOT1', '"1']
    ]) {
      expect({ written, text: browserText(written) }).toEqual({ written, text: shown });
      expect({ written, text: htmlToText(written) }).toEqual({ written, text: shown });
    }
    // The longest that starts the name: &nbsp is not &nb... but the no-break space (a space in the log).
    expect(htmlToText('a&nbspb a&nbsp;b')).toBe('a b a b');
    expect(htmlToText('&ltx; &ampamp;')).toBe('<x; &amp;');
    for (const written of ['&excl', '&sol', '&lpar', '&Amp;', '&amP;', '&gT;', '&qUOT;', '&lpar x;']) {
      expect({ written, text: browserText(`${written} x`) }).toEqual({ written, text: `${written} x` });
      expect({ written, text: htmlToText(`${written} x`) }).toEqual({ written, text: `${written} x` });
    }
  });

  test('numeric references: leading zeros ignored, NUL, surrogates and numbers past Unicode as U+FFFD', () => {
    expect(htmlToText('&#x0041;&#X61;&#0065;&#97&#x10FFFF;|&#x110000;|&#1114112;|&#xDFFF;|&#55295;|&#x0;|&#000;|&#x000000000041;')).toBe(
      'AaAa\u{10FFFF}|\ufffd|\ufffd|\ufffd|\ud7ff|\ufffd|\ufffd|A'
    );
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
      fc.constantFrom(
        '\n',
        '\r',
        '\r\n',
        '\u2028',
        '\u0085',
        ' ',
        '\t',
        '::',
        '::error::',
        '::add-mask::',
        '::stop-commands::',
        '##[',
        '##[add-mask]',
        '<',
        '>',
        '<script>',
        '<img src=x>',
        '&',
        '"',
        '@team',
        '#1',
        KEY
      )
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

const execution = (text: string): Execution => ({
  id: text,
  kind: 'full-refresh',
  status: text.toUpperCase(),
  error: text,
  cachedRecords: 3,
  createdAt: '2026-11-22T10:00:00Z'
});

describe('properties over random API strings', () => {
  const saved = { exitCode: process.exitCode, output: process.env.GITHUB_OUTPUT };
  afterEach(() => {
    process.exitCode = saved.exitCode;
  });

  test('no line the action prints runs a command it did not write, and the key never shows', () => {
    delete process.env.GITHUB_OUTPUT;
    fc.assert(
      fc.property(
        hostile,
        hostile,
        fc.constantFrom('success', 'warning', 'failure') as fc.Arbitrary<'success' | 'warning' | 'failure'>,
        (a, b, conclusion) => {
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
        }
      ),
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

  const ELEMENTS = new Set([
    'html',
    'head',
    'body',
    'h2',
    'table',
    'tbody',
    'tr',
    'th',
    'td',
    'br',
    'code',
    'strong',
    'p',
    'ul',
    'li',
    'em'
  ]);

  test('the summary and the comment parse as HTML with only the elements the action writes', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 4 }), fc.boolean(), (texts, forComment) => {
        const states = texts.map((t, i) => ({
          ...knownOf('wait', `${t}${i}`),
          table: t,
          execution: { ...execution(t), status: 'FAILED' }
        }));
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

describe('edges of each rule', () => {
  test('a key of four characters is redacted, a shorter value is not; the \\/ and encodeURI forms of a key are redacted too', () => {
    expect(redact('x abcd y', 'abcd')).toBe('x *** y');
    expect(redact('x abc y', 'abc')).toBe('x abc y');
    addSecret('xyz');
    expect(redact('a xyz b')).toBe('a xyz b');
    const json = JSON.stringify(KEY).slice(1, -1);
    expect(redact(`a ${json.replace(/\//g, '\\/')} b ${encodeURI(KEY)} c`)).toBe('a *** b *** c');
  });

  test('cut: a text of exactly the limit is kept whole; a cut text ends in "..." within the limit', () => {
    expect(cut('abcde', 5)).toBe('abcde');
    expect(cut('abcdef', 5)).toBe('ab...');
    // A high surrogate (U+D800..U+DBFF) at the cut goes with its pair; a low one or a BMP character stays.
    expect(cut(`ab\ud800\udc00cdef`, 6)).toBe('ab...');
    expect(cut(`ab\udbff\udfffcdef`, 6)).toBe('ab...');
    expect(cut(`abc\udc00cdef`, 7)).toBe('abc\udc00...');
    expect(cut(`ab\ud7ffcdef`, 6)).toBe('ab\ud7ff...');
  });

  test('control characters: exactly C0 (but tab, LF, VT, FF, CR), DEL, C1 and the bidi controls are replaced', () => {
    const replaced = ['\u0000', '\u0008', '\u000e', '\u001f', '\u007f', '\u009f', '\u202a', '\u202e', '\u2066', '\u2069'];
    const kept = ['\t', '\n', '\r', ' ', '~', '\u00a0', '\u00e9', '\u2028', '\u2029', '\u2065', '\u206a', '\u202f'];
    for (const c of replaced) expect({ c, out: forOutput(`a${c}b`) }).toEqual({ c, out: 'a\ufffdb' });
    for (const c of kept) expect({ c, out: forOutput(`a${c}b`) }).toEqual({ c, out: `a${c}b` });
  });

  test('annotations: U+2028 and U+2029 become spaces as VT, FF and U+0085 do', () => {
    expect(forAnnotation('a\u2028b\u2029c\u0085d\u000be\u000cf')).toBe('a b c d e f');
  });

  test('HTML: every character that is markup in HTML or Markdown (a | would split a summary table) is a character reference', () => {
    expect(escapeHtml('&<>"\'`|\\[]')).toBe('&#38;&#60;&#62;&#34;&#39;&#96;&#124;&#92;&#91;&#93;');
    expect(escapeHtml('a\nb\r\nc\u2028d\u0000e')).toBe('a b c d\ufffde');
  });

  test('the summary cuts a text to 300 characters, or to the length given, before escaping', () => {
    expect(forHtml('x'.repeat(1_000))).toBe(`${'x'.repeat(297)}...`);
    expect(forHtml('<'.repeat(20), 10)).toBe(`${'&#60;'.repeat(7)}...`);
    expect(forComment('@'.repeat(1_000)).startsWith('@\u200b@\u200b')).toBe(true);
    expect(forComment('x'.repeat(1_000))).toBe(`${'x'.repeat(297)}...`);
  });

  test('firstElementText: the tag by name only (not one that starts with it), and a closing tag with spaces', () => {
    expect(firstElementText('<titlebar>no</titlebar><title>Yes</title >', 'title')).toBe('Yes');
    expect(firstElementText('<title', 'title')).toBeUndefined();
    expect(firstElementText('<p>no title</p>', 'title')).toBeUndefined();
  });

  test('say: each annotation carries its title, and the failure is an error annotation', () => {
    const lines = printed(() => {
      say.notice('n', 'Peaka notice');
      say.warning('w', 'Peaka warning');
      say.error('e', 'Peaka error');
      say.warning('plain');
      say.fail('failed \u0007');
    });
    process.exitCode = undefined;
    expect(lines.filter(Boolean)).toEqual([
      '::notice title=Peaka notice::n',
      '::warning title=Peaka warning::w',
      '::error title=Peaka error::e',
      '::warning::plain',
      '::error::failed \ufffd'
    ]);
  });
});

describe('more edges that a user would see', () => {
  test('a registered key of exactly four characters is redacted', () => {
    addSecret('wq7z');
    expect(redact('a wq7z b')).toBe('a *** b');
  });

  test('a key that another key extends is redacted whole, not leaving the longer one’s tail', () => {
    addSecret('token-58123');
    addSecret('token-58123-extended');
    expect(redact('x token-58123-extended y token-58123 z')).toBe('x *** y *** z');
  });

  test('a URL-encoded key is found whatever the case of every hex digit, letters first included', () => {
    addSecret('pk-é-5678');
    const encoded = encodeURIComponent('pk-é-5678');
    expect(encoded).toContain('%C3%A9');
    expect(redact(`a ${encoded.toLowerCase()} b`)).toBe('a *** b');
  });

  test('dropPartialSecret: the start of an unregistered key passed along is dropped too; a value too short for a key is not', () => {
    expect(dropPartialSecret('message qwer', 'qwerty-99')).toBe('message ');
    expect(dropPartialSecret('message ab', 'abc')).toBe('message ab');
    expect(dropPartialSecret('message vb3', 'vb3k')).toBe('message ');
  });

  test('htmlToText: a ">" in the text before a tag stays text', () => {
    expect(htmlToText('a><b>c')).toBe('a> c');
  });

  test('firstElementText: the closing tag in any case, after an earlier closing tag', () => {
    expect(firstElementText('<x></title><title>T</TITLE>', 'title')).toBe('T');
  });

  test('say: log lines, outputs and group titles go out made safe', async () => {
    const saved = process.env.GITHUB_OUTPUT;
    delete process.env.GITHUB_OUTPUT;
    try {
      const lines = printed(() => {
        say.info('::warning::x');
        say.output('result', 'a\u0007b');
      });
      expect(lines.filter(Boolean)).toEqual([':\u200b:warning::x', '::set-output name=result::a\ufffdb']);
    } finally {
      process.env.GITHUB_OUTPUT = saved;
    }
    const original = process.stdout.write.bind(process.stdout);
    let out = '';
    process.stdout.write = ((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    try {
      expect(await say.group('title\u0007', async () => 42)).toBe(42);
    } finally {
      process.stdout.write = original;
    }
    expect(out.split('\n').filter(Boolean)).toEqual(['::group::title\ufffd', '::endgroup::']);
  });
});
