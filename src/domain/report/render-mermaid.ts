import type { CatalogAnalysis } from '../check/analyze-catalog.ts';
import type { ParentVerdict } from '../policy/check-parents.ts';
import { formatImageReference } from '../dockerfile/image-reference.ts';
import { redact } from '../../logging/secrets.ts';

/** Most images one diagram draws; past it, the rest are counted in `+N` nodes. GitHub renders about this many legibly in a comment's width. */
export const maxDiagramNodes = 25;

export interface MermaidOptions {
  /** Images that fail the check (findings, build or scan): drawn red. */
  failing?: ReadonlySet<string>;
}

/** Parent verdicts that mean the parent is not one the policy allows: drawn as a red, dashed node. */
const refusedParent: Partial<Record<ParentVerdict, string>> = {
  'not-approved': 'not approved',
  unpinned: 'digest pin required',
  missing: 'not in catalog',
  cycle: 'cycle',
  unreadable: 'unreadable',
};

/**
 * A Mermaid flowchart of what a change touches: the changed images with their parents, then their
 * descendants breadth first, up to `maxDiagramNodes` images. Whatever is left out is drawn as a
 * counted `+N` node under the image it descends from, so the diagram stays readable at any size.
 * Changed images are yellow, other affected ones blue, failing ones red; a parent the policy does not
 * allow (not approved, missing, unpinned) is red and dashed, an allowed upstream grey and dashed.
 * Returns the text and how many affected images it does not draw by name.
 */
export function renderMermaid(analysis: CatalogAnalysis, options: MermaidOptions = {}): { text: string; omitted: number } {
  const { catalog, affected, change, policy } = analysis;
  const failing = options.failing ?? new Set<string>();
  const children = new Map<string, string[]>();
  for (const image of catalog.images.values()) {
    if (image.parent.kind !== 'catalog' || !affected.has(image.name)) continue;
    const list = children.get(image.parent.name) ?? [];
    list.push(image.name);
    children.set(image.parent.name, list);
  }
  for (const list of children.values()) list.sort();

  // Failing changed images first, so they are the last to be counted instead of drawn.
  const changed = [...affected]
    .filter((name) => change.changed.has(name))
    .sort((a, b) => Number(failing.has(b)) - Number(failing.has(a)) || a.localeCompare(b));
  const shown = new Set(changed.slice(0, maxDiagramNodes));
  const queue = [...shown];
  while (queue.length > 0 && shown.size < maxDiagramNodes) {
    const name = queue.shift() as string;
    for (const child of children.get(name) ?? []) {
      if (shown.size >= maxDiagramNodes) break;
      if (shown.has(child)) continue;
      shown.add(child);
      queue.push(child);
    }
  }

  const ids = new Map<string, string>();
  const id = (key: string) => {
    let value = ids.get(key);
    if (!value) ids.set(key, (value = `n${ids.size}`));
    return value;
  };
  const nodes: string[] = [];
  const edges: string[] = [];
  const declared = new Set<string>();
  const declare = (key: string, label: string, style: string) => {
    if (declared.has(key)) return;
    declared.add(key);
    nodes.push(`  ${id(key)}["${escapeLabel(label)}"]:::${style}`);
  };
  const imageStyle = (name: string) => (failing.has(name) ? 'failing' : change.changed.has(name) ? 'changed' : affected.has(name) ? 'affected' : 'context');

  for (const name of [...shown].sort()) {
    declare(`image:${name}`, name, imageStyle(name));
    const image = catalog.images.get(name);
    if (!image) continue;
    const parent = image.parent;
    const refused = refusedParent[policy.verdicts.get(name) ?? 'catalog'];
    let key: string;
    if (parent.kind === 'catalog') {
      key = `image:${parent.name}`;
      if (refused !== undefined && !catalog.images.has(parent.name)) declare(key, `${parent.name} (${refused})`, 'refused');
      else declare(key, parent.name, imageStyle(parent.name));
    } else {
      const label = parent.kind === 'upstream' ? formatImageReference(parent.reference).replace(/@sha256:(.{12}).*/, '@sha256:$1…') : parent.text || '?';
      key = `${refused === undefined ? 'upstream' : 'refused'}:${label}`;
      declare(key, refused === undefined ? label : `${label} (${refused})`, refused === undefined ? 'upstream' : 'refused');
    }
    edges.push(refused === undefined ? `  ${id(key)} --> ${id(`image:${name}`)}` : `  ${id(key)} -.-> ${id(`image:${name}`)}`);
  }

  // Each image left out is counted once, under its nearest drawn ancestor (or under one node of its own).
  let omitted = 0;
  const countHidden = (name: string): number =>
    (children.get(name) ?? []).reduce((sum, child) => sum + (shown.has(child) ? 0 : 1 + countHidden(child)), 0);
  for (const name of [...shown].sort()) {
    const hidden = countHidden(name);
    if (hidden === 0) continue;
    omitted += hidden;
    const key = `more:${name}`;
    declare(key, `+${hidden} more`, 'more');
    edges.push(`  ${id(`image:${name}`)} --> ${id(key)}`);
  }
  const unreached = [...affected].filter((name) => !shown.has(name) && !isCounted(name, shown, catalog.images));
  if (unreached.length > 0) {
    omitted += unreached.length;
    declare('more:changed', `+${unreached.length} more affected images`, 'more');
  }

  const used = new Set(nodes.map((node) => node.slice(node.lastIndexOf(':::') + 3)));
  const text = ['graph TD', ...nodes, ...edges, ...classDefs.filter(([name]) => used.has(name)).map(([name, style]) => `  classDef ${name} ${style}`)].join('\n');
  return { text, omitted };
}

// Only the classes a diagram uses are defined, to keep large comments small.
const classDefs: readonly [string, string][] = [
  ['changed', 'fill:#fff3b0,stroke:#b08800,stroke-width:2px'],
  ['affected', 'fill:#ddf4ff,stroke:#0969da'],
  ['failing', 'fill:#ffebe9,stroke:#cf222e,stroke-width:2px'],
  ['context', 'fill:#f6f8fa,stroke:#8c959f'],
  ['upstream', 'fill:#f6f8fa,stroke:#8c959f,stroke-dasharray: 4 2'],
  ['refused', 'fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray: 4 2'],
  ['more', 'fill:#ffffff,stroke:#8c959f,stroke-dasharray: 2 2'],
];

// True when an image is counted under a drawn ancestor, i.e. its catalog parent chain reaches a drawn image.
function isCounted(name: string, shown: ReadonlySet<string>, images: CatalogAnalysis['catalog']['images']): boolean {
  const seen = new Set<string>();
  let current = images.get(name)?.parent;
  while (current?.kind === 'catalog' && !seen.has(current.name)) {
    if (shown.has(current.name)) return true;
    seen.add(current.name);
    current = images.get(current.name)?.parent;
  }
  return false;
}

// Mermaid's quoted labels end at `"` and decode entity codes written `#name;` or `#123;` (Mermaid docs,
// flowchart "Entity codes to escape characters"). Labels may be rendered as HTML, so `<`, `>` and `&` are
// encoded too, backticks would start a Markdown string or close the fence, and `#` itself is encoded
// first so that label text can never spell an entity.
const labelEntities: Record<string, string> = { '#': '#35;', '"': '#quot;', '<': '#lt;', '>': '#gt;', '&': '#amp;', '`': '#96;' };

function escapeLabel(label: string): string {
  return redact(label)
    .replace(/\r\n|[\r\n\u0085\u2028\u2029]/g, ' ')
    .replace(/[#"<>&`]/g, (character) => labelEntities[character] ?? character);
}
