import { movingTag, type LifecycleSettings } from './repository-settings.ts';

interface LifecycleRule {
  rulePriority: number;
  description: string;
  selection:
    | { tagStatus: 'tagged'; tagPatternList: string[]; countType: 'imageCountMoreThan'; countNumber: number }
    | { tagStatus: 'untagged'; countType: 'sinceImagePushed'; countUnit: 'days'; countNumber: number };
  action: { type: 'expire' };
}

/** The lifecycle policy document for a repository, as ECR's PutLifecyclePolicy takes it. */
export function buildLifecyclePolicy(settings: LifecycleSettings): { rules: LifecycleRule[] } {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Never expire ${movingTag}: children build FROM it`,
        // Only one image can carry the tag, so this rule expires nothing; it exists because an image that
        // matches a higher-priority rule can never be expired by a lower-priority one.
        selection: { tagStatus: 'tagged', tagPatternList: [movingTag], countType: 'imageCountMoreThan', countNumber: 1 },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: `Expire untagged images ${settings.untaggedExpireDays} days after push`,
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: settings.untaggedExpireDays },
        action: { type: 'expire' },
      },
      {
        rulePriority: 3,
        description: `Keep the last ${settings.keepTagged} images tagged ${settings.commitTagPattern}`,
        selection: {
          tagStatus: 'tagged',
          tagPatternList: [settings.commitTagPattern],
          countType: 'imageCountMoreThan',
          countNumber: settings.keepTagged,
        },
        action: { type: 'expire' },
      },
    ],
  };
}
