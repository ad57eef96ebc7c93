import { z } from 'zod';

// Field names and limits below follow the plugins' source, read 2026-11 (see /work/shared/JENKINS.md):
// amazon-ecs-plugin ECSCloud.java / ECSTaskTemplate.java, kubernetes-plugin KubernetesCloud.java /
// PodTemplate.java, docker-plugin DockerCloud.java / DockerTemplate.java.

const absolutePath = z.string().regex(/^\/[^\s]*$/, 'must be an absolute path such as "/home/jenkins/agent"');

/** A Jenkins label: one or more words separated by single spaces (ECS README "Label"). */
export const jenkinsLabelSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+( [A-Za-z0-9_.-]+)*$/, 'must be Jenkins label words (letters, digits, _ . -) separated by single spaces');

const resources = {
  /** CPU units, 1024 per vCPU: ECS `cpu`, Docker `cpuShares`, Kubernetes CPU request. */
  cpu: z.int().positive().optional(),
  /** Hard memory limit in MiB: ECS `memory`, Docker `memoryLimit`, Kubernetes memory limit. */
  memory: z.int().positive().optional(),
  /** Soft memory reservation in MiB: ECS `memoryReservation`, Kubernetes memory request (Docker has none). */
  memoryReservation: z.int().positive().optional(),
  /** Agent working directory inside the container (ECS `remoteFSRoot`, Docker `remoteFs`, Kubernetes `workingDir`). */
  remoteFs: absolutePath.optional(),
  /** Most agents of one image at once (Kubernetes, Docker); ECS caps the whole cloud with `maxAgents`. */
  instanceCap: z.int().positive().optional(),
  /** Minutes an idle agent is kept before removal (Kubernetes, Docker). */
  idleMinutes: z.int().nonnegative().optional(),
};

function reservationWithinLimit(value: { memory?: number | undefined; memoryReservation?: number | undefined }, ctx: z.RefinementCtx): void {
  if (value.memory !== undefined && value.memoryReservation !== undefined && value.memoryReservation > value.memory) {
    ctx.addIssue({ code: 'custom', path: ['memoryReservation'], message: 'must not exceed memory (the hard limit)' });
  }
}

/** `jenkins:` in `images/<name>/image.yml`: what one image changes from the cloud's template defaults. */
export const templateOverridesSchema = z.strictObject(resources).superRefine(reservationWithinLimit);

/** `jenkins.defaults` in `.github/dockyard.yml`: template settings every image starts from. */
export const templateDefaultsSchema = z
  .strictObject({
    ...resources,
    /** Agent working directory; jenkins/inbound-agent's, so images built on it work unchanged. */
    remoteFs: absolutePath.default('/home/jenkins/agent'),
    /** CPU units per agent, 1024 per vCPU. */
    cpu: z.int().positive().default(1024),
    /** Memory reserved per agent, in MiB. */
    memoryReservation: z.int().positive().default(2048),
  })
  .superRefine(reservationWithinLimit);

/** Fields `images/<name>/image.yml` carries for Jenkins; spread into the image metadata schema. */
export const imageJenkinsFields = {
  /** Jenkins label jobs use to ask for this agent (`agent { label '…' }`). */
  label: jenkinsLabelSchema,
  /** Per-image overrides of `jenkins.defaults`. */
  jenkins: templateOverridesSchema.optional(),
};

/** The Jenkins part of one image's metadata, on its own. */
export const imageJenkinsMetadataSchema = z.object(imageJenkinsFields);

const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN');

const ecsCloudSchema = z
  .strictObject({
    /** Amazon ECS / Fargate, through the amazon-ecs plugin. */
    kind: z.literal('ecs'),
    /** Cloud name; ECSCloud.DescriptorImpl allows up to 127 letters, digits, `_` and `-`. */
    name: z.string().regex(/^[A-Za-z0-9_-]{1,127}$/, 'must be 1-127 letters, digits, "_" or "-" (ECS cloud name rule)'),
    /** ARN of the ECS cluster agents run in. */
    cluster: z
      .string()
      .regex(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/, 'must be an ECS cluster ARN'),
    /** AWS region of the cluster, e.g. `eu-west-1`. */
    regionName: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as "eu-west-1"'),
    /** Jenkins AWS credentials id; empty means the controller's own IAM role. */
    credentialsId: z.string().default(''),
    /** URL agents use to reach Jenkins when it differs from the global Jenkins URL. */
    jenkinsUrl: z.url().optional(),
    /** `host:port` agents tunnel their inbound connection through (e.g. an NLB). */
    tunnel: z.string().regex(/^[^\s:]*:\d+$/, 'must be "host:port"').optional(),
    /** Most agents the cloud runs at once; 0 or unset means no limit. */
    maxAgents: z.int().nonnegative().optional(),
    /** Minutes an idle ECS agent is kept (ECSCloud `retentionTimeout`). */
    retentionTimeout: z.int().positive().optional(),
    /** Where tasks run. */
    launchType: z.enum(['FARGATE', 'EC2']).default('FARGATE'),
    /** Task network mode; Fargate requires `awsvpc`. */
    networkMode: z.enum(['awsvpc', 'bridge', 'host', 'default']).default('awsvpc'),
    /** Subnet ids for `awsvpc` tasks. */
    subnets: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, 'must be a subnet id')).default([]),
    /** Security group ids for `awsvpc` tasks. */
    securityGroups: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'must be a security group id')).default([]),
    /** Give tasks a public IP (needed in public subnets without NAT to reach ECR). */
    assignPublicIp: z.boolean().default(false),
    /** Task execution role: lets ECS pull the image from ECR and write logs. */
    executionRole: roleArn.optional(),
    /** Role the agent's own AWS calls run as (ECSTaskTemplate spells it `taskrole`). */
    taskrole: roleArn.optional(),
    /** Container log driver, e.g. `awslogs`. */
    logDriver: z.string().optional(),
    /** Options of the log driver, e.g. `awslogs-group: /jenkins/agents`. */
    logDriverOptions: z.record(z.string(), z.string()).default({}),
    /** Fargate platform version, e.g. `LATEST`. */
    platformVersion: z.string().optional(),
    /** CPU architecture the images are built for. */
    cpuArchitecture: z.enum(['X86_64', 'ARM64']).optional(),
  })
  .superRefine((cloud, ctx) => {
    if (cloud.launchType === 'FARGATE' && cloud.networkMode !== 'awsvpc') {
      ctx.addIssue({ code: 'custom', path: ['networkMode'], message: 'must be "awsvpc" when launchType is FARGATE' });
    }
    if (cloud.networkMode === 'awsvpc' && cloud.subnets.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['subnets'], message: 'needs at least one subnet id for awsvpc tasks' });
    }
    if (cloud.launchType === 'FARGATE' && cloud.executionRole === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['executionRole'],
        message: 'is required on FARGATE: without it ECS cannot pull the agent image from ECR',
      });
    }
  });

const kubernetesCloudSchema = z.strictObject({
  /** Kubernetes (e.g. EKS), through the kubernetes plugin. */
  kind: z.literal('kubernetes'),
  /** Cloud name in Jenkins. */
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,63}$/, 'must be 1-63 letters, digits, "_", "." or "-"'),
  /** Kubernetes API URL; unset means the cluster Jenkins itself runs in. */
  serverUrl: z.url().optional(),
  /** Namespace agent pods are created in; unset means Jenkins' own namespace. */
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a Kubernetes namespace name')
    .optional(),
  /** URL agent pods use to reach Jenkins. */
  jenkinsUrl: z.url().optional(),
  /** `host:port` of Jenkins' inbound agent port, when not behind jenkinsUrl. */
  jenkinsTunnel: z.string().regex(/^[^\s:]*:\d+$/, 'must be "host:port"').optional(),
  /** Jenkins credentials id for the Kubernetes API; unset means the pod's service account. */
  credentialsId: z.string().optional(),
  /** Connect agents over WebSocket through jenkinsUrl instead of the inbound TCP port. */
  webSocket: z.boolean().default(false),
  /** Most agent pods the cloud runs at once. */
  containerCap: z.int().positive().optional(),
  /** Service account agent pods run as (e.g. one mapped to an IAM role on EKS). */
  serviceAccount: z.string().optional(),
  /** Names of image pull secrets for ECR, when nodes cannot pull with their own role. */
  imagePullSecrets: z.array(z.string().min(1)).default([]),
});

const dockerCloudSchema = z.strictObject({
  /** A Docker Engine, through the docker plugin. */
  kind: z.literal('docker'),
  /** Cloud name in Jenkins. */
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,63}$/, 'must be 1-63 letters, digits, "_", "." or "-"'),
  /** Docker Engine the agents run on (DockerAPI `dockerHost`). */
  dockerHost: z.strictObject({
    /** Engine address: `unix:///var/run/docker.sock` or `tcp://host:2376`. */
    uri: z.string().regex(/^(unix|tcp):\/\/\S+$/, 'must start with unix:// or tcp://'),
    /** Jenkins credentials id holding the TLS client certificate for tcp://. */
    credentialsId: z.string().optional(),
  }),
  /** Most agent containers the cloud runs at once. */
  containerCap: z.int().positive().optional(),
  /** Jenkins credentials id the engine pulls images from ECR with. */
  pullCredentialsId: z.string().optional(),
  /** How agents connect: `attach` runs the agent over the Docker API, `jnlp` connects back to Jenkins. */
  connector: z.enum(['attach', 'jnlp']).default('attach'),
  /** User the agent process runs as inside the container. */
  user: z.string().default('jenkins'),
  /** URL `jnlp` agents use to reach Jenkins, when it differs from the global Jenkins URL. */
  jenkinsUrl: z.url().optional(),
});

/** One Jenkins cloud Dockyard manages; each gets its own generated JCasC document. */
export const cloudSchema = z.discriminatedUnion('kind', [ecsCloudSchema, kubernetesCloudSchema, dockerCloudSchema]);

const controllerName = z
  .string({ error: 'name the Jenkins controller to register in, one your Dockyard operator defined: `jenkins.controller: <name>`' })
  .regex(/^[a-z0-9]([a-z0-9_-]{0,62})$/, 'must be the name of a Jenkins controller your Dockyard operator defined, such as "main"');

/**
 * A field that belongs to the operator's settings. Repository maintainers may not name credentials, the
 * URLs that receive them or paths on the app's host, so a repository config holding one is refused
 * with what to do instead (this is also how configs written before the split learn where it went).
 */
function operatorSetting(field: string, what: string) {
  return z
    .never({
      error: `\`jenkins.${field}\` is an operator setting (${what}): ask your Dockyard operator to define a controller, then write \`jenkins.controller: <name>\``,
    })
    .optional();
}

/** `jenkins:` in `.github/dockyard.yml`: which operator-defined controller, and the clouds and templates in it. */
export const jenkinsConfigSchema = z
  .strictObject({
    /** Name of the Jenkins controller to register in, as the operator's settings define it (e.g. `main`). */
    controller: controllerName,
    url: operatorSetting('url', 'the URL receives Jenkins credentials'),
    auth: operatorSetting('auth', 'credentials and the env vars holding them'),
    delivery: operatorSetting('delivery', 'how documents reach Jenkins, including folders on the app\'s host'),
    /** Clouds the images are registered in. */
    clouds: z
      .array(cloudSchema)
      .min(1)
      .superRefine((clouds, ctx) => {
        const seen = new Set<string>();
        clouds.forEach((cloud, index) => {
          if (seen.has(cloud.name)) {
            ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `cloud name "${cloud.name}" is used twice` });
          }
          seen.add(cloud.name);
        });
      }),
    /** Template settings every image starts from; `images/<name>/image.yml` may override them. */
    defaults: templateDefaultsSchema.prefault({}),
  })
  .transform(({ controller, clouds, defaults }) => ({ controller, clouds, defaults }));

export type JenkinsConfig = z.infer<typeof jenkinsConfigSchema>;
export type CloudConfig = z.infer<typeof cloudSchema>;
export type EcsCloudConfig = z.infer<typeof ecsCloudSchema>;
export type KubernetesCloudConfig = z.infer<typeof kubernetesCloudSchema>;
export type DockerCloudConfig = z.infer<typeof dockerCloudSchema>;
export type TemplateDefaults = z.infer<typeof templateDefaultsSchema>;
export type TemplateOverrides = z.infer<typeof templateOverridesSchema>;
export type ImageJenkinsMetadata = z.infer<typeof imageJenkinsMetadataSchema>;
