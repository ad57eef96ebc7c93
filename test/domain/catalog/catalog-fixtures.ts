import { parseConfig } from '../../../src/config/parse-config.ts';
import type { Config } from '../../../src/config/schema.ts';
import type { ImageFolder, SourceFile } from '../../../src/domain/catalog/types.ts';

/** The ECR registry the catalog tests publish to. */
export const registry = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

/** The config every catalog test starts from, with extra YAML (e.g. a `parents:` block) appended. */
export function catalogConfig(...extraYaml: string[]): Config {
  const yaml = ['catalog: images', `registry: ${registry}`, 'prefix: jenkins-agents', 'registryArg: REGISTRY', ...extraYaml];
  return parseConfig(`${yaml.join('\n')}\n`, '.github/dockyard.yml');
}

export const missing: SourceFile = { kind: 'missing' };

export function file(text: string): SourceFile {
  return { kind: 'file', bytes: new TextEncoder().encode(text) };
}

/** An `images/<name>/` folder; text stands for a committed file. */
export function folder(name: string, dockerfile: string | SourceFile, metadata: string | SourceFile = missing): ImageFolder {
  return {
    name,
    dockerfile: typeof dockerfile === 'string' ? file(dockerfile) : dockerfile,
    metadata: typeof metadata === 'string' ? file(metadata) : metadata,
  };
}

/** A Dockerfile inheriting from a catalog image the way children do; its FROM is on line 2. */
export function childOf(parent: string, ...rest: string[]): string {
  return `${['ARG REGISTRY=registry.example.com', `FROM \${REGISTRY}/jenkins-agents/${parent}`, ...rest].join('\n')}\n`;
}

/** A Dockerfile inheriting from an upstream image; its FROM is on line 1. */
export function fromUpstream(reference: string, ...rest: string[]): string {
  return `${[`FROM ${reference}`, ...rest].join('\n')}\n`;
}
