import type { EcsCloudConfig, TemplateDefaults } from '../../config/jenkins-schema.ts';
import { compactObject } from './compact-object.ts';
import type { PublishedImage } from './published-image.ts';
import { templateName } from './template-name.ts';
import { templateSettings } from './template-settings.ts';

// Field names: amazon-ecs-plugin src/main/java/com/cloudbees/jenkins/plugins/amazonecs/ECSCloud.java
// (@DataBoundConstructor name, credentialsId, cluster; setters regionName, jenkinsUrl, tunnel, maxAgents,
// retentionTimeout, templates) and ECSTaskTemplate.java (@DataBoundConstructor parameters and setters).
// Layout compared with the plugin's own JCasC example, examples/fargate/docker/files/jenkins.yaml.

/** Task-definition families may be 255 characters; the plugin prefixes ours with `<cloud name>-`. */
const familyLength = 255;

/** The `ecs:` entry of `jenkins.clouds` for one cloud and its images, in the plugin's field names. */
export function renderEcsCloud(
  cloud: EcsCloudConfig,
  images: readonly PublishedImage[],
  defaults: TemplateDefaults,
): Record<string, unknown> {
  const nameLength = familyLength - cloud.name.length - 1;
  return {
    ecs: compactObject({
      name: cloud.name,
      credentialsId: cloud.credentialsId,
      cluster: cloud.cluster,
      regionName: cloud.regionName,
      jenkinsUrl: cloud.jenkinsUrl,
      tunnel: cloud.tunnel,
      maxAgents: cloud.maxAgents,
      retentionTimeout: cloud.retentionTimeout,
      templates: images.map((image) => ecsTemplate(cloud, image, defaults, nameLength)),
    }),
  };
}

function ecsTemplate(
  cloud: EcsCloudConfig,
  image: PublishedImage,
  defaults: TemplateDefaults,
  nameLength: number,
): Record<string, unknown> {
  const settings = templateSettings(defaults, image);
  const logDriverOptions = Object.entries(cloud.logDriverOptions)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({ name, value }));
  return compactObject({
    templateName: templateName(image.name, nameLength),
    label: image.label,
    image: image.imageRef,
    launchType: cloud.launchType,
    networkMode: cloud.networkMode,
    cpu: settings.cpu,
    memory: settings.memory,
    memoryReservation: settings.memoryReservation,
    remoteFSRoot: settings.remoteFs,
    // The plugin splits these on "," (ECSService: getSubnets().split(",")), so no spaces.
    subnets: cloud.subnets.length > 0 ? cloud.subnets.join(',') : undefined,
    securityGroups: cloud.securityGroups.length > 0 ? cloud.securityGroups.join(',') : undefined,
    assignPublicIp: cloud.assignPublicIp,
    executionRole: cloud.executionRole,
    taskrole: cloud.taskrole,
    logDriver: cloud.logDriver,
    logDriverOptions: logDriverOptions.length > 0 ? logDriverOptions : undefined,
    platformVersion: cloud.platformVersion,
    cpuArchitecture: cloud.cpuArchitecture,
  });
}
