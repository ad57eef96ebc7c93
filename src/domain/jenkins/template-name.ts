import { createHash } from 'node:crypto';

/**
 * Derives a template name from an image name that every plugin accepts: lower-case letters, digits and
 * single hyphens, starting and ending with a letter or digit, at most `maxLength` long. Kubernetes needs
 * a DNS label (the pod name is `<template name>-<random>`), ECS a task-definition family of letters,
 * digits, `_` and `-` (amazon-ecs-plugin ECSService.fullQualifiedTemplateName: `<cloud>-<template>`).
 * When the name had to change, a hash of the original is appended so two images never share a name.
 */
export function templateName(imageName: string, maxLength: number): string {
  const cleaned = imageName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (cleaned === imageName && cleaned.length <= maxLength) return cleaned;
  const suffix = `-${createHash('sha256').update(imageName).digest('hex').slice(0, 8)}`;
  const stem = (cleaned || 'image').slice(0, maxLength - suffix.length).replace(/-+$/, '');
  return `${stem}${suffix}`;
}
