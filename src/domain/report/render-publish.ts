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
  /** Set when the tags were pushed but `latest` and the published state stayed on another commit. */
  latest?: LatestHeld;
}

/** Why a published image's `latest` (and so its Jenkins template) stayed where it was. */
export interface LatestHeld {
  /** The commit `latest` and the published state came from, if anything was published. */
  heldBy?: string;
  /** `newer`: `heldBy` is later on the default branch; `off-branch`: this commit is no longer on it. */
  why: 'newer' | 'off-branch';
  /** The default branch's name. */
  branch: string;
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
  const held = images.filter((image) => image.latest !== undefined && (image.status === 'published' || image.status === 'already-published'));
  const heldWhy = held.every((image) => image.latest?.why === 'newer') ? 'latest stays on a newer commit' : 'latest not moved';
  const heldNote = held.length === 0 ? '' : held.length === published ? ` (tags only: ${heldWhy})` : ` (${held.length} of them tags only: ${heldWhy})`;
  const title =
    images.length === 0
      ? 'Dockyard: nothing to publish'
      : failed.length === 0
        ? `Dockyard: published ${published} image${published === 1 ? '' : 's'}${heldNote}`
        : `Dockyard: ${failed.length} of ${images.length} image${images.length === 1 ? '' : 's'} not published`;
  const rows = [...images]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((image) => {
      const where = image.repository && image.tags ? image.tags.map((tag) => tableCode(`${image.repository}:${tag}`)).join('<br>') : '—';
      const digest = image.digest ? tableCode(image.digest) : '—';
      const result = image.latest && image.status !== 'failed' && image.status !== 'blocked' ? `${statusText[image.status]} (tags only)` : statusText[image.status];
      return `| **${escapeText(image.name)}** | ${result} | ${where} | ${digest} |`;
    });
  const reasons = failed.map((image) => reasonMarkdown(image));
  const body = [
    `## ${failed.length === 0 ? '✅' : '❌'} ${title.replace('Dockyard: ', 'Dockyard ')}`,
    '',
    `Commit ${inlineCode(commit.slice(0, 7))} on the default branch.`,
    '',
    ...(images.length > 0 ? ['| Image | Result | Tags | Digest |', '|---|---|---|---|', ...rows] : []),
    ...(held.length > 0
      ? [
          '',
          '### `latest` not moved',
          '',
          `\`latest\`, the published state and the Jenkins templates only move forward along the default branch's history, so for ${held.length === 1 ? 'this image' : 'these images'} they stay where they are:`,
          '',
          ...[...held].sort((a, b) => a.name.localeCompare(b.name)).map((image) => heldMarkdown(image, commit)),
        ]
      : []),
    ...(reasons.length > 0 ? ['', '### Not published', '', ...reasons, '', 'Fix the cause and push again, or re-run the check: images already published are not pushed twice.'] : []),
  ].join('\n');
  return { conclusion: failed.length === 0 ? 'success' : 'failure', title, body };
}

/** The check run summary when publishing stopped before any image's result: the error, quoted. */
export function renderPublishStopped(message: string): string {
  return `Publishing stopped:\n\n${outsideMessage(message)}\n\nDockyard retries on its own; images already published are not pushed twice.`;
}

/** One image whose tags were pushed while `latest` stayed: which tags, where `latest` stays and why. */
function heldMarkdown(image: ImagePublish, commit: string): string {
  const latest = image.latest as LatestHeld;
  const tags = image.tags && image.tags.length > 0 ? `published ${image.tags.map((tag) => inlineCode(tag)).join(' and ')} tags` : 'published its tags';
  const stays = latest.heldBy ? `\`latest\` stays on ${inlineCode(latest.heldBy.slice(0, 7))}` : '`latest` was not pushed';
  const why =
    latest.why === 'newer'
      ? `newer on ${inlineCode(latest.branch)}`
      : `${inlineCode(commit.slice(0, 7))} is no longer on ${inlineCode(latest.branch)}: a force-push rewrote its history`;
  return `- **${escapeText(image.name)}**: ${tags}; ${stays} (${why}).`;
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
