import type { Config } from '../../config/schema.ts';
import { imageName, type ImageReference } from '../dockerfile/image-reference.ts';

/** The build args Dockyard passes to every catalog build: the registry, under the configured arg name. */
export function catalogBuildArgs(config: Pick<Config, 'registry' | 'registryArg'>): Record<string, string> {
  return { [config.registryArg]: config.registry };
}

/** The repository an image is published to: `<registry>/<prefix>/<name>`. */
export function catalogRepository(config: Pick<Config, 'registry' | 'prefix'>, name: string): string {
  return `${config.registry}/${config.prefix}/${name}`;
}

/** If a reference points into the catalog (`<registry>/<prefix>/<name>`), the image name; else undefined. */
export function catalogNameOf(
  reference: ImageReference,
  config: Pick<Config, 'registry' | 'prefix'>,
): string | undefined {
  const prefix = `${config.registry}/${config.prefix}/`;
  const name = imageName(reference);
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return rest.includes('/') ? undefined : rest;
}
