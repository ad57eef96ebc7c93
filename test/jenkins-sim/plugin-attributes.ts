// What JCasC accepts under each cloud kind. JCasC's DataBoundConfigurator offers a class's
// @DataBoundConstructor parameters plus its @DataBoundSetter properties as attributes and rejects any
// other key (configuration-as-code-plugin BaseConfigurator.handleUnknown). The lists below are those
// names, read from the plugins' source (snapshots named in /work/shared/JENKINS.md). Nested types the
// generated documents never use are `any`: the simulator accepts whatever is under them.

/** How the simulator checks one YAML node. */
export type AttributeSpec =
  | { kind: 'any' }
  | { kind: 'object'; type: string; attributes: Record<string, AttributeSpec>; required?: Record<string, string> }
  | { kind: 'list'; item: AttributeSpec }
  | { kind: 'oneOf'; type: string; options: Record<string, AttributeSpec> };

const any: AttributeSpec = { kind: 'any' };

function object(
  type: string,
  names: readonly string[],
  nested: Record<string, AttributeSpec> = {},
  required: Record<string, string> = {},
): AttributeSpec {
  const attributes: Record<string, AttributeSpec> = Object.fromEntries(names.map((name) => [name, any]));
  return { kind: 'object', type, attributes: { ...attributes, ...nested }, required };
}

function listOf(item: AttributeSpec): AttributeSpec {
  return { kind: 'list', item };
}

const nameValue = (type: string): AttributeSpec => listOf(object(type, ['name', 'value']));

// amazon-ecs-plugin src/main/java/com/cloudbees/jenkins/plugins/amazonecs/ECSTaskTemplate.java:
// @DataBoundConstructor parameters, then @DataBoundSetter setters; nested entry classes in the same file.
const ecsTaskTemplate = object(
  'com.cloudbees.jenkins.plugins.amazonecs.ECSTaskTemplate',
  [
    'templateName', 'label', 'agentContainerName', 'taskDefinitionOverride', 'dynamicTaskDefinitionOverride', 'image',
    'repositoryCredentials', 'launchType', 'operatingSystemFamily', 'cpuArchitecture', 'defaultCapacityProvider',
    'capacityProviderStrategies', 'networkMode', 'remoteFSRoot', 'uniqueRemoteFSRoot', 'platformVersion', 'memory',
    'memoryReservation', 'cpu', 'ephemeralStorageSizeInGiB', 'subnets', 'securityGroups', 'assignPublicIp', 'privileged',
    'containerUser', 'kernelCapabilities', 'extraHosts', 'mountPoints', 'efsMountPoints', 'portMappings', 'ulimits',
    'executionRole', 'placementStrategies', 'taskrole', 'inheritFrom', 'sharedMemorySize', 'enableExecuteCommand',
    'dynamicTaskDefinition', 'entrypoint', 'jvmArgs', 'logDriver', 'dnsSearchDomains',
  ],
  {
    logDriverOptions: nameValue('com.cloudbees.jenkins.plugins.amazonecs.ECSTaskTemplate$LogDriverOption'),
    tags: nameValue('com.cloudbees.jenkins.plugins.amazonecs.ECSTaskTemplate$Tag'),
    environments: nameValue('com.cloudbees.jenkins.plugins.amazonecs.ECSTaskTemplate$EnvironmentEntry'),
  },
);

// amazon-ecs-plugin ECSCloud.java: @DataBoundConstructor(name, credentialsId, assumedRoleArn, cluster) and setters.
const ecsCloud = object(
  'com.cloudbees.jenkins.plugins.amazonecs.ECSCloud',
  [
    'name', 'credentialsId', 'assumedRoleArn', 'cluster', 'regionName', 'authRegion', 'tunnel', 'allowedOverrides',
    'slaveTimeoutInSeconds', 'retainAgents', 'retentionTimeout', 'taskPollingIntervalInSeconds', 'maxCpu',
    'numExecutors', 'maxMemory', 'maxMemoryReservation', 'maxAgents', 'jenkinsUrl',
  ],
  { templates: listOf(ecsTaskTemplate) },
);

// kubernetes-plugin src/main/java/org/csanchez/jenkins/plugins/kubernetes/ContainerTemplate.java:
// @DataBoundConstructor(name, image) and setters; the constructor rejects a missing image
// (Preconditions.checkArgument(PodTemplateUtils.validateImage(image))).
const containerTemplate = object(
  'org.csanchez.jenkins.plugins.kubernetes.ContainerTemplate',
  [
    'name', 'image', 'command', 'args', 'ttyEnabled', 'workingDir', 'privileged', 'runAsUser', 'runAsGroup',
    'alwaysPullImage', 'envVars', 'livenessProbe', 'ports', 'resourceRequestMemory', 'resourceLimitMemory',
    'resourceRequestCpu', 'resourceLimitCpu', 'resourceRequestEphemeralStorage', 'resourceLimitEphemeralStorage', 'shell',
  ],
  {},
  { image: 'Malformed image: a container template needs an image' },
);

// kubernetes-plugin PodTemplate.java: @DataBoundConstructor(id) and setters.
const podTemplate = object(
  'org.csanchez.jenkins.plugins.kubernetes.PodTemplate',
  [
    'id', 'inheritFrom', 'name', 'namespace', 'command', 'args', 'remoteFs', 'instanceCap', 'slaveConnectTimeout',
    'instanceCapStr', 'slaveConnectTimeoutStr', 'idleMinutes', 'activeDeadlineSeconds', 'idleMinutesStr',
    'activeDeadlineSecondsStr', 'label', 'nodeSelector', 'nodeUsageMode', 'privileged', 'runAsUser', 'runAsGroup',
    'supplementalGroups', 'hostNetwork', 'serviceAccount', 'schedulerName', 'alwaysPullImage', 'capOnlyOnAlivePods',
    'envVars', 'annotations', 'nodeProperties', 'resourceRequestMemory', 'resourceLimitCpu', 'resourceLimitMemory',
    'resourceRequestCpu', 'volumes', 'workspaceVolume', 'yaml', 'yamlMergeStrategy', 'podRetention', 'showRawYaml',
  ],
  {
    containers: listOf(containerTemplate),
    imagePullSecrets: listOf(object('org.csanchez.jenkins.plugins.kubernetes.PodImagePullSecret', ['name'])),
  },
);

// kubernetes-plugin KubernetesCloud.java setters, as used in configuration-as-code-plugin demos/kubernetes.
const kubernetesCloud = object(
  'org.csanchez.jenkins.plugins.kubernetes.KubernetesCloud',
  [
    'name', 'serverUrl', 'serverCertificate', 'skipTlsVerify', 'addMasterProxyEnvVars', 'capOnlyOnAlivePods', 'namespace',
    'jnlpregistry', 'jenkinsUrl', 'jenkinsTunnel', 'credentialsId', 'containerCap', 'containerCapStr', 'retentionTimeout',
    'connectTimeout', 'readTimeout', 'podLabels', 'usageRestricted', 'maxRequestsPerHost', 'maxRequestsPerHostStr',
    'waitForPodSec', 'podRetention', 'webSocket', 'directConnection', 'defaultsProviderTemplate', 'garbageCollection',
    'useJenkinsProxy',
  ],
  { templates: listOf(podTemplate) },
);

// docker-plugin DockerTemplateBase.java: @DataBoundConstructor(image), which throws "Image can't be null",
// and its setters.
const dockerTemplateBase = object(
  'com.nirima.jenkins.plugins.docker.DockerTemplateBase',
  [
    'image', 'pullCredentialsId', 'dockerCommand', 'hostname', 'dnsString', 'network', 'volumesString',
    'volumesFromString', 'devicesString', 'environmentsString', 'environment', 'bindPorts', 'bindAllPorts', 'memoryLimit',
    'memorySwap', 'cpuShares', 'cpuPeriod', 'cpuQuota', 'shmSize', 'privileged', 'tty', 'macAddress', 'extraHostsString',
    'securityOptsString', 'capabilitiesToAddString', 'capabilitiesToDropString', 'extraDockerLabelsString', 'mounts',
    'mountsString',
  ],
  {},
  { image: "Image can't be null" },
);

// docker-plugin io/jenkins/docker/connector: DockerComputerAttachConnector (@Symbol "attach"),
// DockerComputerJNLPConnector (@Symbol "jnlp": constructor JNLPLauncher, setters user, jenkinsUrl,
// entryPointArgumentsString), DockerComputerSSHConnector (@Symbol "ssh").
const dockerConnector: AttributeSpec = {
  kind: 'oneOf',
  type: 'io.jenkins.docker.connector.DockerComputerConnector',
  options: {
    attach: object('io.jenkins.docker.connector.DockerComputerAttachConnector', [
      'user', 'javaExe', 'jvmArgsString', 'entryPointCmdString',
    ]),
    jnlp: object(
      'io.jenkins.docker.connector.DockerComputerJNLPConnector',
      ['user', 'jenkinsUrl', 'entryPointArgumentsString'],
      { jnlpLauncher: object('hudson.slaves.JNLPLauncher', ['tunnel', 'vmargs', 'workDirSettings', 'webSocket']) },
    ),
    ssh: any,
  },
};

// docker-plugin DockerTemplate.java: @DataBoundConstructor(dockerTemplateBase, connector, labelString,
// instanceCapStr) and setters.
const dockerTemplate = object(
  'com.nirima.jenkins.plugins.docker.DockerTemplate',
  [
    'labelString', 'instanceCapStr', 'removeVolumes', 'stopTimeout', 'mode', 'remoteFs', 'pullStrategy', 'pullTimeout',
    'nodeProperties', 'disabled', 'name',
  ],
  {
    dockerTemplateBase,
    connector: dockerConnector,
    retentionStrategy: object('com.nirima.jenkins.plugins.docker.strategy.DockerOnceRetentionStrategy', ['idleMinutes']),
  },
  { dockerTemplateBase: 'Failed to construct instance of class com.nirima.jenkins.plugins.docker.DockerTemplate: dockerTemplateBase is required' },
);

// docker-plugin DockerCloud.java: @DataBoundConstructor(name, dockerApi, templates) and setters;
// io/jenkins/docker/client/DockerAPI.java and docker-commons DockerServerEndpoint(uri, credentialsId).
const dockerCloud = object(
  'com.nirima.jenkins.plugins.docker.DockerCloud',
  ['name', 'containerCap', 'exposeDockerHost', 'disabled', 'errorDuration'],
  {
    dockerApi: object('io.jenkins.docker.client.DockerAPI', ['connectTimeout', 'readTimeout', 'apiVersion', 'hostname'], {
      dockerHost: object('org.jenkinsci.plugins.docker.commons.credentials.DockerServerEndpoint', ['uri', 'credentialsId']),
    }),
    templates: listOf(dockerTemplate),
  },
);

/** Cloud symbols (`jenkins.clouds[].<symbol>`) the simulated Jenkins has plugins for. */
export const cloudAttributes: Record<string, AttributeSpec> = {
  ecs: ecsCloud,
  kubernetes: kubernetesCloud,
  docker: dockerCloud,
};
