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
  url: 'https://jenkins.example.com/',
  delivery: { writeTo: '/var/jenkins_home/casc_configs' },
  auth: { reloadTokenEnv: 'JENKINS_RELOAD_TOKEN' },
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
      url: 'https://jenkins.example.com/',
      delivery: {
        serve: { enabled: false, path: '/jenkins/casc', tokenEnv: 'DOCKYARD_CASC_SERVE_TOKEN' },
        writeTo: '/var/jenkins_home/casc_configs',
      },
      auth: { reloadTokenEnv: 'JENKINS_RELOAD_TOKEN' },
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

  it('takes only names of environment variables for secrets, never the secrets', () => {
    expect(issues({ ...minimal, auth: { reloadTokenEnv: 'd41d8cd98f00b204e980' } })).toEqual([
      'auth.reloadTokenEnv: must be the NAME of an environment variable of the app, such as "JENKINS_RELOAD_TOKEN"; secrets never go in this file',
    ]);
  });

  it('keeps credentials out of the Jenkins URL', () => {
    expect(issues({ ...minimal, url: 'https://dockyard:token@jenkins.example.com/' })).toEqual([
      'url: must not contain credentials; put them in auth',
    ]);
  });

  it('needs a way to reach Jenkins and a credential to reload it', () => {
    expect(issues({ ...minimal, delivery: {}, auth: { user: 'dockyard' } })).toEqual([
      'delivery: turn on serve.enabled or set writeTo, or Jenkins never sees the generated documents',
      'auth.apiTokenEnv: user and apiTokenEnv go together',
    ]);
    expect(issues({ ...minimal, auth: {} })).toEqual(['auth: set reloadTokenEnv, or user and apiTokenEnv']);
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
