import type { CatalogAnalysis } from '../check/analyze-catalog.ts';
import { formatImageReference } from '../dockerfile/image-reference.ts';
import { redact } from '../../logging/secrets.ts';

/** Diagrams larger than this are unreadable in a PR; past it the diagram shows changed images only. */
export const maxDiagramNodes = 40;

/**
 * A Mermaid flowchart of the affected part of the inheritance tree: affected images, their direct
 * parents for context, changed images marked. Returns the text and how many images it left out.
 */
export function renderMermaid(analysis: CatalogAnalysis): { text: string; omitted: number } {
  const { catalog, affected, change } = analysis;
  let shown = [...affected].sort();
  let omitted = 0;
  if (shown.length > maxDiagramNodes) {
    const changedFirst = shown.filter((name) => change.changed.has(name));
    omitted = shown.length - Math.min(changedFirst.length, maxDiagramNodes);
    shown = changedFirst.slice(0, maxDiagramNodes);
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
  for (const name of shown) {
    declare(`image:${name}`, name, change.changed.has(name) ? 'changed' : 'affected');
    const parent = catalog.images.get(name)?.parent;
    if (!parent) continue;
    let key: string;
    if (parent.kind === 'catalog') {
      key = `image:${parent.name}`;
      declare(key, parent.name, affected.has(parent.name) ? (change.changed.has(parent.name) ? 'changed' : 'affected') : 'context');
    } else {
      const label = parent.kind === 'upstream' ? formatImageReference(parent.reference).replace(/@sha256:(.{12}).*/, '@sha256:$1…') : parent.text || '?';
      key = `upstream:${label}`;
      declare(key, label, 'upstream');
    }
    edges.push(`  ${id(key)} --> ${id(`image:${name}`)}`);
  }
  const text = [
    'graph TD',
    ...nodes,
    ...edges,
    '  classDef changed fill:#fff3b0,stroke:#b08800,stroke-width:2px',
    '  classDef affected fill:#ddf4ff,stroke:#0969da',
    '  classDef context fill:#f6f8fa,stroke:#8c959f',
    '  classDef upstream fill:#f6f8fa,stroke:#8c959f,stroke-dasharray: 4 2',
  ].join('\n');
  return { text, omitted };
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
