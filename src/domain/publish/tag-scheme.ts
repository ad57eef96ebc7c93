/** The moving tag children build from; excluded from tag immutability in ECR. */
export const movingTag = 'latest';

/**
 * The immutable tags an image is published under for a commit on the default branch:
 * `<YYYYMMDD>-<sha7>` for people (sortable, says when and what) and `sha-<40 hex>` for machines.
 */
export function publishTags(commitSha: string, committedAt: Date): string[] {
  const day = committedAt.toISOString().slice(0, 10).replaceAll('-', '');
  return [`${day}-${commitSha.slice(0, 7)}`, `sha-${commitSha}`];
}
