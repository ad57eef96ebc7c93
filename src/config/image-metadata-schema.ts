import { z } from 'zod';
import { jenkinsLabelSchema, templateOverridesSchema } from './jenkins-schema.ts';

/** `images/<name>/image.yml`: optional facts about one image, shown in reports and used for Jenkins. */
export const imageMetadataSchema = z.strictObject({
  /** One line saying what the image is for. */
  description: z.string().max(300).optional(),
  /** Jenkins label(s) the agent is offered under, space-separated; defaults to the image name. */
  label: jenkinsLabelSchema.optional(),
  /** Overrides of the Jenkins template defaults (`jenkins.defaults` in .github/dockyard.yml) for this image. */
  jenkins: templateOverridesSchema.optional(),
  /** GitHub users or teams (`@org/team`) who own the image. */
  owners: z.array(z.string().regex(/^@?[A-Za-z0-9-]+(\/[A-Za-z0-9._-]+)?$/, 'must be a GitHub user or @org/team')).default([]),
});

export type ImageMetadata = z.infer<typeof imageMetadataSchema>;

/** The metadata file's name inside an image folder. */
export const imageMetadataFile = 'image.yml';
