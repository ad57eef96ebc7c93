import type { TemplateDefaults } from '../../config/jenkins-schema.ts';
import type { PublishedImage } from './published-image.ts';

/** Template settings after the image's overrides are laid over the configured defaults. */
export type TemplateSettings = TemplateDefaults;

/** Lays an image's overrides over the defaults; a field the image leaves out keeps its default. */
export function templateSettings(defaults: TemplateDefaults, image: PublishedImage): TemplateSettings {
  const given: Partial<TemplateSettings> = Object.fromEntries(
    Object.entries(image.overrides ?? {}).filter(([, value]) => value !== undefined),
  );
  const settings = { ...defaults, ...given };
  // An image that lowers the hard limit below the default reservation would be refused by ECS.
  if (settings.memory !== undefined && settings.memoryReservation !== undefined && settings.memoryReservation > settings.memory) {
    settings.memoryReservation = settings.memory;
  }
  return settings;
}
