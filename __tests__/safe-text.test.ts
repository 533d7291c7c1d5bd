/**
 * safe-text.ts: every text from the network made safe for where it goes. Examples for each rule.
 */
import { describe, expect, test } from '@jest/globals';
import { addSecret, cut, dropPartialSecret, escapeHtml, forComment, forLog, htmlToText, firstElementText, redact } from '../src/safe-text.js';

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

  test('very long lines are cut', () => {
    expect(forLog('x'.repeat(100_000)).length).toBeLessThanOrEqual(4_000);
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

  test('a page of 100,000 "<" is handled (the benchmark times it)', () => {
    expect(htmlToText(`a${'<'.repeat(100_000)}`)).toBe('a ');
    expect(htmlToText(`${'<'.repeat(100_000)}>b`)).toBe(' b');
  });
});
