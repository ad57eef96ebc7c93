import type { CheckOutcome } from '../check/conclude-check.ts';
import type { Finding } from '../findings.ts';
import { formatFindingMarkdown, type FindingLinks } from './format-finding.ts';
import { inlineCode, outsideMessage, truncate } from './markdown.ts';
import { maxSummaryLength, type CheckOutput } from './render-check-output.ts';
import { maxCommentLength } from './render-comment.ts';
import type { PullRequestConclusion } from './verdict.ts';

/** An outside system that stopped the build and scan of a pull request after its policy and lint were judged. */
export interface OutsideFailureView {
  /** The system that failed: `ecr`, `registry`, `docker`, `trivy`, `jenkins`, `github`, or another name. */
  system: string;
  message: string;
  /** True when Dockyard tries again on its own. */
  retrying: boolean;
  /** True when the images were built and only their scans could not run: the report already counts them. */
  scansOnly?: boolean;
}

/** What a pull request check reports beyond the catalog. */
export interface CheckExtras {
  /** Findings about the repository settings the pull request changes, read as they would be after merge. */
  settings: readonly Finding[];
  /** The files those findings are about, changed by the pull request. */
  settingsFiles: readonly string[];
  outside?: OutsideFailureView;
}

export interface RenderedCheck {
  output: CheckOutput & { conclusion: PullRequestConclusion };
  /** The sticky comment's body, marker included. */
  comment: string;
}

/** Most settings findings the comment lists; the check run annotates them all. */
const maxSettingsListed = 20;

const systems: Record<string, { name: string; check: string }> = {
  ecr: { name: 'ECR', check: "the app's AWS credentials and its network path to ECR" },
  registry: { name: 'the registry', check: 'that the registry answers and accepts the app\'s credentials' },
  docker: { name: 'the Docker engine', check: 'that the Docker engine (`DOCKER_HOST`) answers and can reach the registry' },
  trivy: { name: "Trivy's vulnerability database", check: "that Trivy's database can be downloaded or is mirrored (`DOCKYARD_TRIVY_DB_REPOSITORY`)" },
  jenkins: { name: 'Jenkins', check: 'that the Jenkins controller answers' },
  github: { name: 'GitHub', check: 'GitHub\'s status page; nothing needs to change on your side' },
};

/**
 * Adds to a rendered pull request report what the catalog report does not hold: the problems of the
 * settings files the pull request changes (which would apply after merge, while this check still judges
 * by the default branch's), and an outside failure that kept images from being built. An outside failure
 * is no fault of the change: without findings that fail, the check is neutral and says what to do.
 */
export function addCheckExtras(outcome: CheckOutcome, rendered: RenderedCheck, extras: CheckExtras, links: FindingLinks): RenderedCheck {
  const sections: string[] = [];
  let { conclusion, title } = rendered.output;
  let heading: string | undefined;
  if (extras.outside) {
    const system = systems[extras.outside.system] ?? { name: extras.outside.system, check: `that ${extras.outside.system} answers` };
    if (!extras.outside.scansOnly && (conclusion === 'success' || conclusion === 'neutral')) {
      conclusion = 'neutral';
      const judged = outcome.lint.status === 'unavailable' ? 'policy passed, lint did not run' : 'policy and lint passed';
      const headline = `${judged}; not built or scanned: ${system.name} could not be reached`;
      title = `Dockyard: ${headline}`;
      heading = `## ⚠️ Dockyard: ${headline}`;
    }
    const retry = extras.outside.retrying
      ? 'Dockyard tries again on its own and updates this report; to try at once, re-run the check from the Checks tab.'
      : 'Re-run the check from the Checks tab once it answers again.';
    sections.push(
      [
        '> [!WARNING]',
        extras.outside.scansOnly
          ? `> **Not scanned: Trivy could not run its scans.** This is not a finding about your change; the policy, lint and build results below are complete. ${retry} If it keeps failing, ask the platform team to check ${system.check}.`
          : `> **Not built or scanned: ${system.name} could not be reached.** This is not a finding about your change; the policy and lint results below are complete. ${retry} If it keeps failing, ask the platform team to check ${system.check}.`,
        '>',
        ...outsideMessage(extras.outside.message).split('\n').map((line) => `> ${line}`),
      ].join('\n'),
    );
  }
  if (extras.settings.length > 0) {
    const files = extras.settingsFiles.map(inlineCode).join(', ');
    const listed = extras.settings.slice(0, maxSettingsListed).map((finding) => formatFindingMarkdown(finding, outcome.failing.has(finding), links));
    if (extras.settings.length > listed.length) listed.push(`- …and ${extras.settings.length - listed.length} more, in the check run.`);
    sections.push(
      [
        '### Settings as they would be after merge',
        '',
        `This pull request changes ${files}. It is judged by the settings on the default branch; these problems would take effect when it is merged:`,
        '',
        ...listed,
      ].join('\n'),
    );
  }
  if (sections.length === 0) return rendered;
  const insert = (report: string, limit: number) => {
    const lines = report.split('\n');
    const at = lines.findIndex((line) => line.startsWith('## '));
    if (heading !== undefined && at >= 0) lines[at] = heading;
    // The heading is followed by a blank line; the sections go after it, each followed by one.
    lines.splice(at + 2, 0, ...sections.flatMap((section) => [section, '']));
    return truncate(lines.join('\n'), limit);
  };
  return {
    output: { ...rendered.output, conclusion, title, summary: insert(rendered.output.summary, maxSummaryLength) },
    comment: insert(rendered.comment, maxCommentLength),
  };
}
