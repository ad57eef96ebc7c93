import { describe, expect, it } from 'vitest';
import { analyzeCatalog } from '../../../src/domain/check/analyze-catalog.ts';
import { maxDiagramNodes, renderMermaid } from '../../../src/domain/report/render-mermaid.ts';
import { folder, fromUpstream } from '../catalog/catalog-fixtures.ts';
import { seedConfig, seedFolders } from '../check/check-fixtures.ts';
import { modified } from './report-fixtures.ts';

const classDef: Record<string, string> = {
  changed: '  classDef changed fill:#fff3b0,stroke:#b08800,stroke-width:2px',
  affected: '  classDef affected fill:#ddf4ff,stroke:#0969da',
  context: '  classDef context fill:#f6f8fa,stroke:#8c959f',
  upstream: '  classDef upstream fill:#f6f8fa,stroke:#8c959f,stroke-dasharray: 4 2',
};

describe('renderMermaid', () => {
  it('draws the affected images, changed ones classed `changed`, with their direct parents for context', () => {
    const diagram = renderMermaid(analyzeCatalog(seedFolders(), modified('python'), seedConfig));

    expect(diagram).toEqual({
      text: [
        'graph TD',
        '  n0["boto3"]:::affected',
        '  n1["python"]:::changed',
        '  n2["base"]:::context',
        '  n1 --> n0',
        '  n2 --> n1',
        classDef['changed'],
        classDef['affected'],
        classDef['context'],
      ].join('\n'),
      omitted: 0,
    });
  });

  it('draws an upstream parent with its digest shortened', () => {
    const diagram = renderMermaid(analyzeCatalog(seedFolders(), modified('base'), seedConfig));

    expect(diagram.text.split('\n')).toEqual([
      'graph TD',
      '  n0["base"]:::changed',
      '  n1["docker.io/jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21@sha256:c5c5c5c5c5c5…"]:::upstream',
      '  n2["boto3"]:::affected',
      '  n3["python"]:::affected',
      '  n4["node"]:::affected',
      '  n1 --> n0',
      '  n3 --> n2',
      '  n0 --> n4',
      '  n0 --> n3',
      classDef['changed'],
      classDef['affected'],
      classDef['upstream'],
    ]);
  });

  it('draws a parent that cannot be read by its text, refused, and escapes quotes and angle brackets', () => {
    const analysis = analyzeCatalog(
      [folder('odd', fromUpstream(`'"<Bad>"'`)), folder('empty', fromUpstream('${NOPE}'))],
      'all',
      seedConfig,
    );

    expect(renderMermaid(analysis).text.split('\n').slice(1, 7)).toEqual([
      '  n0["empty"]:::changed',
      '  n1["${NOPE} (unreadable)"]:::refused',
      '  n2["odd"]:::changed',
      '  n3["#quot;#lt;Bad#gt;#quot; (unreadable)"]:::refused',
      '  n1 -.-> n0',
      '  n3 -.-> n2',
    ]);
  });

  it(`draws changed images, their parents and descendants up to ${maxDiagramNodes}, and counts the rest under their parent`, () => {
    const children = Array.from({ length: 50 }, (_, index) => folder(`c${String(index).padStart(2, '0')}`, `ARG REGISTRY\nFROM \${REGISTRY}/jenkins-agents/base\n`));
    const analysis = analyzeCatalog([...seedFolders(), ...children], modified('base'), seedConfig);

    const diagram = renderMermaid(analysis);
    const nodes = diagram.text.split('\n').filter((line) => line.includes(':::'));

    expect(analysis.affected.size).toBe(54);
    expect(nodes.filter((line) => /:::(changed|affected)$/.test(line))).toHaveLength(maxDiagramNodes);
    expect(diagram.omitted).toBe(54 - maxDiagramNodes);
    expect(nodes).toContain(`  n26["+${54 - maxDiagramNodes} more"]:::more`);
    expect(diagram.text).toContain('  n0 --> n26');
  });

  it('marks failing images and parents the policy refuses, and draws the edge from a refused parent dashed', () => {
    const folders = seedFolders().map((image) => (image.name === 'python' ? folder('python', fromUpstream('ubuntu:22.04')) : image));
    const analysis = analyzeCatalog(folders, modified('python'), seedConfig);

    expect(renderMermaid(analysis, { failing: new Set(['python']) }).text.split('\n').slice(1, 6)).toEqual([
      '  n0["boto3"]:::affected',
      '  n1["python"]:::failing',
      '  n2["docker.io/library/ubuntu:22.04 (not approved)"]:::refused',
      '  n1 --> n0',
      '  n2 -.-> n1',
    ]);
  });
});
