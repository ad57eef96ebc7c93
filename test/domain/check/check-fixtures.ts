import type { ImageFolder } from '../../../src/domain/catalog/types.ts';
import type { Finding, Severity } from '../../../src/domain/findings.ts';
import { catalogConfig, childOf, folder, fromUpstream } from '../catalog/catalog-fixtures.ts';

export const agentDigest = `sha256:${'c5'.repeat(32)}`;
export const agentParent = `docker.io/jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21@${agentDigest}`;

/** The policy of the example repository: only the pinned Jenkins inbound agent upstream. */
export const seedConfig = catalogConfig(
  'parents:',
  '  approved:',
  '    - pattern: docker.io/jenkins/inbound-agent',
  '      requireDigest: true',
);

/** The seed story base → python → boto3, plus node beside python. */
export function seedFolders(): ImageFolder[] {
  return [
    folder('base', fromUpstream(agentParent, 'USER root', 'RUN apt-get update', 'USER jenkins')),
    folder('boto3', childOf('python', 'RUN pip install boto3')),
    folder('node', childOf('base', 'RUN apt-get install -y nodejs')),
    folder('python', childOf('base', 'RUN apt-get install -y python3')),
  ];
}

/** A finding as hadolintFinding makes it: no image, the repo-relative file. */
export function hadolint(file: string, line: number, severity: Severity, rule: string, message: string): Finding {
  return { file, line, severity, source: 'hadolint', rule, message };
}
