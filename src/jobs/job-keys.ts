/** The job kind that publishes a commit of the default branch. */
export const publishJobKind = 'publish';

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

/** The key of the job that rolls an image back, one per comment asking for it. */
export function rollbackJobKey(repo: string, image: string, commentId: number): string {
  return `rollback:${repo}:${image}:${commentId}`;
}

/** The key of the Jenkins registration that follows a rollback: its own, since the commit's registration may have run already. */
export function rollbackRegisterJobKey(repo: string, commit: string, rollbackKey: string): string {
  return `${registerJobKey(repo, commit)}:${rollbackKey}`;
}
