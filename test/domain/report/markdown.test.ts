import { describe, expect, it } from 'vitest';
import { registerSecret } from '../../../src/logging/secrets.ts';
import { escapeHtml, escapeText, fencedBlock, inlineCode, markupText, outsideMessage, tableCode, truncate } from '../../../src/domain/report/markdown.ts';
import { countTags, gfmToHtml, hrefs, mentionableText, visibleText } from './gfm-html.ts';

const zws = '\u200B';

/** What a reader of the rendered paragraph sees, and its HTML. */
function rendered(markdown: string): { html: string; text: string } {
  const html = gfmToHtml(markdown);
  return { html, text: visibleText(html).trim() };
}

describe('escapeText', () => {
  const hostile = [
    '[✅ Approved](https://evil.example)',
    '<img src=https://evil.example/x.png>',
    '![x](https://evil.example/x.png)',
    '<details><summary>hi</summary>',
    '**bold** _em_ ~~gone~~ `code` \\ & &amp; $x$',
    'see https://evil.example and www.evil.example and mail me@evil.example',
    '[ref]: https://evil.example',
  ];

  for (const text of hostile) {
    it(`renders ${JSON.stringify(text)} as exactly that text, with no link, image or tag`, () => {
      const { html, text: shown } = rendered(`Before ${escapeText(text)} after`);

      expect(shown).toBe(`Before ${text} after`);
      expect(hrefs(html)).toEqual([]);
      expect(countTags(html, 'img') + countTags(html, 'details') + countTags(html, 'strong') + countTags(html, 'em') + countTags(html, 'del')).toBe(0);
    });
  }

  it('defuses what would open a block at the start of a line', () => {
    for (const text of ['# Heading', '- item', '+ item', '1. item', '2) item', '> quote', '---', '===', '    indented', '| a | b |']) {
      const { html, text: shown } = rendered(`Paragraph\n${escapeText(text)}`);
      expect(html, text).toBe(`<p>Paragraph\n${html.slice(`<p>Paragraph\n`.length)}`);
      expect(html.match(/<(h\d|ul|ol|li|blockquote|hr|pre|table)[\s>]/), text).toBeNull();
      expect(shown.replace(/\s+/g, ' '), text).toBe(`Paragraph ${text.trim()}`);
    }
  });

  it('breaks @mentions, team mentions, #references and GH- references with a zero-width space', () => {
    const escaped = escapeText('ping @octocat and @org/team about #123, GH-45 and org/repo#6');

    expect(escaped).toBe(`ping @${zws}octocat and @${zws}org/team about \\#${zws}123, GH-${zws}45 and org/repo\\#${zws}6`);
    expect(mentionableText(gfmToHtml(escaped))).not.toMatch(/@[A-Za-z0-9]|#\d|GH-\d/);
  });

  it('flattens line breaks so text cannot start a block of its own', () => {
    expect(escapeText('one\ntwo\r\nthree\rfour')).toBe('one two three four');
  });
});

describe('inlineCode', () => {
  it('uses a fence one backtick longer than any run inside, padded when the content touches a backtick', () => {
    expect(inlineCode('plain')).toBe('`plain`');
    expect(inlineCode('a`b')).toBe('``a`b``');
    expect(inlineCode('```')).toBe('```` ``` ````');
    expect(inlineCode('`x')).toBe('`` `x ``');
  });

  it('keeps content that starts and ends with a space, which CommonMark would otherwise strip', () => {
    expect(inlineCode(' x ')).toBe('`  x  `');
    expect(visibleText(gfmToHtml(inlineCode(' x ')))).toBe(' x ');
  });

  for (const text of ['```', 'a`b``c```d', '`@org/team`', '<img src=https://evil.example/x.png>', '[x](https://evil.example)', ' ` ']) {
    it(`shows ${JSON.stringify(text)} verbatim in one code element`, () => {
      const html = gfmToHtml(`x ${inlineCode(text)} y`);
      expect(countTags(html, 'code')).toBe(1);
      expect(visibleText(html)).toBe(`x ${text} y`);
      expect(hrefs(html)).toEqual([]);
    });
  }

  it('flattens newlines', () => {
    expect(inlineCode('a\nb')).toBe('`a b`');
  });
});

describe('tableCode', () => {
  it('keeps a pipe inside the cell, in a code span', () => {
    const html = gfmToHtml(['| a | b |', '|---|---|', `| ${tableCode('x|y')} | z |`].join('\n'));
    expect(html).toContain('<td><code>x|y</code></td>');
    expect(countTags(html, 'td')).toBe(2);
  });

  it('falls back to escaped text when a backslash stands before a pipe', () => {
    const html = gfmToHtml(['| a | b |', '|---|---|', `| ${tableCode('x\\|y')} | z |`].join('\n'));
    expect(html).toContain('<td>x\\|y</td>');
    expect(countTags(html, 'td')).toBe(2);
  });
});

describe('fencedBlock', () => {
  it('uses a fence longer than any backtick run, so no line of the text closes it', () => {
    const log = ['step 1', '```', '# Heading', '<img src=https://evil.example/x.png>', '````', '@org/team [✅ Approved](https://evil.example)'].join('\n');
    const block = fencedBlock(log, 'text');
    const html = gfmToHtml(`${block}\n\nafter`);

    expect(block.startsWith('`````text\n')).toBe(true);
    expect(countTags(html, 'pre')).toBe(1);
    expect(countTags(html, 'h1') + countTags(html, 'img')).toBe(0);
    expect(hrefs(html)).toEqual([]);
    expect(visibleText(html)).toBe(`${log}\n\nafter`);
  });

  it('uses three backticks when the text has none, and ends the block even for empty text', () => {
    expect(fencedBlock('plain', 'text')).toBe('```text\nplain\n```');
    expect(fencedBlock('')).toBe('```\n```');
  });
});

describe('escapeHtml', () => {
  it('escapes HTML and breaks mentions and links in Dockyard\'s own tags', () => {
    const html = gfmToHtml(`<details><summary><b>${escapeHtml('<img src=x> @org/team https://evil.example')}</b></summary>\n\nbody\n\n</details>`);
    expect(countTags(html, 'img')).toBe(0);
    expect(countTags(html, 'details')).toBe(1);
    expect(mentionableText(html)).not.toMatch(/@[A-Za-z0-9]/);
    expect(visibleText(html)).toContain('<img src=x> @org/team https://evil.example');
  });
});

describe('markupText', () => {
  it('renders backtick-quoted parts as code and the rest as escaped text', () => {
    expect(markupText('Avoid `apt-get upgrade` in [x](y)')).toBe('Avoid `apt-get upgrade` in \\[x\\](y)');
  });

  it('stays inert whatever backticks the quoted text adds', () => {
    const message = 'FROM takes one image; found `a` [✅ Approved](https://evil.example) `b <img src=https://evil.example/x.png>`.';
    const html = gfmToHtml(markupText(message));
    expect(hrefs(html)).toEqual([]);
    expect(countTags(html, 'img')).toBe(0);
    expect(visibleText(html)).toContain('[✅ Approved](https://evil.example)');
  });

  it('shows an unclosed backtick as text', () => {
    const html = gfmToHtml(markupText('odd ` quote [x](https://evil.example)'));
    expect(visibleText(html)).toBe('odd ` quote [x](https://evil.example)');
    expect(hrefs(html)).toEqual([]);
  });
});

describe('outsideMessage', () => {
  it('quotes an outside message redacted and shortened in a text block', () => {
    registerSecret('outside-message-secret-1');
    const block = outsideMessage(`denied: token outside-message-secret-1 ${'x'.repeat(3000)}`);

    expect(block.startsWith('```text\ndenied: token [REDACTED] xxx')).toBe(true);
    expect(block).not.toContain('outside-message-secret-1');
    expect(block.length).toBeLessThan(2_100);
  });
});

describe('truncate', () => {
  it('cuts with an ellipsis and never inside a surrogate pair', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('ab😀cd', 4)).toBe('ab…');
  });
});
