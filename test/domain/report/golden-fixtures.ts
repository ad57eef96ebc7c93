import path from 'node:path';
import type { CheckOutcome } from '../../../src/domain/check/conclude-check.ts';
import type { BuildState, BuildView } from '../../../src/domain/report/render-builds.ts';
import { renderComment, type CommentContext } from '../../../src/domain/report/render-comment.ts';
import { renderPublish } from '../../../src/domain/report/render-publish.ts';
import { gateScan } from '../../../src/domain/scan/gate-scan.ts';
import type { Vulnerability } from '../../../src/domain/scan/vulnerability.ts';
import { childOf, folder, fromUpstream } from '../catalog/catalog-fixtures.ts';
import { hadolint, seedFolders } from '../check/check-fixtures.ts';
import { unfixed, vulnerability } from '../scan/scan-fixtures.ts';
import { lintOk, modified, outcomeOf, sha } from './report-fixtures.ts';
import { setDocsUrl } from '../../../src/domain/report/links.ts';

setDocsUrl('https://dockyard.example.com/docs');

export const repoUrl = 'https://github.com/acme/agents';
export const checkRunUrl = 'https://github.com/acme/agents/runs/42';

const database = { updatedAt: '2026-11-28T00:00:00Z', nextUpdate: '2026-11-29T00:00:00Z', stale: false };

const tar = vulnerability('CVE-2099-0001', 'tar', 'CRITICAL', {
  installedVersion: '1.34+dfsg-1.2',
  fixedVersion: '1.34+dfsg-1.2+deb12u1',
  status: 'fixed',
  title: 'tar: heap overflow when extracting a crafted archive',
  primaryUrl: 'https://avd.aquasec.com/nvd/cve-2099-0001',
});
const gzip = vulnerability('CVE-2099-0002', 'gzip', 'HIGH', { installedVersion: '1.12-1', fixedVersion: '1.12-1+deb12u1', status: 'fixed', title: 'gzip: out-of-bounds write' });
const curl: Vulnerability = { ...unfixed('CVE-2099-0005', 'curl', 'MEDIUM'), installedVersion: '7.88.1-10', status: 'affected', title: 'curl: cookie leak on redirect' };
const perl: Vulnerability = { ...unfixed('CVE-2099-0007', 'perl-base', 'CRITICAL'), installedVersion: '5.36.0-7', status: 'will_not_fix', title: 'perl: crafted regular expression' };
const libc: Vulnerability = { ...unfixed('CVE-2099-0008', 'libc6', 'LOW'), installedVersion: '2.36-9', status: 'affected', title: 'glibc: minor information leak' };

/** A build that succeeded, scanned with `vulnerabilities` and gated on CRITICAL. */
function built(name: string, vulnerabilities: Vulnerability[], published?: Vulnerability[]): BuildView {
  const view: BuildView = {
    name,
    status: 'built',
    builder: 'buildkit-0.8',
    scan: { status: 'ok', vulnerabilities, database },
    gate: gateScan(vulnerabilities, { failOn: ['CRITICAL'] }),
  };
  if (published) view.published = published;
  return view;
}

const pinWarning = hadolint('images/python/Dockerfile', 3, 'warning', 'DL3008', 'Pin versions in apt get install. Instead of `apt-get install <package>` use `apt-get install <package>=<version>` (https://github.com/hadolint/hadolint/wiki/DL3008)');
const recommendsNote = hadolint('images/python/Dockerfile', 3, 'notice', 'DL3015', 'Avoid additional packages by specifying `--no-install-recommends` (https://github.com/hadolint/hadolint/wiki/DL3015)');

export interface Scenario {
  name: string;
  outcome: CheckOutcome;
  context: CommentContext;
}

function scenario(name: string, outcome: CheckOutcome, builds?: BuildState): Scenario {
  return { name, outcome, context: { sha, checkRunUrl, repoUrl, ...(builds ? { builds } : {}) } };
}

/** The pull request reports the goldens show, each a case a reviewer meets. */
export function scenarios(): Scenario[] {
  const ubuntu = seedFolders().map((image) => (image.name === 'python' ? folder('python', fromUpstream('ubuntu:22.04', 'RUN apt-get install -y python3')) : image));
  const children = Array.from({ length: 50 }, (_, index) => folder(`agent-${String(index + 1).padStart(2, '0')}`, childOf('base', 'RUN true')));
  const bump = outcomeOf(modified('base'), lintOk(), [...seedFolders(), ...children]);
  const bumpViews = [
    built('base', [gzip, curl, libc], [gzip, curl, libc, tar]),
    ...[...bump.analysis.affected].filter((name) => name !== 'base').sort().map((name, index) =>
      built(name, index % 10 === 0 ? [gzip, curl, libc, { ...libc, id: `CVE-2099-1${String(index).padStart(3, '0')}`, pkgName: `lib-${name}` }] : [gzip, curl, libc], [gzip, curl, libc, tar]),
    ),
  ];
  const many = Array.from({ length: 300 }, (_, index) => `img-${String(index).padStart(3, '0')}`);
  const longMessage = (rule: number) => `Rule ${rule}: ${'This finding explains at length what is wrong with this line and how to fix it. '.repeat(4)}`;
  const manyOutcome = outcomeOf(
    modified(...many),
    lintOk(...many.flatMap((name) => Array.from({ length: 20 }, (_, rule) => hadolint(`images/${name}/Dockerfile`, 2, 'warning', `DL${3000 + rule}`, longMessage(rule))))),
    many.map((name) => folder(name, fromUpstream('debian:bookworm', 'RUN apt-get install -y curl'))),
  );
  return [
    scenario('pass', outcomeOf(modified('boto3')), { kind: 'built', images: [built('boto3', [gzip], [gzip])] }),
    scenario('policy-failure', outcomeOf(modified('python'), lintOk(), ubuntu), {
      kind: 'built',
      images: [
        { name: 'python', status: 'skipped', reason: 'the parent policy or lint fails for it' },
        { name: 'boto3', status: 'skipped', reason: 'its parent `python` is not built' },
      ],
    }),
    scenario('lint-failure', outcomeOf(modified('python'), lintOk(pinWarning, recommendsNote))),
    scenario('cve-failure', outcomeOf(modified('python')), {
      kind: 'built',
      images: [
        built('python', [tar, gzip, { ...perl, waived: { source: '.trivyignore' } }, curl], [gzip, curl]),
        built('boto3', [tar, gzip, { ...perl, waived: { source: '.trivyignore' } }, curl, libc], [gzip, curl]),
      ],
    }),
    scenario('fork-awaiting-approval', outcomeOf(modified('python'), lintOk(recommendsNote)), { kind: 'awaiting-approval', command: '/dockyard build' }),
    scenario('base-bump-50', bump, { kind: 'built', images: bumpViews }),
    scenario('pr-300-images', manyOutcome, {
      kind: 'built',
      images: many.map((name) => ({ name, status: 'skipped', reason: 'the parent policy or lint fails for it' })),
    }),
  ];
}

/** The publish reports the goldens show. */
export function publishScenarios(): { name: string; body: string }[] {
  const repository = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/jenkins-agents';
  const digest = `sha256:${'ab'.repeat(32)}`;
  return [
    {
      name: 'publish-success',
      body: renderPublish(
        [
          { name: 'python', status: 'published', repository: `${repository}/python`, tags: ['20261129-0123456', `sha-${sha}`, 'latest'], digest },
          { name: 'boto3', status: 'already-published', repository: `${repository}/boto3`, tags: ['20261129-0123456', `sha-${sha}`, 'latest'], digest },
        ],
        sha,
      ).body,
    },
    {
      name: 'publish-failure',
      body: renderPublish(
        [
          { name: 'python', status: 'failed', reason: 'denied: User: arn:aws:iam::123456789012:role/dockyard is not authorized to perform: ecr:InitiateLayerUpload' },
          { name: 'boto3', status: 'blocked', reason: 'its parent `python` was not published' },
        ],
        sha,
      ).body,
    },
  ];
}

/** Every golden file by name: the comment of each scenario, then the publish reports. */
export function goldens(): Map<string, string> {
  const files = new Map<string, string>();
  for (const each of scenarios()) files.set(each.name, renderComment(each.outcome, each.context));
  for (const each of publishScenarios()) files.set(each.name, each.body);
  return files;
}

export function goldenPath(name: string): string {
  return path.join(import.meta.dirname, 'golden', `${name}.md`);
}
