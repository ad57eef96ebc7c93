import { imageMetadataFile, type ImageMetadata } from '../../config/image-metadata-schema.ts';
import type { Config } from '../../config/schema.ts';
import { decodeDockerfile, oversizedDockerfile } from '../dockerfile/decode-dockerfile.ts';
import { defaultFrontend, type DockerfileFrontend } from '../dockerfile/frontend.ts';
import { ownString } from '../dockerfile/own-string.ts';
import { KeptStrings, readDockerfile, rootSource, type DockerfileModel, type ImageSource } from '../dockerfile/read-dockerfile.ts';
import type { Finding } from '../findings.ts';
import { approvedFrontendFor, compileFrontends, type CompiledFrontend } from '../policy/check-frontend.ts';
import { catalogBuildArgs, catalogNameOf } from './catalog-reference.ts';
import { readMetadata } from './read-metadata.ts';
import type { Catalog, CatalogImage, ImageFolder, ParentLink, SourceFile } from './types.ts';

type CatalogConfig = Pick<Config, 'catalog' | 'registry' | 'prefix' | 'registryArg'> & {
  parents: Pick<Config['parents'], 'frontends'>;
};

export interface CatalogOptions {
  /** The frontend that builds a Dockerfile without `# syntax=`; `defaultFrontend` when absent. */
  frontend?: DockerfileFrontend;
}

const imageNamePattern = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Reads every image folder into the catalog model. Pure: bad input becomes findings, never a throw. */
export function buildCatalog(folders: readonly ImageFolder[], config: CatalogConfig, options: CatalogOptions = {}): Catalog {
  const catalog: Catalog = { root: config.catalog, images: new Map(), findings: [] };
  const reading: Reading = {
    buildArgs: catalogBuildArgs(config),
    frontend: options.frontend ?? defaultFrontend,
    frontends: compileFrontends(config.parents.frontends),
    strings: new KeptStrings(),
  };
  for (const folder of folders) {
    const dir = `${config.catalog}/${folder.name}`;
    const dockerfilePath = `${dir}/Dockerfile`;
    const finding = (rule: string, line: number, message: string, file = dockerfilePath): Finding => ({
      file,
      line,
      severity: 'error',
      source: 'dockyard',
      rule,
      message,
      image: folder.name,
    });
    if (folder.linkTarget !== undefined) {
      catalog.findings.push(
        finding(
          'DY018',
          1,
          `\`${dir}\` is a symlink (to \`${folder.linkTarget}\`), not a folder. Dockyard reads only what is committed in the catalog and never follows a link out of it: replace the link with a folder holding the image's Dockerfile, or remove it.`,
          dir,
        ),
      );
      continue;
    }
    if (!imageNamePattern.test(folder.name)) {
      catalog.findings.push(
        finding(
          'DY016',
          1,
          `\`${folder.name}\` cannot name an image: image folders must be lower-case letters, digits and . _ - (a valid ECR repository name). Rename the folder.`,
          dir,
        ),
      );
      continue;
    }
    const model = readModel(folder.dockerfile, reading, dir, (rule, line, message, file) =>
      catalog.findings.push(finding(rule, line, message, file)),
    );
    const metadataFile = `${dir}/${imageMetadataFile}`;
    const { metadata, source: metadataSource } = readMetadata(folder.metadata, metadataFile, (line, message) =>
      catalog.findings.push(finding('DY019', line, message, metadataFile)),
    );
    keepOwnCopies(metadata);
    const parent: ParentLink = model ? parentOf(model, config) : { kind: 'unknown', line: 1, text: '' };
    const dependsOn = model ? dependenciesOf(model, config) : [];
    let image: CatalogImage;
    if (model && metadataSource) {
      // The usual image in one literal: properties added later would take an extra allocation each.
      image = { name: folder.name, dir, dockerfilePath, parent, dependsOn, metadata, model, metadataSource };
    } else {
      image = { name: folder.name, dir, dockerfilePath, parent, dependsOn, metadata };
      if (model) image.model = model;
      if (metadataSource) image.metadataSource = metadataSource;
    }
    catalog.images.set(folder.name, image);
  }
  return catalog;
}

type Report = (rule: string, line: number, message: string, file?: string) => void;

interface Reading {
  buildArgs: Record<string, string>;
  frontend: DockerfileFrontend;
  frontends: readonly CompiledFrontend[];
  /** Strings the models keep, shared between the catalog's files. */
  strings: KeptStrings;
}

function readModel(
  source: SourceFile,
  reading: Reading,
  dir: string,
  report: Report,
): DockerfileModel | undefined {
  if (source.kind === 'missing') {
    report('DY017', 1, `The folder \`${dir}\` has no Dockerfile. Add \`${dir}/Dockerfile\` or remove the folder.`, dir);
    return undefined;
  }
  if (source.kind === 'symlink') {
    report(
      'DY018',
      1,
      `\`${dir}/Dockerfile\` is a symlink (to \`${source.target}\`). Dockyard builds only what reviewers see: commit the Dockerfile itself.`,
    );
    return undefined;
  }
  if (source.kind === 'oversized') {
    const problem = oversizedDockerfile(source.size);
    report(problem.rule, problem.line, problem.message);
    return undefined;
  }
  const decoded = decodeDockerfile(source.bytes);
  if ('problem' in decoded) {
    report(decoded.problem.rule, decoded.problem.line, decoded.problem.message);
    return undefined;
  }
  const model = readWithFrontend(decoded.text, reading);
  for (const problem of model.problems) report(problem.rule, problem.line, problem.message);
  return model;
}

/**
 * Reads by the rules of the frontend that builds the file: the one an approved `# syntax=` names,
 * else the caller's. The directive is found by the caller's frontend, as the engine's built-in one
 * is what hands the build over; a reading that disagrees about it cannot be the one the build follows.
 */
function readWithFrontend(text: string, { buildArgs, frontend, frontends, strings }: Reading): DockerfileModel {
  const model = readDockerfile(text, { buildArgs, frontend, strings });
  const syntax = model.directives.syntax;
  const readsAs = syntax && approvedFrontendFor(syntax.image, frontends)?.entry.readsAs;
  if (!readsAs || readsAs === frontend) return model;
  const reread = readDockerfile(text, { buildArgs, frontend: readsAs, strings });
  const same = reread.directives.syntax?.image === syntax.image && reread.directives.syntax.line === syntax.line;
  return same ? reread : model;
}

/**
 * The metadata's strings are cut out of the image.yml text; copies of their own let that text go
 * (V8 shares the characters of a slice with the string it was cut from).
 */
function keepOwnCopies(metadata: ImageMetadata): void {
  if (metadata.description !== undefined) metadata.description = ownString(metadata.description);
  if (metadata.label !== undefined) metadata.label = ownString(metadata.label);
  metadata.owners = metadata.owners.map(ownString);
}

function parentOf(model: DockerfileModel, config: CatalogConfig): ParentLink {
  const last = model.stages.length - 1;
  if (last < 0) return { kind: 'unknown', line: 1, text: '' };
  const { source, line } = rootSource(model, last);
  return linkTo(source, line, config);
}

/** Classifies what a stage starts from: a catalog image, an upstream image, scratch, or unknown. */
export function linkTo(source: ImageSource, line: number, config: Pick<Config, 'registry' | 'prefix'>): ParentLink {
  switch (source.kind) {
    case 'scratch':
      return { kind: 'scratch', line, text: 'scratch' };
    case 'image': {
      const name = catalogNameOf(source.reference, config);
      return name === undefined
        ? { kind: 'upstream', reference: source.reference, line, text: source.text }
        : { kind: 'catalog', name, line, text: source.text };
    }
    default:
      return { kind: 'unknown', line, text: source.kind === 'invalid' ? source.text : '' };
  }
}

function dependenciesOf(model: DockerfileModel, config: CatalogConfig): string[] {
  const names = new Set<string>();
  for (const { source } of [...model.stages, ...model.uses]) {
    if (source.kind !== 'image') continue;
    const name = catalogNameOf(source.reference, config);
    if (name !== undefined) names.add(name);
  }
  return [...names].sort();
}
