import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

// A real GFM renderer stands in for GitHub's: micromark with its GFM extension follows the CommonMark and
// GFM specs (autolink literals, tables, strikethrough, tag filter), and raw HTML is let through as
// GitHub lets its allowed tags (<img>, <details>, <a>) through.

/** Markdown to HTML the way GitHub parses it, raw HTML kept. */
export function gfmToHtml(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

/** The text a reader sees: tags dropped, entities decoded, zero-width characters removed. */
export function visibleText(html: string): string {
  return decode(html.replace(/<[^>]*>/g, '')).replace(/[\u200B\u200D\u2060]/g, '');
}

/** Text GitHub scans for @mentions and #references: everything outside <code> and <pre>. */
export function mentionableText(html: string): string {
  return decode(html.replace(/<pre>[\s\S]*?<\/pre>/g, '').replace(/<code>[\s\S]*?<\/code>/g, '').replace(/<[^>]*>/g, ''));
}

/** Every href in the HTML. */
export function hrefs(html: string): string[] {
  return [...html.matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((match) => decode(match[1] ?? ''));
}

/** Every heading's text. */
export function headings(html: string): string[] {
  return [...html.matchAll(/<h([1-6])>([\s\S]*?)<\/h\1>/g)].map((match) => visibleText(match[2] ?? ''));
}

/** How often an opening tag occurs. */
export function countTags(html: string, tag: string): number {
  return [...html.matchAll(new RegExp(`<${tag}[\\s>/]`, 'gi'))].length;
}

function decode(text: string): string {
  const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (entity, body: string) => {
    if (body.startsWith('#x') || body.startsWith('#X')) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
    return named[body] ?? entity;
  });
}
