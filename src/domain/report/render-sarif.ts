import { createHash } from 'node:crypto';
import type { CheckOutcome } from '../check/conclude-check.ts';
import type { Finding } from '../findings.ts';
import { levelText, stripRuleLink } from './format-finding.ts';
import { dockyardDocsUrl, dockyardRules, ruleUrl } from './links.ts';

/** SARIF 2.1.0 (OASIS), the format code scanning tools read; its schema as SchemaStore publishes it. */
const sarifSchema = 'https://json.schemastore.org/sarif-2.1.0.json';

export interface SarifOptions {
  /** Dockyard's version, for `tool.driver.version`. */
  version: string;
}

/**
 * The check as a SARIF 2.1.0 log: one run of the tool `Dockyard`, one rule per rule id found (with its
 * page as `helpUri`), one result per finding. The level says whether it fails the check (`error`), else
 * how its source rates it (`warning`, `note`); the source's own level is kept under `properties`. Each
 * result carries a fingerprint of what it is (rule, file, image, message), not where, so moving a line
 * does not make an old finding look new.
 */
export function renderSarif(outcome: CheckOutcome, options: SarifOptions): string {
  const ruleIds = [...new Set(outcome.findings.map((finding) => finding.rule))].sort();
  const rules = ruleIds.map((id) => {
    const help = ruleUrl(id);
    const title = dockyardRules[id];
    return {
      id,
      ...(title === undefined ? {} : { name: title.replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) => (next ?? '').toUpperCase()) }),
      shortDescription: { text: title ?? id },
      ...(help === undefined ? {} : { helpUri: help }),
    };
  });
  const index = new Map(ruleIds.map((id, position) => [id, position]));
  const results = outcome.findings.map((finding) => ({
    ruleId: finding.rule,
    ruleIndex: index.get(finding.rule) ?? 0,
    kind: 'fail',
    level: level(finding, outcome.failing.has(finding)),
    message: { text: stripRuleLink(finding) },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeURI(finding.file), uriBaseId: '%SRCROOT%' },
          region: { startLine: finding.line, endLine: finding.endLine ?? finding.line },
        },
      },
    ],
    partialFingerprints: { 'dockyardFinding/v1': fingerprint(finding) },
    properties: { source: finding.source, sourceLevel: levelText(finding), failsCheck: outcome.failing.has(finding), ...(finding.image ? { image: finding.image } : {}) },
  }));
  const docs = dockyardDocsUrl();
  const log = {
    $schema: sarifSchema,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Dockyard', version: options.version, ...(docs === undefined ? {} : { informationUri: `${docs}/rules/README.md` }), rules } },
        results,
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}

function level(finding: Finding, failing: boolean): 'error' | 'warning' | 'note' {
  if (failing) return 'error';
  return finding.severity === 'notice' ? 'note' : 'warning';
}

function fingerprint(finding: Finding): string {
  return createHash('sha256').update(JSON.stringify([finding.rule, finding.file, finding.image ?? '', finding.message])).digest('hex');
}
