import { describe, expect, it } from 'vitest';
import { imageJenkinsMetadataSchema, jenkinsConfigSchema } from '../../src/config/jenkins-schema.ts';

const ecsCloud = {
  kind: 'ecs',
  name: 'ecs-agents',
  cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/jenkins-agents',
  regionName: 'eu-west-1',
  subnets: ['subnet-0a1b2c3d'],
  executionRole: 'arn:aws:iam::123456789012:role/jenkins-agent-execution',
};

const minimal = {
  controller: 'main',
  clouds: [ecsCloud],
};

/** The issues zod reports, as `path: message` lines. */
function issues(input: unknown): string[] {
  const result = jenkinsConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('jenkinsConfigSchema', () => {
  it('fills in the defaults of a minimal config', () => {
    expect(jenkinsConfigSchema.parse(minimal)).toEqual({
      controller: 'main',
      clouds: [
        {
          ...ecsCloud,
          credentialsId: '',
          launchType: 'FARGATE',
          networkMode: 'awsvpc',
          securityGroups: [],
          assignPublicIp: false,
          logDriverOptions: {},
        },
      ],
      defaults: { remoteFs: '/home/jenkins/agent', cpu: 1024, memoryReservation: 2048 },
    });
  });

  it('refuses the URL, credentials and delivery folders: they are operator settings', () => {
    expect(
      issues({
        ...minimal,
        url: 'https://jenkins.example.com/',
        auth: { user: 'dockyard', apiTokenEnv: 'WEBHOOK_SECRET' },
        delivery: { serve: { enabled: true, tokenEnv: 'AWS_SECRET_ACCESS_KEY' }, writeTo: '/etc' },
      }),
    ).toEqual([
      'url: `jenkins.url` is an operator setting (the URL receives Jenkins credentials): ask your Dockyard operator to define a controller, then write `jenkins.controller: <name>`',
      'auth: `jenkins.auth` is an operator setting (credentials and the env vars holding them): ask your Dockyard operator to define a controller, then write `jenkins.controller: <name>`',
      "delivery: `jenkins.delivery` is an operator setting (how documents reach Jenkins, including folders on the app's host): ask your Dockyard operator to define a controller, then write `jenkins.controller: <name>`",
    ]);
  });

  it('needs the name of a controller, not an address', () => {
    const { controller: _, ...withoutController } = minimal;
    expect(issues(withoutController)).toEqual([
      'controller: name the Jenkins controller to register in, one your Dockyard operator defined: `jenkins.controller: <name>`',
    ]);
    expect(issues({ ...minimal, controller: 'https://jenkins.example.com/' })).toEqual([
      'controller: must be the name of a Jenkins controller your Dockyard operator defined, such as "main"',
    ]);
  });

  it('refuses a Fargate cloud ECS could not pull the image for', () => {
    const { executionRole: _, ...withoutRole } = ecsCloud;
    expect(issues({ ...minimal, clouds: [{ ...withoutRole, networkMode: 'bridge', subnets: [] }] })).toEqual([
      'clouds.0.networkMode: must be "awsvpc" when launchType is FARGATE',
      'clouds.0.executionRole: is required on FARGATE: without it ECS cannot pull the agent image from ECR',
    ]);
  });

  it('tells clouds apart by kind and refuses a field another kind has', () => {
    expect(issues({ ...minimal, clouds: [{ kind: 'docker', name: 'docker', dockerHost: { uri: 'unix:///var/run/docker.sock' }, namespace: 'x' }] })).toEqual([
      'clouds.0: Unrecognized key: "namespace"',
    ]);
  });

  it('refuses two clouds with the same name', () => {
    expect(issues({ ...minimal, clouds: [ecsCloud, ecsCloud] })).toEqual(['clouds.1.name: cloud name "ecs-agents" is used twice']);
  });
});

describe('imageJenkinsMetadataSchema', () => {
  it('needs a label and accepts overrides', () => {
    expect(imageJenkinsMetadataSchema.parse({ label: 'python py3', jenkins: { cpu: 2048, memory: 4096 } })).toEqual({
      label: 'python py3',
      jenkins: { cpu: 2048, memory: 4096 },
    });
    expect(imageJenkinsMetadataSchema.safeParse({ jenkins: {} }).success).toBe(false);
  });

  it('refuses a label Jenkins would read as an expression, and a reservation above the limit', () => {
    const result = imageJenkinsMetadataSchema.safeParse({ label: 'python&&linux', jenkins: { memory: 1024, memoryReservation: 2048 } });
    expect(result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'label: must be Jenkins label words (letters, digits, _ . -) separated by single spaces',
      'jenkins.memoryReservation: must not exceed memory (the hard limit)',
    ]);
  });
});
