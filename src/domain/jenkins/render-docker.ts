import type { DockerCloudConfig, TemplateDefaults } from '../../config/jenkins-schema.ts';
import { compactObject } from './compact-object.ts';
import type { PublishedImage } from './published-image.ts';
import { templateName } from './template-name.ts';
import { templateSettings } from './template-settings.ts';

// Field names: docker-plugin src/main/java/com/nirima/jenkins/plugins/docker/DockerCloud.java (name,
// dockerApi, templates, containerCap), DockerTemplate.java (@DataBoundConstructor dockerTemplateBase,
// connector, labelString, instanceCapStr; setters name, remoteFs, retentionStrategy),
// DockerTemplateBase.java (image, pullCredentialsId, cpuShares, memoryLimit) and
// io/jenkins/docker/connector/DockerComputerAttachConnector.java / DockerComputerJNLPConnector.java
// (symbols `attach`, `jnlp`), read at 2fbbdf97. Layout compared with configuration-as-code-plugin demos/docker/README.md
// and docker-plugin src/test/resources/io/jenkins/docker/client/configuration-as-code_current.yml.

/** Node and container names are `<template name>-<id>`; keep ours short enough for a DNS label. */
const dockerTemplateNameLength = 40;

/** The `docker:` entry of `jenkins.clouds` for one cloud and its images, in the plugin's field names. */
export function renderDockerCloud(
  cloud: DockerCloudConfig,
  images: readonly PublishedImage[],
  defaults: TemplateDefaults,
): Record<string, unknown> {
  return {
    docker: compactObject({
      name: cloud.name,
      dockerApi: { dockerHost: compactObject({ uri: cloud.dockerHost.uri, credentialsId: cloud.dockerHost.credentialsId }) },
      // DockerCloud has setContainerCap(int); containerCapStr is only a deprecated getter.
      containerCap: cloud.containerCap,
      templates: images.map((image) => dockerTemplate(cloud, image, defaults)),
    }),
  };
}

function dockerTemplate(cloud: DockerCloudConfig, image: PublishedImage, defaults: TemplateDefaults): Record<string, unknown> {
  const settings = templateSettings(defaults, image);
  return compactObject({
    name: templateName(image.name, dockerTemplateNameLength),
    labelString: image.label,
    dockerTemplateBase: compactObject({
      image: image.imageRef,
      pullCredentialsId: cloud.pullCredentialsId,
      // ECS cpu units are Docker CPU shares (1024 = one CPU's weight); memoryLimit is in MB.
      cpuShares: settings.cpu,
      memoryLimit: settings.memory,
    }),
    remoteFs: settings.remoteFs,
    connector: connector(cloud),
    instanceCapStr: settings.instanceCap === undefined ? undefined : String(settings.instanceCap),
    retentionStrategy: settings.idleMinutes === undefined ? undefined : { idleMinutes: settings.idleMinutes },
  });
}

function connector(cloud: DockerCloudConfig): Record<string, unknown> {
  if (cloud.connector === 'attach') return { attach: { user: cloud.user } };
  // Since docker-plugin 1.6 (de7a8063, JENKINS-72592) DockerComputerJNLPConnector has a no-argument
  // @DataBoundConstructor and the setters user, jenkinsUrl, entryPointArgumentsString; `jnlpLauncher`
  // is no attribute any more, and JCasC rejects it.
  return { jnlp: compactObject({ jenkinsUrl: cloud.jenkinsUrl, user: cloud.user }) };
}
