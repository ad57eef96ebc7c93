import type { CheckOutcome } from '../check/conclude-check.ts';
import type { Finding } from '../findings.ts';
import { redact } from '../../logging/secrets.ts';
import { truncate } from './markdown.ts';
import { commentMarker, headline, renderComment, type CommentContext } from './render-comment.ts';

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

export interface CheckOutput {
  title: string;
  summary: string;
  /** Annotations in batches of at most 50, one batch per request. */
  annotationBatches: Annotation[][];
}

/** The check run's output: the same report as the comment, and one annotation per finding. */
export function renderCheckOutput(outcome: CheckOutcome, context: CommentContext): CheckOutput {
  const annotations = outcome.findings.slice(0, maxAnnotations).map((finding) => toAnnotation(finding, outcome.failing.has(finding)));
  let summary = renderComment(outcome, context).replace(`${commentMarker}\n`, '');
  const extra = outcome.findings.length - annotations.length;
  if (extra > 0) summary += `\n\n${extra} more findings are not annotated (the first ${maxAnnotations} are); run \`dockyard check\` to see them all.`;
  const annotationBatches: Annotation[][] = [];
  for (let i = 0; i < annotations.length; i += annotationsPerRequest) {
    annotationBatches.push(annotations.slice(i, i + annotationsPerRequest));
  }
  const failures = context.buildFailures ?? 0;
  const title = `Dockyard: ${headline(outcome)}${failures > 0 ? `; ${failures} image${failures === 1 ? '' : 's'} failed build or scan` : ''}`;
  return { title, summary, annotationBatches };
}

function toAnnotation(finding: Finding, failing: boolean): Annotation {
  return {
    path: finding.file,
    start_line: finding.line,
    end_line: finding.endLine ?? finding.line,
    annotation_level: failing ? 'failure' : finding.severity === 'notice' ? 'notice' : 'warning',
    ...annotationText(`${finding.rule}${finding.image ? ` (${finding.image})` : ''}`, finding.message),
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
