import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { cloudAttributes, type AttributeSpec, type ScalarType } from './plugin-attributes.ts';

/** One problem or warning, at the line of the YAML it is about. */
export interface CascIssue {
  line: number;
  message: string;
}

/** A document JCasC would apply (its value, `${…}` resolved), with its warnings, or why it would not. */
export type CascValidation =
  | { ok: true; value: Record<string, unknown>; warnings: CascIssue[]; lookups: string[] }
  | { ok: false; issues: CascIssue[]; syntax: boolean };

// Root elements the simulated Jenkins has configurators for (ConfigurationAsCode.invokeWith refuses others
// with "No configurator found for the following root element"); `configuration-as-code` is SelfConfigurator.
const rootElements = new Set(['jenkins', 'unclassified', 'security', 'tool', 'credentials', 'jobs', 'appearance', 'configuration-as-code']);

/**
 * Checks a JCasC document the way configuration-as-code-plugin 58646eb6 would for the parts Dockyard
 * writes, and lists every problem in document order (JCasC stops at the first; the simulator answers
 * with that one): YAML syntax (snakeyaml), root elements (keys starting with `x-` are ignored since
 * configuration-as-code-1.41, 1dba3f81, ConfigurationAsCode.isNotAliasEntry), cloud symbols, attribute
 * names, @Nonnull constructor parameters and scalar types from plugin-attributes.ts. Unknown attributes
 * are warnings instead when the document says `configuration-as-code: {unknown: warn}` (ConfigurationContext,
 * BaseConfigurator.handleUnknown). Values resolve `${…}` lookups and read `^${` as a literal `${`
 * (SecretSourceResolver); the lookups found are returned, so a test sees one Dockyard should never cause.
 */
export function validateCasc(text: string, attributes: Record<string, AttributeSpec> = cloudAttributes): CascValidation {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      ok: false,
      syntax: true,
      issues: document.errors.map((error) => ({ line: lineCounter.linePos(error.pos[0]).line, message: error.message.split('\n')[0] ?? error.message })),
    };
  }
  const lineOf = (node: unknown): number => {
    const range = (node as Node | null | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : 1;
  };
  const root = document.contents;
  if (root !== null && !isMap(root)) return { ok: false, syntax: false, issues: [{ line: lineOf(root), message: 'Item isn\'t a Mapping' }] };
  const self = root?.get('configuration-as-code', true);
  const unknownMode = isMap(self) ? String(self.get('unknown') ?? 'reject') : 'reject';
  const walk = new Walk(lineOf, unknownMode === 'warn');
  for (const pair of root?.items ?? []) {
    const key = keyOf(pair.key);
    if (key.startsWith('x-')) continue;
    if (!rootElements.has(key)) {
      walk.issues.push({
        line: lineOf(pair.key),
        message: `No configurator found for the following root element: ${key}. This may indicate that the required plugin is not installed or failed to load. Verify that the plugin is installed and check the Jenkins startup logs for plugin loading errors.`,
      });
    } else if (key === 'jenkins' && isMap(pair.value)) {
      walk.clouds(pair.value, attributes);
    }
  }
  if (walk.issues.length > 0) return { ok: false, syntax: false, issues: walk.issues };
  const lookups: string[] = [];
  const value = resolveLookups(document.toJS() ?? {}, lookups) as Record<string, unknown>;
  for (const key of Object.keys(value)) if (key.startsWith('x-')) delete value[key];
  return { ok: true, value, warnings: walk.warnings, lookups };
}

class Walk {
  readonly issues: CascIssue[] = [];
  readonly warnings: CascIssue[] = [];
  readonly #lineOf: (node: unknown) => number;
  readonly #warnUnknown: boolean;

  constructor(lineOf: (node: unknown) => number, warnUnknown: boolean) {
    this.#lineOf = lineOf;
    this.#warnUnknown = warnUnknown;
  }

  clouds(jenkins: YAMLMap, attributes: Record<string, AttributeSpec>): void {
    const clouds = jenkins.get('clouds', true) as Node | undefined;
    if (clouds === undefined || clouds === null) return;
    if (!isSeq(clouds)) return void this.issues.push({ line: this.#lineOf(clouds), message: 'Item isn\'t a Sequence' });
    for (const item of clouds.items) {
      const only = isMap(item) && item.items.length === 1 ? item.items[0] : undefined;
      if (only === undefined) {
        this.issues.push({ line: this.#lineOf(item), message: 'Single entry map expected to configure a hudson.slaves.Cloud' });
        continue;
      }
      const symbol = keyOf(only.key);
      const spec = attributes[symbol];
      // HeteroDescribableConfigurator: a symbol no installed plugin provides.
      if (spec === undefined) this.issues.push({ line: this.#lineOf(only.key), message: `No hudson.slaves.Cloud implementation found for ${symbol}` });
      else this.node(spec, only.value as Node | null, this.#lineOf(only.key), symbol);
    }
  }

  node(spec: AttributeSpec, node: Node | null, line: number, name: string): void {
    switch (spec.kind) {
      case 'any':
        return;
      case 'scalar':
        return this.scalar(spec.type, node, line, name);
      case 'list':
        if (node === null) return;
        if (!isSeq(node)) return void this.issues.push({ line: this.#lineOf(node), message: `Item isn't a Sequence (attribute '${name}')` });
        for (const item of node.items) this.node(spec.item, item as Node, this.#lineOf(item), name);
        return;
      case 'oneOf': {
        const only = isMap(node) && node.items.length === 1 ? node.items[0] : undefined;
        const symbol = only === undefined ? '' : keyOf(only.key);
        const option = spec.options[symbol];
        if (only === undefined || option === undefined) {
          return void this.issues.push({ line, message: `No ${spec.type} implementation found for ${symbol || '(nothing)'}` });
        }
        return this.node(option, only.value as Node | null, this.#lineOf(only.key), symbol);
      }
      case 'object':
        return this.object(spec, node, line);
    }
  }

  object(spec: Extract<AttributeSpec, { kind: 'object' }>, node: Node | null, line: number): void {
    if (node !== null && !isMap(node)) return void this.issues.push({ line: this.#lineOf(node), message: `Item isn't a Mapping (${spec.type})` });
    const byLowerName = new Map(Object.keys(spec.attributes).map((name) => [name.toLowerCase(), name]));
    const present = new Set<string>();
    const unknown: string[] = [];
    let firstUnknownLine = line;
    for (const pair of node?.items ?? []) {
      const key = keyOf(pair.key);
      present.add(key);
      const attribute = byLowerName.get(key.toLowerCase());
      if (attribute === undefined) {
        if (unknown.length === 0) firstUnknownLine = this.#lineOf(pair.key);
        unknown.push(key);
      } else {
        this.node(spec.attributes[attribute] as AttributeSpec, pair.value as Node | null, this.#lineOf(pair.key), attribute);
      }
    }
    // DataBoundConfigurator.tryConstructor: a missing javax/jakarta @Nonnull parameter.
    for (const parameter of spec.parameters) {
      if (parameter.nonnull && !present.has(parameter.name)) {
        this.issues.push({ line, message: `${parameter.name} is required to configure class ${spec.type}` });
      }
    }
    const refused = spec.construct?.(present);
    if (refused !== undefined) this.issues.push({ line, message: refused });
    if (unknown.length > 0) {
      const message =
        `Invalid configuration elements for type: class ${spec.type} : ${unknown.join(',')}.\n` +
        `Available attributes : ${Object.keys(spec.attributes).sort().join(', ')}`;
      (this.#warnUnknown ? this.warnings : this.issues).push({ line: firstUnknownLine, message });
    }
  }

  // PrimitiveConfigurator converts with Stapler's converters (commons-beanutils); wrapped by
  // BaseConfigurator as "Failed to set attribute '<name>'" since 2036.v0b_c2de701dcb_.
  scalar(type: ScalarType, node: Node | null, line: number, name: string): void {
    if (node === null) return;
    if (!isScalar(node)) return void this.issues.push({ line: this.#lineOf(node), message: `Item isn't a Scalar (attribute '${name}')` });
    const text = String(node.value);
    const refuse = (what: string): void => void this.issues.push({ line, message: `Failed to set attribute '${name}': cannot convert '${text}' to ${what}` });
    if (typeof type === 'object') {
      if (!type.enum.includes(text)) refuse(`one of ${type.enum.join(', ')}`);
    } else if (/^(int|Integer|long|Long)$/.test(type)) {
      if (!/^-?\d+$/.test(text.trim())) refuse(type);
    } else if (/^(boolean|Boolean)$/.test(type)) {
      if (!/^(true|false|yes|no|y|n|on|off|1|0)$/i.test(text.trim())) refuse(type);
    }
  }
}

function keyOf(key: unknown): string {
  return String(isScalar(key) ? key.value : key);
}

/** SecretSourceResolver: `^${` is a literal `${`; any other `${name}` is a lookup (unresolved → empty). */
function resolveLookups(value: unknown, lookups: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\^?\$\{([^}]*)\}/g, (match: string, name: string) => {
      if (match.startsWith('^')) return match.slice(1);
      lookups.push(name);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item) => resolveLookups(item, lookups));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, resolveLookups(entry, lookups)]));
  }
  return value;
}
