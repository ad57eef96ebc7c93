/** The job kind that registers a repository's published images in Jenkins. */
export const registerJobKind = 'register';

/** The key of the job that publishes a commit of the default branch (as the push handler records it). */
export function publishJobKey(repo: string, commit: string): string {
  return `publish:${repo}:${commit}`;
}

/** The key of the job that registers in Jenkins what a commit of the default branch published. */
export function registerJobKey(repo: string, commit: string): string {
  return `register:${repo}:${commit}`;
}
