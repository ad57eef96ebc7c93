import type { KubernetesCloudConfig, TemplateDefaults } from '../../config/jenkins-schema.ts';
import { compactObject } from './compact-object.ts';
import { podTemplateId } from './pod-template-id.ts';
import type { PublishedImage } from './published-image.ts';
import { templateName } from './template-name.ts';
import { templateSettings } from './template-settings.ts';

// Field names: kubernetes-plugin src/main/java/org/csanchez/jenkins/plugins/kubernetes/KubernetesCloud.java,
// PodTemplate.java (@DataBoundConstructor id, since kubernetes-1.27.2 / 2cfefd1a; setName, setLabel,
// setInstanceCap, setIdleMinutes, setServiceAccount, setImagePullSecrets, setContainers) and
// ContainerTemplate.java (@DataBoundConstructor name, image; workingDir, resource*), read at a82d78a0.
// Layout compared with configuration-as-code-plugin demos/kubernetes/README.md and kubernetes-plugin
// src/test/resources/org/csanchez/jenkins/plugins/kubernetes/casc/configuration-as-code.yaml.

/** Pod names are `<template name>-<5 random chars>` and must fit a 63-character DNS label. */
const podTemplateNameLength = 57;

/** The `kubernetes:` entry of `jenkins.clouds` for one cloud and its images, in the plugin's field names. */
export function renderKubernetesCloud(
  cloud: KubernetesCloudConfig,
  images: readonly PublishedImage[],
  defaults: TemplateDefaults,
  repo: string,
): Record<string, unknown> {
  return {
    kubernetes: compactObject({
      name: cloud.name,
      serverUrl: cloud.serverUrl,
      namespace: cloud.namespace,
      credentialsId: cloud.credentialsId,
      jenkinsUrl: cloud.jenkinsUrl,
      jenkinsTunnel: cloud.jenkinsTunnel,
      // Only written when on: older plugin versions lack the field, and off is the default anyway.
      webSocket: cloud.webSocket ? true : undefined,
      containerCapStr: cloud.containerCap === undefined ? undefined : String(cloud.containerCap),
      templates: images.map((image) => podTemplate(cloud, image, defaults, repo)),
    }),
  };
}

function podTemplate(cloud: KubernetesCloudConfig, image: PublishedImage, defaults: TemplateDefaults, repo: string): Record<string, unknown> {
  const settings = templateSettings(defaults, image);
  return compactObject({
    id: podTemplateId(repo, cloud.name, image.name),
    name: templateName(image.name, podTemplateNameLength),
    label: image.label,
    instanceCap: settings.instanceCap,
    idleMinutes: settings.idleMinutes,
    serviceAccount: cloud.serviceAccount,
    imagePullSecrets: cloud.imagePullSecrets.length > 0 ? cloud.imagePullSecrets.map((name) => ({ name })) : undefined,
    // Replacing the container named `jnlp` swaps the plugin's default agent for our image, which is
    // built on jenkins/inbound-agent; the plugin still injects the connection env vars into it.
    containers: [
      compactObject({
        name: 'jnlp',
        image: image.imageRef,
        workingDir: settings.remoteFs,
        resourceRequestCpu: settings.cpu === undefined ? undefined : millicores(settings.cpu),
        resourceRequestMemory: settings.memoryReservation === undefined ? undefined : `${settings.memoryReservation}Mi`,
        resourceLimitMemory: settings.memory === undefined ? undefined : `${settings.memory}Mi`,
      }),
    ],
  });
}

/** CPU units (1024 per vCPU, as ECS counts) to a Kubernetes quantity in millicores. */
function millicores(cpuUnits: number): string {
  return `${Math.round((cpuUnits * 1000) / 1024)}m`;
}
