import { jenkinsConfigSchema, type CloudConfig } from '../../../src/config/jenkins-schema.ts';
import type { PublishedImage } from '../../../src/domain/jenkins/published-image.ts';

// Inputs of the golden files: one cloud of each kind, the seed catalog's three images (out of order,
// so sorting shows) and overrides on one of them.

const registry = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/jenkins-agents';

/** The `jenkins:` block of a repo config, parsed as the app would parse it (defaults filled in). */
export const fixtureConfig = jenkinsConfigSchema.parse({
  controller: 'main',
  clouds: [
    {
      kind: 'ecs',
      name: 'ecs-agents',
      cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/jenkins-agents',
      regionName: 'eu-west-1',
      jenkinsUrl: 'https://jenkins.example.com/',
      tunnel: 'jenkins-nlb.internal:50000',
      maxAgents: 20,
      subnets: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'],
      securityGroups: ['sg-0123abcd'],
      executionRole: 'arn:aws:iam::123456789012:role/jenkins-agent-execution',
      taskrole: 'arn:aws:iam::123456789012:role/jenkins-agent',
      logDriver: 'awslogs',
      logDriverOptions: { 'awslogs-stream-prefix': 'agent', 'awslogs-group': '/jenkins/agents', 'awslogs-region': 'eu-west-1' },
      platformVersion: 'LATEST',
    },
    {
      kind: 'kubernetes',
      name: 'eks-agents',
      namespace: 'jenkins-agents',
      jenkinsUrl: 'http://jenkins.jenkins.svc.cluster.local:8080/',
      jenkinsTunnel: 'jenkins-agent.jenkins.svc.cluster.local:50000',
      containerCap: 50,
      serviceAccount: 'jenkins-agent',
      imagePullSecrets: ['ecr-pull'],
    },
    {
      kind: 'docker',
      name: 'docker-agents',
      dockerHost: { uri: 'tcp://docker-builder.internal:2376', credentialsId: 'docker-builder-tls' },
      containerCap: 10,
      pullCredentialsId: 'ecr-pull',
    },
  ],
});

/** Published images, deliberately not in name order. */
export const fixtureImages: PublishedImage[] = [
  {
    name: 'python',
    label: 'python',
    imageRef: `${registry}/python@sha256:${'b2'.repeat(32)}`,
    overrides: { cpu: 2048, memory: 6144, memoryReservation: 6144, instanceCap: 5, idleMinutes: 10 },
  },
  { name: 'base', label: 'base', imageRef: `${registry}/base@sha256:${'a1'.repeat(32)}` },
  { name: 'boto3', label: 'boto3 aws', imageRef: `${registry}/boto3@sha256:${'c3'.repeat(32)}` },
];

/** The catalog repository the fixture documents belong to (Kubernetes pod template ids derive from it). */
export const fixtureRepo = 'example-org/jenkins-agents';

/** The fixture cloud of one kind. */
export function fixtureCloud(kind: CloudConfig['kind']): CloudConfig {
  const cloud = fixtureConfig.clouds.find((candidate) => candidate.kind === kind);
  if (cloud === undefined) throw new Error(`no fixture cloud of kind ${kind}`);
  return cloud;
}

/** The docker fixture cloud with agents connecting back over the inbound (`jnlp`) connector. */
export function fixtureJnlpCloud(): CloudConfig {
  return { ...fixtureCloud('docker'), name: 'docker-inbound', connector: 'jnlp', jenkinsUrl: 'https://jenkins.example.com/' } as CloudConfig;
}

/** Where a golden file lives: `ecs`, `kubernetes`, `docker` (attach connector) or `docker-jnlp`. */
export function goldenPath(kind: CloudConfig['kind'] | 'docker-jnlp'): URL {
  return new URL(`golden/${kind}.yaml`, import.meta.url);
}
