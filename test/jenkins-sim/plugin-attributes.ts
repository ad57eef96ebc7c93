// What JCasC accepts under each cloud kind, extracted from the plugin classes. configuration-as-code-plugin
// (58646eb6) DataBoundConfigurator offers a class's @DataBoundConstructor parameters and its @DataBoundSetter
// properties as attributes; a constructor parameter annotated javax/jakarta @Nonnull (NONNULL_ANNOTATIONS;
// edu.umd.cs.findbugs @NonNull does not count) that is missing fails with "<name> is required to configure
// <class>"; scalars convert to the parameter's Java type (PrimitiveConfigurator, Stapler converters); any
// other key is refused (BaseConfigurator.handleUnknown). Setter names match case-insensitively
// (BaseConfigurator.removeIgnoreCase). Nested types the generated documents never use are `any`.
// Plugin sources: amazon-ecs-plugin 4d48ab37 (amazon-ecs-1.49), kubernetes-plugin a82d78a0
// (4423.vb_59f230b_ce53), docker-plugin 2fbbdf97 (1324.v2fb_b_df97fe1d).

/** A Java value type JCasC converts a scalar to. */
export type ScalarType = 'String' | 'int' | 'Integer' | 'long' | 'Long' | 'boolean' | 'Boolean' | { enum: readonly string[] };

/** How the simulator checks one YAML node. */
export type AttributeSpec =
  | { kind: 'any' }
  | { kind: 'scalar'; type: ScalarType }
  | {
      kind: 'object';
      type: string;
      /** @DataBoundConstructor parameters, in order, and whether each is javax/jakarta @Nonnull. */
      parameters: { name: string; nonnull: boolean }[];
      attributes: Record<string, AttributeSpec>;
      /** Throws the constructor's own exception for a value it refuses (e.g. a null image). */
      construct?: (present: ReadonlySet<string>) => string | undefined;
    }
  | { kind: 'list'; item: AttributeSpec }
  | { kind: 'oneOf'; type: string; options: Record<string, AttributeSpec> };

const any: AttributeSpec = { kind: 'any' };
const scalar = (type: ScalarType): AttributeSpec => ({ kind: 'scalar', type });
const S = scalar('String');
const int = scalar('int');
const Integer = scalar('Integer');
const bool = scalar('boolean');
const Bool = scalar('Boolean');
const listOf = (item: AttributeSpec): AttributeSpec => ({ kind: 'list', item });

interface ClassTable {
  /** @DataBoundConstructor parameters: name → [type, javax/jakarta @Nonnull]. */
  params?: Record<string, [AttributeSpec, boolean?]>;
  /** @DataBoundSetter properties: name → type. */
  setters?: Record<string, AttributeSpec>;
  construct?: (present: ReadonlySet<string>) => string | undefined;
}

function object(type: string, table: ClassTable): AttributeSpec {
  const parameters = Object.entries(table.params ?? {});
  const attributes: Record<string, AttributeSpec> = Object.fromEntries(parameters.map(([name, [spec]]) => [name, spec]));
  Object.assign(attributes, table.setters ?? {});
  const spec: AttributeSpec = {
    kind: 'object',
    type,
    parameters: parameters.map(([name, [, nonnull]]) => ({ name, nonnull: nonnull === true })),
    attributes,
  };
  if (table.construct) spec.construct = table.construct;
  return spec;
}

const nameValue = (type: string): AttributeSpec => listOf(object(type, { params: { name: [S], value: [S] } }));
const ecs = 'com.cloudbees.jenkins.plugins.amazonecs';

// amazon-ecs-plugin src/main/java/com/cloudbees/jenkins/plugins/amazonecs/ECSTaskTemplate.java: the
// @DataBoundConstructor's 40 parameters (none @Nonnull; int/boolean are primitives) and its setters.
const ecsTaskTemplate = object(`${ecs}.ECSTaskTemplate`, {
  params: {
    templateName: [S], label: [S], agentContainerName: [S], taskDefinitionOverride: [S], dynamicTaskDefinitionOverride: [S],
    image: [S], repositoryCredentials: [S], launchType: [S], operatingSystemFamily: [S], cpuArchitecture: [S],
    defaultCapacityProvider: [bool], capacityProviderStrategies: [listOf(any)], networkMode: [S], remoteFSRoot: [S],
    uniqueRemoteFSRoot: [bool], platformVersion: [S], memory: [int], memoryReservation: [int], cpu: [int],
    ephemeralStorageSizeInGiB: [Integer], subnets: [S], securityGroups: [S], assignPublicIp: [bool], privileged: [bool],
    containerUser: [S], kernelCapabilities: [S], logDriverOptions: [nameValue(`${ecs}.ECSTaskTemplate$LogDriverOption`)],
    tags: [nameValue(`${ecs}.ECSTaskTemplate$Tag`)], environments: [nameValue(`${ecs}.ECSTaskTemplate$EnvironmentEntry`)],
    extraHosts: [listOf(any)], mountPoints: [listOf(any)], efsMountPoints: [listOf(any)], portMappings: [listOf(any)],
    ulimits: [listOf(any)], executionRole: [S], placementStrategies: [listOf(any)], taskrole: [S], inheritFrom: [S],
    sharedMemorySize: [int], enableExecuteCommand: [bool],
  },
  setters: {
    dynamicTaskDefinition: S, taskrole: S, executionRole: S, repositoryCredentials: S, entrypoint: S, jvmArgs: S,
    containerUser: S, kernelCapabilities: S, logDriver: S, inheritFrom: S, subnets: S, securityGroups: S, dnsSearchDomains: S,
  },
});

// amazon-ecs-plugin ECSCloud.java: @DataBoundConstructor(name, @Nonnull credentialsId (javax.annotation),
// assumedRoleArn, cluster) and its setters.
const ecsCloud = object(`${ecs}.ECSCloud`, {
  params: { name: [S], credentialsId: [S, true], assumedRoleArn: [S], cluster: [S] },
  setters: {
    templates: listOf(ecsTaskTemplate), regionName: S, tunnel: S, allowedOverrides: S, slaveTimeoutInSeconds: int,
    retainAgents: bool, retentionTimeout: int, taskPollingIntervalInSeconds: int, maxCpu: int, numExecutors: int, maxMemory: int,
    maxMemoryReservation: int, maxAgents: int, jenkinsUrl: S,
  },
});

const k8s = 'org.csanchez.jenkins.plugins.kubernetes';

// kubernetes-plugin ContainerTemplate.java: @DataBoundConstructor(name, image) and setters. The constructor
// refuses a missing image (Preconditions.checkArgument(PodTemplateUtils.validateImage(image))).
const containerTemplate = object(`${k8s}.ContainerTemplate`, {
  params: { name: [S], image: [S] },
  setters: {
    command: S, args: S, ttyEnabled: bool, workingDir: S, privileged: bool, runAsUser: S, runAsGroup: S, alwaysPullImage: bool,
    envVars: listOf(any), livenessProbe: any, ports: listOf(any), resourceRequestMemory: S, resourceLimitMemory: S,
    resourceRequestCpu: S, resourceLimitCpu: S, resourceRequestEphemeralStorage: S, resourceLimitEphemeralStorage: S, shell: S,
  },
  construct: (present) => (present.has('image') ? undefined : 'Malformed image: a container template needs an image'),
});

// kubernetes-plugin PodTemplate.java: @DataBoundConstructor(@CheckForNull id) — a missing id becomes
// UUID.randomUUID() — and setters.
const podTemplate = object(`${k8s}.PodTemplate`, {
  params: { id: [S] },
  setters: {
    yamlMergeStrategy: any, inheritFrom: S, name: S, namespace: S, command: S, args: S, instanceCap: int, slaveConnectTimeout: int,
    instanceCapStr: S, slaveConnectTimeoutStr: S, idleMinutes: int, activeDeadlineSeconds: int, idleMinutesStr: S,
    activeDeadlineSecondsStr: S, label: S, nodeSelector: S, nodeUsageMode: scalar({ enum: ['NORMAL', 'EXCLUSIVE'] }),
    privileged: bool, runAsUser: S, runAsGroup: S, supplementalGroups: S, hostNetwork: Bool, serviceAccount: S, schedulerName: S,
    alwaysPullImage: bool, agentContainer: S, agentInjection: bool, envVars: listOf(any), annotations: listOf(any),
    imagePullSecrets: listOf(object(`${k8s}.PodImagePullSecret`, { params: { name: [S] } })), nodeProperties: listOf(any),
    resourceRequestMemory: S, resourceLimitCpu: S, resourceLimitMemory: S, resourceRequestCpu: S, volumes: listOf(any),
    workspaceVolume: any, containers: listOf(containerTemplate), yaml: S, podRetention: any, inheritYamlMergeStrategy: bool,
    showRawYaml: bool,
  },
});

// kubernetes-plugin KubernetesCloud.java: @DataBoundConstructor(name) and setters (containerCap is no
// setter any more, containerCapStr is).
const kubernetesCloud = object(`${k8s}.KubernetesCloud`, {
  params: { name: [S] },
  setters: {
    useJenkinsProxy: bool, usageRestricted: bool, retentionTimeout: int, defaultsProviderTemplate: S, templates: listOf(podTemplate),
    serverUrl: S, serverCertificate: S, skipTlsVerify: bool, addMasterProxyEnvVars: bool, namespace: S, jnlpregistry: S,
    restrictedPssSecurityContext: bool, garbageCollection: any, traits: listOf(any), webSocket: bool, directConnection: bool,
    jenkinsUrl: S, jenkinsTunnel: S, credentialsId: S, containerCapStr: S, readTimeout: int, podLabels: listOf(any),
    maxRequestsPerHostStr: S, maxRequestsPerHost: int, connectTimeout: int, podRetention: any, waitForPodSec: Integer,
  },
});

const docker = 'com.nirima.jenkins.plugins.docker';

// docker-plugin DockerTemplateBase.java: @DataBoundConstructor(image), which throws
// IllegalArgumentException("Image can't be null"), and its setters.
const dockerTemplateBase = object(`${docker}.DockerTemplateBase`, {
  params: { image: [S] },
  setters: {
    pullCredentialsId: S, dockerCommand: S, hostname: S, user: S, extraGroupsString: S, dnsString: S, dnsSearchString: S, network: S,
    mountsString: S, volumesFromString: S, devicesString: S, environmentsString: S, bindPorts: S, bindAllPorts: bool,
    memoryLimit: Integer, memorySwap: Integer, cgroupParent: S, cpus: S, cpuPeriod: scalar('Long'), cpuQuota: scalar('Long'),
    cpuShares: Integer, shmSize: Integer, privileged: bool, tty: bool, macAddress: S, extraHostsString: S, securityOptsString: S,
    capabilitiesToAddString: S, capabilitiesToDropString: S, extraDockerLabelsString: S,
  },
  construct: (present) => (present.has('image') ? undefined : "Image can't be null"),
});

// docker-plugin io/jenkins/docker/connector: DockerComputerAttachConnector (@Symbol "attach", no-argument
// constructor, setters user, javaExe, entryPointCmdString, jvmArgsString) and DockerComputerJNLPConnector
// (@Symbol "jnlp"; since 1.6, de7a8063, a no-argument constructor and setters user, jenkinsUrl,
// entryPointArgumentsString — before it, @DataBoundConstructor(JNLPLauncher jnlpLauncher)).
const dockerConnector: AttributeSpec = {
  kind: 'oneOf',
  type: 'io.jenkins.docker.connector.DockerComputerConnector',
  options: {
    attach: object('io.jenkins.docker.connector.DockerComputerAttachConnector', {
      setters: { user: S, javaExe: S, entryPointCmdString: S, jvmArgsString: S },
    }),
    jnlp: object('io.jenkins.docker.connector.DockerComputerJNLPConnector', {
      setters: { user: S, jenkinsUrl: S, entryPointArgumentsString: S },
    }),
    ssh: any,
  },
};

// docker-plugin DockerTemplate.java: @DataBoundConstructor(@NonNull dockerTemplateBase, @NonNull connector,
// labelString, instanceCapStr) — edu.umd.cs.findbugs NonNull, which JCasC does not enforce — and setters.
const dockerTemplate = object(`${docker}.DockerTemplate`, {
  params: { dockerTemplateBase: [dockerTemplateBase], connector: [dockerConnector], labelString: [S], instanceCapStr: [S] },
  setters: {
    removeVolumes: bool, stopTimeout: int, mode: scalar({ enum: ['NORMAL', 'EXCLUSIVE'] }),
    retentionStrategy: object(`${docker}.strategy.DockerOnceRetentionStrategy`, { params: { idleMinutes: [int] } }),
    remoteFs: S, pullStrategy: any, pullTimeout: int, nodeProperties: listOf(any), disabled: any, name: S,
  },
});

// docker-plugin DockerCloud.java: @DataBoundConstructor(name, dockerApi, templates) and setters;
// io/jenkins/docker/client/DockerAPI.java @DataBoundConstructor(dockerHost) and docker-commons
// DockerServerEndpoint(uri, credentialsId).
const dockerCloud = object(`${docker}.DockerCloud`, {
  params: {
    name: [S],
    dockerApi: [
      object('io.jenkins.docker.client.DockerAPI', {
        params: {
          dockerHost: [object('org.jenkinsci.plugins.docker.commons.credentials.DockerServerEndpoint', { params: { uri: [S], credentialsId: [S] } })],
        },
        setters: { connectTimeout: int, readTimeout: int, apiVersion: S, hostname: S },
      }),
    ],
    templates: [listOf(dockerTemplate)],
  },
  setters: { containerCap: int, exposeDockerHost: bool, disabled: any, errorDuration: Integer },
});

/** Cloud symbols (`jenkins.clouds[].<symbol>`) the simulated Jenkins has plugins for. */
export const cloudAttributes: Record<string, AttributeSpec> = {
  ecs: ecsCloud,
  kubernetes: kubernetesCloud,
  docker: dockerCloud,
};

/**
 * The same plugins with docker-plugin before 1.6: DockerComputerJNLPConnector's @DataBoundConstructor took
 * a JNLPLauncher (hudson.slaves.JNLPLauncher: tunnel, vmargs, workDirSettings, webSocket).
 */
export function withDockerPluginBefore16(): Record<string, AttributeSpec> {
  const attributes = cloneAttributes(cloudAttributes);
  const cloud = attributes['docker'] as Extract<AttributeSpec, { kind: 'object' }>;
  const templates = cloud.attributes['templates'] as Extract<AttributeSpec, { kind: 'list' }>;
  const template = templates.item as Extract<AttributeSpec, { kind: 'object' }>;
  const connector = template.attributes['connector'] as Extract<AttributeSpec, { kind: 'oneOf' }>;
  connector.options['jnlp'] = object('io.jenkins.docker.connector.DockerComputerJNLPConnector', {
    params: { jnlpLauncher: [object('hudson.slaves.JNLPLauncher', { setters: { tunnel: S, vmargs: S, workDirSettings: any, webSocket: bool } })] },
    setters: { user: S, jenkinsUrl: S, entryPointArgumentsString: S },
  });
  return attributes;
}

/** A deep copy of an attribute table (functions kept), for a test that models another plugin version. */
export function cloneAttributes(attributes: Record<string, AttributeSpec>): Record<string, AttributeSpec> {
  const copy = (spec: AttributeSpec): AttributeSpec => {
    switch (spec.kind) {
      case 'any':
      case 'scalar':
        return { ...spec };
      case 'list':
        return { kind: 'list', item: copy(spec.item) };
      case 'oneOf':
        return { ...spec, options: Object.fromEntries(Object.entries(spec.options).map(([name, option]) => [name, copy(option)])) };
      case 'object':
        return {
          ...spec,
          parameters: spec.parameters.map((parameter) => ({ ...parameter })),
          attributes: Object.fromEntries(Object.entries(spec.attributes).map(([name, attribute]) => [name, copy(attribute)])),
        };
    }
  };
  return Object.fromEntries(Object.entries(attributes).map(([name, spec]) => [name, copy(spec)]));
}
