/** The example repository's ECR registry, as its `.github/dockyard.yml` names it. */
export const ecrHost = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

/** The approved upstream parent, pinned by digest. */
export const upstream = `docker.io/jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21@sha256:${'a'.repeat(64)}`;

/** A `.github/dockyard.yml` publishing to `registry` that approves only the upstream, pinned by digest. */
export function dockyardYml(registry = ecrHost): string {
  return ['catalog: images', `registry: ${registry}`, 'prefix: jenkins-agents', 'parents:', '  approved:', '    - pattern: docker.io/jenkins/inbound-agent', '      requireDigest: true', ''].join('\n');
}

/**
 * A `.github/dockyard.yml` for a repository the operator granted the registry `main` and `prefix`: the
 * upstream approved with a pin, failing on critical vulnerabilities, then `more` lines.
 */
export function grantedDockyardYml(prefix: string, ...more: string[]): string {
  return [
    'catalog: images',
    'registry: main',
    `prefix: ${prefix}`,
    'parents:',
    '  approved:',
    '    - pattern: docker.io/jenkins/inbound-agent',
    '      requireDigest: true',
    'scan:',
    '  failOn: [CRITICAL]',
    ...more,
    '',
  ].join('\n');
}

/** The catalog's root image, FROM the upstream. */
export const base = `FROM ${upstream}\nUSER jenkins\n`;

/** A child image FROM the catalog's `base`, through the `REGISTRY` build argument. */
export const python = 'ARG REGISTRY=registry.example.com\nFROM ${REGISTRY}/jenkins-agents/base\nUSER jenkins\n';

/** An image whose parent is not approved. */
export const badPython = '# python agent\nFROM ubuntu:22.04\nUSER jenkins\n';
