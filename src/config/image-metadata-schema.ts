import { z } from 'zod';

/** `images/<name>/image.yml`: optional facts about one image, shown in reports and used for Jenkins. */
export const imageMetadataSchema = z.strictObject({
  /** One line saying what the image is for. */
  description: z.string().max(300).optional(),
  /** Jenkins label the agent is offered under; defaults to the image name. */
  label: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be one Jenkins label word (letters, digits, _ . -)')
    .optional(),
  /** GitHub users or teams (`@org/team`) who own the image. */
  owners: z.array(z.string().regex(/^@?[A-Za-z0-9-]+(\/[A-Za-z0-9._-]+)?$/, 'must be a GitHub user or @org/team')).default([]),
});

export type ImageMetadata = z.infer<typeof imageMetadataSchema>;

/** The metadata file's name inside an image folder. */
export const imageMetadataFile = 'image.yml';
