import { ConfigError, type ConfigIssue } from '../errors.ts';
import type { Grant, JenkinsController, OperatorRegistry, OperatorSettings } from './operator-schema.ts';
import { lineOfPath, readYaml } from './read-yaml.ts';
import type { Config } from './schema.ts';

/** Where a repository publishes, as the operator granted it. */
export interface PublishTarget {
  /** The operator's name for the registry. */
  registryName: string;
  registry: OperatorRegistry;
  /** The namespace the images go under: `<host>/<prefix>/<name>`. */
  prefix: string;
  /** The catalog's identity, `owner/repo`: Dockyard's tag on the ECR repositories it owns for it. */
  catalog: string;
  /** Whether existing untagged ECR repositories in the namespace may be taken over. */
  adopt: boolean;
}

/** The Jenkins controller a repository registers in, as the operator defined it. */
export interface JenkinsTarget {
  name: string;
  controller: JenkinsController;
}

/** A repository config with its choices resolved against the operator's settings. */
export interface ResolvedSettings {
  /** The config with `registry` as the host the operator defined (a name becomes its host). */
  config: Config;
  publish: PublishTarget;
  jenkins?: JenkinsTarget;
}

/** True when `repo` (`owner/repo`) matches a grant pattern; `*` spans any characters within one part. */
export function repositoryMatches(pattern: string, repo: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  // GitHub names are case-insensitive.
  return new RegExp(`^${source}$`, 'i').test(repo);
}

function within(prefix: string, namespace: string): boolean {
  return prefix === namespace || prefix.startsWith(`${namespace}/`);
}

/**
 * Resolves a repository's choices (registry, prefix, Jenkins controller) against the operator's settings
 * and grants. Anything not granted to this repository is a ConfigError at the field's line, saying that
 * it is the operator's to grant.
 */
export function resolveGrants(config: Config, text: string, file: string, operator: OperatorSettings, repo: string): ResolvedSettings {
  const issues: Omit<ConfigIssue, 'line'>[] = [];
  const grants = operator.grants.filter((grant) => grant.repositories.some((pattern) => repositoryMatches(pattern, repo)));
  const registryName = config.registry in operator.registries ? config.registry : Object.entries(operator.registries).find(([, registry]) => registry.host === config.registry)?.[0];
  let publish: PublishTarget | undefined;
  if (registryName === undefined) {
    const defined = Object.entries(operator.registries).map(([name, registry]) => `${name} (${registry.host})`);
    issues.push({
      field: 'registry',
      message: `"${config.registry}" is not a registry your Dockyard operator defined (${defined.join(', ') || 'none yet'}). Registries are operator settings: write the name of one, and ask your operator for a grant if this repository has none.`,
    });
  } else {
    const registry = operator.registries[registryName] as OperatorRegistry;
    const inRegistry = grants.filter((grant) => grant.registry === registryName);
    const grant: Grant | undefined = inRegistry.find((candidate) => within(config.prefix, candidate.prefix));
    if (inRegistry.length === 0) {
      issues.push({
        field: 'registry',
        message: `${repo} has no grant to publish to registry "${registryName}". Publishing namespaces are operator settings: ask your Dockyard operator to grant this repository a prefix there.`,
      });
    } else if (grant === undefined) {
      issues.push({
        field: 'prefix',
        message: `"${config.prefix}" is not a namespace granted to ${repo} in registry "${registryName}" (granted: ${inRegistry.map((candidate) => `"${candidate.prefix}"`).join(', ')}). Namespaces are operator settings: use a granted prefix or ask your Dockyard operator for a grant.`,
      });
    } else {
      publish = { registryName, registry, prefix: config.prefix, catalog: repo, adopt: grant.adopt };
    }
  }
  let jenkins: JenkinsTarget | undefined;
  if (config.jenkins !== undefined) {
    const name = config.jenkins.controller;
    const controller = operator.jenkins[name];
    if (controller === undefined) {
      issues.push({
        field: 'jenkins.controller',
        message: `"${name}" is not a Jenkins controller your Dockyard operator defined (${Object.keys(operator.jenkins).join(', ') || 'none yet'}). Controllers are operator settings: ask your operator to define one.`,
      });
    } else if (!grants.some((grant) => grant.jenkins.includes(name))) {
      issues.push({
        field: 'jenkins.controller',
        message: `${repo} may not register in Jenkins controller "${name}": ask your Dockyard operator to add it to this repository's grant.`,
      });
    } else {
      jenkins = { name, controller };
    }
  }
  if (issues.length > 0 || publish === undefined) throw located(issues, text, file);
  return { config: { ...config, registry: publish.registry.host }, publish, ...(jenkins ? { jenkins } : {}) };
}

function located(issues: Omit<ConfigIssue, 'line'>[], text: string, file: string): ConfigError {
  const read = readYaml(text);
  const lineOf = (field: string): number => ('problems' in read ? 1 : lineOfPath(read, field.split('.')));
  return new ConfigError(file, issues.map((issue) => ({ ...issue, line: lineOf(issue.field) })));
}
