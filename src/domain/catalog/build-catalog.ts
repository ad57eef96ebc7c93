import { parse as parseYaml } from 'yaml';
import { imageMetadataFile, imageMetadataSchema, type ImageMetadata } from '../../config/image-metadata-schema.ts';
import type { Config } from '../../config/schema.ts';
import { parseSimpleYaml } from './parse-simple-yaml.ts';
import { decodeDockerfile } from '../dockerfile/decode-dockerfile.ts';
import { readDockerfile, rootSource, type DockerfileModel, type ImageSource } from '../dockerfile/read-dockerfile.ts';
import type { Finding } from '../findings.ts';
import { catalogBuildArgs, catalogNameOf } from './catalog-reference.ts';
import type { Catalog, CatalogImage, ImageFolder, ParentLink, SourceFile } from './types.ts';

type CatalogConfig = Pick<Config, 'catalog' | 'registry' | 'prefix' | 'registryArg'>;

const utf8 = new TextDecoder();
const imageNamePattern = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Reads every image folder into the catalog model. Pure: bad input becomes findings, never a throw. */
export function buildCatalog(folders: readonly ImageFolder[], config: CatalogConfig): Catalog {
  const catalog: Catalog = { root: config.catalog, images: new Map(), findings: [] };
  const buildArgs = catalogBuildArgs(config);
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
    const model = readModel(folder.dockerfile, buildArgs, dir, (rule, line, message, file) =>
      catalog.findings.push(finding(rule, line, message, file)),
    );
    const metadata = readMetadata(folder.metadata, `${dir}/${imageMetadataFile}`, (rule, line, message, file) =>
      catalog.findings.push(finding(rule, line, message, file)),
    );
    const image: CatalogImage = {
      name: folder.name,
      dir,
      dockerfilePath,
      parent: model ? parentOf(model, config) : { kind: 'unknown', line: 1, text: '' },
      dependsOn: model ? dependenciesOf(model, config) : [],
      metadata,
    };
    if (model) image.model = model;
    catalog.images.set(folder.name, image);
  }
  return catalog;
}

type Report = (rule: string, line: number, message: string, file?: string) => void;

function readModel(
  source: SourceFile,
  buildArgs: Record<string, string>,
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
  const decoded = decodeDockerfile(source.bytes);
  if ('problem' in decoded) {
    report(decoded.problem.rule, decoded.problem.line, decoded.problem.message);
    return undefined;
  }
  const model = readDockerfile(decoded.text, { buildArgs });
  for (const problem of model.problems) report(problem.rule, problem.line, problem.message);
  return model;
}

function readMetadata(source: SourceFile, file: string, report: Report): ImageMetadata {
  const fallback: ImageMetadata = { owners: [] };
  if (source.kind === 'missing') return fallback;
  if (source.kind === 'symlink') {
    report('DY019', 1, `\`${file}\` is a symlink; commit the metadata file itself.`, file);
    return fallback;
  }
  let data: unknown;
  try {
    const text = utf8.decode(source.bytes);
    data = parseSimpleYaml(text) ?? parseYaml(text) ?? {};
  } catch (error) {
    report('DY019', 1, `\`${file}\` is not valid YAML: ${(error as Error).message.split('\n')[0]}`, file);
    return fallback;
  }
  const result = imageMetadataSchema.safeParse(data);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    report('DY019', 1, `\`${file}\`: ${issue.path.join('.') || '(file)'}: ${issue.message}`, file);
  }
  return fallback;
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
