import { escapeText, outsideMessage, tableCode } from './markdown.ts';

/** Hidden marker of the Jenkins registration comment on a merged pull request. */
export const registrationCommentMarker = '<!-- dockyard:jenkins -->';

/** What one cloud's registration came to. */
export interface CloudRegistration {
  cloud: string;
  kind: string;
  /** Templates in the applied document: image name, label, pinned reference. */
  templates: { image: string; label: string; imageRef: string }[];
}

/** Problems and reasons are Jenkins' (or the client's) messages: the report quotes them as code. */
export type RegistrationReport =
  | { status: 'registered'; clouds: CloudRegistration[]; warnings?: string[] }
  | { status: 'rejected'; problems: string[] }
  | { status: 'retrying'; reason: string };

/** Most Jenkins problems one report quotes; the rest are counted. */
const maxProblems = 20;

/** The registration report for the merge commit's check run and the merged pull request. */
export function renderRegistration(report: RegistrationReport, jenkinsUrl: string): { conclusion: 'success' | 'failure' | 'neutral'; title: string; body: string } {
  switch (report.status) {
    case 'registered': {
      const lines = report.clouds.flatMap((cloud) => [
        `**${escapeText(cloud.cloud)}** (${escapeText(cloud.kind)}): ${cloud.templates.length} template${cloud.templates.length === 1 ? '' : 's'}`,
        '',
        '| Image | Label | Image reference |',
        '|---|---|---|',
        ...cloud.templates.map((template) => `| ${escapeText(template.image)} | ${tableCode(template.label)} | ${tableCode(template.imageRef)} |`),
        '',
      ]);
      return {
        conclusion: 'success',
        title: 'Dockyard: Jenkins agent templates registered',
        body: [
          `## ✅ Dockyard registered the agent templates in [Jenkins](${jenkinsUrl})`,
          '',
          ...lines,
          ...(report.warnings !== undefined && report.warnings.length > 0
            ? ['Jenkins applied the templates with warnings:', '', outsideMessage(report.warnings.slice(0, maxProblems).join('\n'), 8_000), '']
            : []),
        ].join('\n'),
      };
    }
    case 'rejected':
      return {
        conclusion: 'failure',
        title: 'Dockyard: Jenkins rejected the agent templates',
        body: [
          '## ❌ Jenkins rejected the agent templates',
          '',
          'Jenkins kept its previous configuration. What it said:',
          '',
          outsideMessage(report.problems.slice(0, maxProblems).join('\n'), 8_000),
          ...(report.problems.length > maxProblems ? ['', `…and ${report.problems.length - maxProblems} more.`] : []),
          '',
          'Fix the `jenkins:` settings in `.github/dockyard.yml` or the image metadata, and merge the fix.',
        ].join('\n'),
      };
    case 'retrying':
      return {
        conclusion: 'neutral',
        title: 'Dockyard: waiting for Jenkins',
        body: [
          '## ⏳ Dockyard could not register the agent templates yet',
          '',
          outsideMessage(report.reason),
          '',
          'The images are published. Dockyard keeps retrying with backoff and updates this comment when Jenkins has them.',
        ].join('\n'),
      };
  }
}
