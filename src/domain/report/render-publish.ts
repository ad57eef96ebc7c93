import { escapeText, inlineCode, markupText, outsideMessage, tableCode } from './markdown.ts';

/** How one image fared on the default branch. */
export interface ImagePublish {
  name: string;
  status: 'published' | 'already-published' | 'failed' | 'blocked';
  /** Full repository reference, e.g. `<registry>/<prefix>/<name>`. */
  repository?: string;
  tags?: string[];
  digest?: string;
  /**
   * Why it was not published: for `failed`, the outside system's message (quoted as such); for
   * `blocked`, Dockyard's own sentence, quoting names in backticks.
   */
  reason?: string;
}

/** Hidden marker of the publish comment on a merged pull request. */
export const publishCommentMarker = '<!-- dockyard:publish -->';

const statusText: Record<ImagePublish['status'], string> = {
  published: '✅ published',
  'already-published': '✅ already published',
  failed: '❌ failed',
  blocked: '⛔ not published',
};

/** The publish report: one row per image with where it went, or why it did not. */
export function renderPublish(images: readonly ImagePublish[], commit: string): { conclusion: 'success' | 'failure'; title: string; body: string } {
  const failed = images.filter((image) => image.status === 'failed' || image.status === 'blocked');
  const published = images.length - failed.length;
  const title =
    images.length === 0
      ? 'Dockyard: nothing to publish'
      : failed.length === 0
        ? `Dockyard: published ${published} image${published === 1 ? '' : 's'}`
        : `Dockyard: ${failed.length} of ${images.length} image${images.length === 1 ? '' : 's'} not published`;
  const rows = [...images]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((image) => {
      const where = image.repository && image.tags ? image.tags.map((tag) => tableCode(`${image.repository}:${tag}`)).join('<br>') : '—';
      const digest = image.digest ? tableCode(image.digest) : '—';
      return `| **${escapeText(image.name)}** | ${statusText[image.status]} | ${where} | ${digest} |`;
    });
  const reasons = failed.map((image) => reasonMarkdown(image));
  const body = [
    `## ${failed.length === 0 ? '✅' : '❌'} ${title.replace('Dockyard: ', 'Dockyard ')}`,
    '',
    `Commit ${inlineCode(commit.slice(0, 7))} on the default branch.`,
    '',
    ...(images.length > 0 ? ['| Image | Result | Tags | Digest |', '|---|---|---|---|', ...rows] : []),
    ...(reasons.length > 0 ? ['', '### Not published', '', ...reasons, '', 'Fix the cause and push again, or re-run the check: images already published are not pushed twice.'] : []),
  ].join('\n');
  return { conclusion: failed.length === 0 ? 'success' : 'failure', title, body };
}

/** The check run summary when publishing stopped before any image's result: the error, quoted. */
export function renderPublishStopped(message: string): string {
  return `Publishing stopped:\n\n${outsideMessage(message)}\n\nDockyard retries on its own; images already published are not pushed twice.`;
}

// A list item; an outside message follows it as a code block indented into the item (CommonMark §5.2).
function reasonMarkdown(image: ImagePublish): string {
  const name = `- **${escapeText(image.name)}**`;
  if (image.status === 'failed' && image.reason) return `${name}: the push failed:\n\n${indent(outsideMessage(image.reason))}`;
  return `${name}: ${image.reason ? markupText(image.reason) : 'unknown reason'}`;
}

function indent(block: string): string {
  return block.split('\n').map((line) => `  ${line}`).join('\n');
}
