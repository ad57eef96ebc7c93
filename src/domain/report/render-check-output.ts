import type { CheckOutcome } from '../check/conclude-check.ts';
import type { Finding } from '../findings.ts';
import { redact } from '../../logging/secrets.ts';
import { levelText, stripRuleLink } from './format-finding.ts';
import { ruleUrl } from './links.ts';
import { inlineCode, truncate } from './markdown.ts';
import { renderReport, type CommentContext } from './render-comment.ts';
import { verdictOf, type PullRequestConclusion } from './verdict.ts';

/** The Checks API takes at most 50 annotations per request. */
export const annotationsPerRequest = 50;
/** Past this many, annotations stop helping a reviewer; the rest stay in the summary and locally. */
export const maxAnnotations = 1000;
/** Checks API limits ("Update a check run"): an annotation title is at most 255 characters. */
export const maxAnnotationTitleLength = 255;
/**
 * An annotation message is at most 64 KB; a UTF-16 code unit takes at most 3 bytes in UTF-8, so this
 * many characters always fit, and a reviewer never needs more.
 */
export const maxAnnotationMessageLength = 20_000;

/** A check run annotation, as the Checks API takes it. */
export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title: string;
  message: string;
}

/** The Checks API's limit on a check run's summary ("Update a check run": `output.summary`, 65,535 characters). */
export const maxSummaryLength = 65_535;

export interface CheckOutput {
  title: string;
  summary: string;
  /** Annotations in batches of at most 50, one batch per request. */
  annotationBatches: Annotation[][];
}

/**
 * The check run's output: the conclusion and title from the worst outcome, the same report as the comment
 * (within the summary's limit), and one annotation per finding.
 */
export function renderCheckOutput(outcome: CheckOutcome, context: CommentContext): CheckOutput & { conclusion: PullRequestConclusion } {
  const verdict = verdictOf(outcome, context.builds);
  const annotations = outcome.findings.slice(0, maxAnnotations).map((finding) => toAnnotation(finding, outcome.failing.has(finding)));
  const extra = outcome.findings.length - annotations.length;
  const more = extra > 0 ? `\n\n${extra} more findings are not annotated (the first ${maxAnnotations} are); run \`dockyard check\` to see them all.` : '';
  const summary = renderReport(outcome, context, maxSummaryLength - more.length - 1) + more;
  const annotationBatches: Annotation[][] = [];
  for (let i = 0; i < annotations.length; i += annotationsPerRequest) {
    annotationBatches.push(annotations.slice(i, i + annotationsPerRequest));
  }
  return { conclusion: verdict.conclusion, title: `Dockyard: ${verdict.headline}`, summary, annotationBatches };
}

// The level says whether it fails (failure) or how much it weighs (warning, notice); the title names the
// rule, how its source rates it and the image; the message ends with where the rule is explained.
function toAnnotation(finding: Finding, failing: boolean): Annotation {
  const link = ruleUrl(finding.rule);
  const message = stripRuleLink(finding);
  return {
    path: finding.file,
    start_line: finding.line,
    end_line: finding.endLine ?? finding.line,
    annotation_level: failing ? 'failure' : finding.severity === 'notice' ? 'notice' : 'warning',
    ...annotationText(
      `${finding.rule} (${levelText(finding)}${failing ? ', fails the check' : ''})${finding.image ? ` in ${finding.image}` : ''}`,
      link === undefined ? message : `${message}\n\n${link}`,
    ),
  };
}

/**
 * An annotation's title and message. GitHub shows both as plain text, so they need no Markdown
 * escaping, only the API's length limits and redaction like everything else that leaves the process.
 */
export function annotationText(title: string, message: string): Pick<Annotation, 'title' | 'message'> {
  return {
    title: truncate(redact(title).replace(/\s+/g, ' '), maxAnnotationTitleLength),
    message: truncate(redact(message), maxAnnotationMessageLength),
  };
}

/** The check run of a pull request that touches no catalog file: it passes at once, so a required check never waits. */
export function renderNoCatalogChange(catalogRoot: string): CheckOutput {
  return {
    title: 'Dockyard: no catalog change',
    summary: `This pull request changes nothing under ${inlineCode(`${catalogRoot}/`)}, nor ${inlineCode('.github/dockyard.yml')} or the hadolint settings, so there is nothing for Dockyard to check or build.`,
    annotationBatches: [],
  };
}
