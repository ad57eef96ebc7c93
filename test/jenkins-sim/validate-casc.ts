import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { cloudAttributes, type AttributeSpec } from './plugin-attributes.ts';

/** One problem, as /configuration-as-code/check reports it. */
export interface CascIssue {
  line: number;
  message: string;
}

/** A document JCasC would apply (its plain value), or why it would not. */
export type CascValidation = { ok: true; value: Record<string, unknown> } | { ok: false; issues: CascIssue[] };

// Root keys JCasC has configurators for in a Jenkins with these plugins (ConfigurationAsCode.invokeWith
// rejects others with "No configurator for the following root elements"). Only `jenkins.clouds` is
// modelled in depth; the rest is accepted as is.
const rootElements = new Set(['jenkins', 'unclassified', 'security', 'tool', 'credentials', 'jobs', 'appearance']);

/**
 * Checks a JCasC document the way the real plugin would for the parts Dockyard writes: YAML syntax, root
 * elements, cloud symbols and every attribute name under a cloud. Unlike JCasC, which stops at the first
 * problem, it reports them all so a test can see every mistake at once.
 */
export function validateCasc(text: string, attributes: Record<string, AttributeSpec> = cloudAttributes): CascValidation {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      ok: false,
      issues: document.errors.map((error) => ({
        line: lineCounter.linePos(error.pos[0]).line,
        message: error.message.split('\n')[0] ?? error.message,
      })),
    };
  }
  const issues: CascIssue[] = [];
  const lineOf = (node: Node | null | undefined): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : 1;
  const root = document.contents;
  if (root !== null && !isMap(root)) {
    return { ok: false, issues: [{ line: lineOf(root), message: 'The configuration must be a mapping of root elements' }] };
  }
  for (const pair of root?.items ?? []) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    if (!rootElements.has(key)) {
      issues.push({ line: lineOf(pair.key as Node), message: `No configurator for the following root elements ${key}` });
    } else if (key === 'jenkins' && isMap(pair.value)) {
      checkClouds(pair.value, issues, lineOf, attributes);
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: (document.toJS() ?? {}) as Record<string, unknown> };
}

function checkClouds(
  jenkins: YAMLMap,
  issues: CascIssue[],
  lineOf: (node: Node | null | undefined) => number,
  attributes: Record<string, AttributeSpec>,
): void {
  const clouds = jenkins.get('clouds', true) as Node | undefined;
  if (clouds === undefined || clouds === null) return;
  if (!isSeq(clouds)) {
    issues.push({ line: lineOf(clouds), message: 'jenkins.clouds must be a list of clouds' });
    return;
  }
  for (const item of clouds.items) {
    const only = isMap(item) && item.items.length === 1 ? item.items[0] : undefined;
    if (only === undefined) {
      issues.push({ line: lineOf(item as Node), message: 'Each cloud must be a mapping with exactly one key, its symbol' });
      continue;
    }
    const symbol = String(isScalar(only.key) ? only.key.value : only.key);
    const spec = attributes[symbol];
    if (spec === undefined) {
      // HeteroDescribableConfigurator's message for a symbol no installed plugin provides.
      issues.push({ line: lineOf(only.key as Node), message: `No hudson.slaves.Cloud implementation found for ${symbol}` });
      continue;
    }
    checkNode(spec, only.value as Node | null, lineOf(only.key as Node), issues, lineOf);
  }
}

function checkNode(
  spec: AttributeSpec,
  node: Node | null,
  line: number,
  issues: CascIssue[],
  lineOf: (node: Node | null | undefined) => number,
): void {
  if (spec.kind === 'any') return;
  if (spec.kind === 'list') {
    if (node === null) return;
    if (!isSeq(node)) {
      issues.push({ line: lineOf(node), message: 'Expected a list' });
      return;
    }
    for (const item of node.items) checkNode(spec.item, item as Node, lineOf(item as Node), issues, lineOf);
    return;
  }
  if (node !== null && !isMap(node)) {
    issues.push({ line: lineOf(node), message: `Expected a mapping for ${spec.type}` });
    return;
  }
  if (spec.kind === 'oneOf') {
    const only = node !== null && node.items.length === 1 ? node.items[0] : undefined;
    const symbol = only === undefined ? '' : String(isScalar(only.key) ? only.key.value : only.key);
    const option = spec.options[symbol];
    if (only === undefined || option === undefined) {
      issues.push({ line, message: `No ${spec.type} implementation found for ${symbol || '(nothing)'}` });
      return;
    }
    checkNode(option, only.value as Node | null, lineOf(only.key as Node), issues, lineOf);
    return;
  }
  const present = new Set<string>();
  for (const pair of node?.items ?? []) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    present.add(key);
    const attribute = spec.attributes[key];
    if (attribute === undefined) {
      // Same wording as BaseConfigurator.handleUnknown in configuration-as-code-plugin.
      issues.push({
        line: lineOf(pair.key as Node),
        message:
          `Invalid configuration elements for type: class ${spec.type} : ${key}.\n` +
          `Available attributes : ${Object.keys(spec.attributes).sort().join(', ')}`,
      });
    } else {
      checkNode(attribute, pair.value as Node | null, lineOf(pair.key as Node), issues, lineOf);
    }
  }
  for (const [name, message] of Object.entries(spec.required ?? {})) {
    if (!present.has(name)) issues.push({ line, message });
  }
}
