import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/domain/findings.ts';
import { buildDetails, type BuildView } from '../../../src/domain/report/render-builds.ts';
import { renderCheckOutput } from '../../../src/domain/report/render-check-output.ts';
import { renderComment } from '../../../src/domain/report/render-comment.ts';
import { renderConfigError } from '../../../src/domain/report/render-config-error.ts';
import { renderPublish, renderPublishStopped } from '../../../src/domain/report/render-publish.ts';
import { renderRegistration } from '../../../src/domain/report/render-registration.ts';
import { gateScan } from '../../../src/domain/scan/gate-scan.ts';
import { registerSecret } from '../../../src/logging/secrets.ts';
import { childOf, folder, fromUpstream } from '../catalog/catalog-fixtures.ts';
import { hadolint, seedFolders } from '../check/check-fixtures.ts';
import { vulnerability } from '../scan/scan-fixtures.ts';
import { countTags, gfmToHtml, headings, hrefs, mentionableText, visibleText } from './gfm-html.ts';
import { lintOk, modified, outcomeOf, sha } from './report-fixtures.ts';

// Everything below comes from a pull request (Dockerfiles, image.yml, build output, scanned packages) or
// an outside system, and must reach the comment and the check run as text only (DESIGN.md, "Trust
// boundaries": PR authors may never write live Markdown/HTML/mentions into the bot's comment). Each
// report is rendered to HTML by a real GFM parser, and the attacker's markup must not survive as markup.

const pieces = ['```', '@org/team', '[✅ Approved](https://evil.example)', '<img src=https://evil.example/x.png>', '# Heading', '<details>', '| table |'];
/** All the attacks on one line, as a Dockerfile, image.yml or tool message would carry them. */
const attack = pieces.join(' ');
/** The same as separate lines, as a build log would carry them, the fence-closing line first. */
const attackLines = ['```', '# Heading', ...pieces.filter((piece) => piece !== '```' && piece !== '# Heading')];
/** One word of it, so a parser takes it as an image reference. */
const attackWord = 'evil.example/x:```@org/team[✅Approved](https://evil.example)<img>';

const checkRunUrl = 'https://github.com/acme/agents/runs/42';

/** Asserts that the rendered report has none of the attacker's markup live, and shows the attack as text. */
function expectInert(markdown: string, options: { headings: RegExp[]; links?: RegExp[]; shows?: string[] }): void {
  const html = gfmToHtml(markdown);
  const allowedLinks = options.links ?? [];
  expect(countTags(html, 'img'), 'images').toBe(0);
  expect(hrefs(html).filter((href) => !allowedLinks.some((allowed) => allowed.test(href))), 'links').toEqual([]);
  expect(hrefs(html).join(' ')).not.toContain('evil');
  const shownHeadings = headings(html);
  expect(shownHeadings.filter((heading) => !options.headings.some((allowed) => allowed.test(heading))), 'headings').toEqual([]);
  // Dockyard writes every <details> with its <summary>; an attacker's <details> would come alone.
  expect(countTags(html, 'details'), 'details').toBe(countTags(html, 'summary'));
  expect(mentionableText(html), 'mentions').not.toMatch(/(^|[^\w`])@[A-Za-z0-9]|#\d|GH-\d/);
  const text = visibleText(html);
  for (const shown of options.shows ?? pieces) expect(text, 'shown as text').toContain(shown);
}

function attackOutcome() {
  const folders = [
    ...seedFolders(),
    folder('spaced', fromUpstream(attack)),
    folder('word', fromUpstream(attackWord)),
    folder('meta', childOf('base'), `label: "${attack}"\ndescription: "${attack}"\n`),
  ];
  const lint: Finding = hadolint('images/spaced/Dockerfile', 1, 'warning', 'DL3006', `${attack} (https://github.com/hadolint/hadolint/wiki/DL3006)`);
  return outcomeOf(modified('spaced', 'word', 'meta'), lintOk(lint), folders);
}

function attackBuilds(): BuildView[] {
  const scanned = [vulnerability(attack, attack, 'CRITICAL', { installedVersion: attack, fixedVersion: attack, title: attack, primaryUrl: 'https://avd.aquasec.com/nvd/cve-2099-0001' })];
  const database = { updatedAt: '2099-01-01T00:00:00Z', nextUpdate: '2099-01-02T00:00:00Z', stale: false };
  return [
    { name: 'spaced', status: 'failed', reason: attack, step: attack, logTail: attackLines },
    { name: 'word', status: 'refused', reason: `\`${attack}\` is not a regular file. ${attack}` },
    { name: 'meta', status: 'built', scan: { status: 'ok', vulnerabilities: scanned, database }, gate: gateScan(scanned), published: [] },
    { name: 'python', status: 'built', scan: { status: 'unavailable', reason: attack } },
    // Image names are folder names, chosen by the pull request too.
    { name: attack, status: 'skipped', reason: `its parent \`${attack}\` did not build` },
  ];
}

const dockyardHeadings = [/^❌ Dockyard: \d+ (findings?|problems) must be fixed/];
const repoUrl = 'https://github.com/acme/agents';
const dockyardLinks = [
  /^https:\/\/github\.com\/acme\/agents\/runs\/42$/,
  /^https:\/\/github\.com\/hadolint\/hadolint\/wiki\/DL\d{4}$/,
  /^https:\/\/dockyard\.example\.com\/docs\/rules\/DY\d{3}\.md$/,
  // A finding's file at the checked commit: only Dockyard's own catalog paths, percent-encoded.
  /^https:\/\/github\.com\/acme\/agents\/blob\/0123456789abcdef0123456789abcdef01234567\/images\/(spaced|word|meta)\/(Dockerfile|image\.yml)#L\d+$/,
  /^https:\/\/avd\.aquasec\.com\//,
];

describe('repository and build content stays inert', () => {
  it('in the pull request comment: parents, image.yml, hadolint messages, build logs, scans', () => {
    const outcome = attackOutcome();
    const comment = renderComment(outcome, { sha, checkRunUrl, repoUrl, builds: { kind: 'built', images: attackBuilds() } });

    expect(outcome.findings.some((finding) => finding.message.includes('```'))).toBe(true);
    expectInert(comment, { headings: dockyardHeadings, links: dockyardLinks });
  });

  it('in the check run summary', () => {
    const output = renderCheckOutput(attackOutcome(), { sha, checkRunUrl, repoUrl, builds: { kind: 'built', images: attackBuilds() } });

    expectInert(output.summary, { headings: dockyardHeadings, links: dockyardLinks });
  });

  it('in the comment when lint did not run and says why', () => {
    const comment = renderComment(outcomeOf(modified('boto3'), { status: 'unavailable', reason: attackLines.join('\n') }), { sha });

    expectInert(comment, { headings: [/^⚠️ Dockyard: policy passed, lint did not run$/] });
  });

  it('keeps a build log line of backticks inside its code block', () => {
    const section = buildDetails({ name: 'spaced', status: 'failed', reason: 'exit code 1', logTail: ['step 1', '```', '````', '# Heading', '<img src=https://evil.example/x.png>'] });
    const html = gfmToHtml(section);

    const blocks = [...html.matchAll(/<pre><code[^>]*>([\s\S]*?)<\/code><\/pre>/g)].map((match) => visibleText(match[1] ?? ''));
    expect(blocks).toEqual(['exit code 1\n', 'step 1\n```\n````\n# Heading\n<img src=https://evil.example/x.png>\n']);
    expect(headings(html)).toEqual([]);
    expect(countTags(html, 'img')).toBe(0);
  });

  it('in the publish report and the stopped-publishing summary', () => {
    const report = renderPublish(
      [
        { name: 'spaced', status: 'failed', repository: 'registry.example/agents/spaced', reason: attackLines.join('\n') },
        { name: 'word', status: 'blocked', reason: `the build failed: ${attack} (step \`${attack}\`)` },
        { name: 'meta', status: 'published', repository: 'registry.example/agents/meta', tags: [attack], digest: attack },
      ],
      sha,
    );

    expectInert(report.body, { headings: [/^❌ Dockyard 2 of 3 images not published$/, /^Not published$/] });
    expectInert(renderPublishStopped(attackLines.join('\n')), { headings: [] });
  });

  it('in the Jenkins registration report', () => {
    const registered = renderRegistration(
      { status: 'registered', clouds: [{ cloud: 'ecs-agents', kind: 'ecs', templates: [{ image: attack, label: attack, imageRef: attack }] }] },
      'https://jenkins.example.com/',
    );
    const rejected = renderRegistration({ status: 'rejected', problems: [attack, ...attackLines] }, 'https://jenkins.example.com/');
    const retrying = renderRegistration({ status: 'retrying', reason: attackLines.join('\n') }, 'https://jenkins.example.com/');

    expectInert(registered.body, { headings: [/^✅ Dockyard registered the agent templates in Jenkins$/], links: [/^https:\/\/jenkins\.example\.com\/$/] });
    expectInert(rejected.body, { headings: [/^❌ Jenkins rejected the agent templates$/] });
    expectInert(retrying.body, { headings: [/^⏳ Dockyard could not register the agent templates yet$/] });
  });

  it('in the invalid-config report, whose messages may quote the file', () => {
    const report = renderConfigError('.github/dockyard.yml', [{ field: attack, line: 3, message: `must be a string, got \`${attack}\`` }], 'main');

    expectInert(report.comment, { headings: [/^❌ Dockyard: invalid config on the default branch$/] });
    expectInert(report.summary, { headings: [] });
  });
});

describe('secrets registered for redaction', () => {
  // Contains Markdown specials, so escaping it first would hide it from redaction.
  const secret = 'ghs_s3cr3t*token_[for]-tests';

  it('never appear in a rendered summary, comment or report, wherever they were echoed', () => {
    registerSecret(secret);
    const lint = hadolint('images/python/Dockerfile', 3, 'warning', 'DL3008', `echoed ${secret}`);
    const builds = {
      kind: 'built' as const,
      images: [{ name: 'python', status: 'failed' as const, reason: `push denied for ${secret}`, step: `RUN echo ${secret}`, logTail: [`token=${secret}`] }],
    };
    const output = renderCheckOutput(outcomeOf(modified('python'), lintOk(lint)), { sha, builds });
    const comment = renderComment(outcomeOf(modified('python'), lintOk(lint)), { sha, builds });
    const rejected = renderRegistration({ status: 'rejected', problems: [`401 for ${secret}`] }, 'https://jenkins.example.com/');
    const retrying = renderRegistration({ status: 'retrying', reason: `Basic ${Buffer.from(secret).toString('base64')}` }, 'https://jenkins.example.com/');
    const publish = renderPublish([{ name: 'python', status: 'failed', reason: `login -p ${encodeURIComponent(secret)}` }], sha);

    const rendered = [output.summary, ...output.annotationBatches.flat().map((annotation) => annotation.message), comment, rejected.body, retrying.body, publish.body, renderPublishStopped(secret)];
    for (const text of rendered) {
      expect(text).not.toContain('s3cr3t');
      expect(text).not.toContain(Buffer.from(secret).toString('base64'));
      expect(text).toContain('[REDACTED]');
    }
  });
});
