import type { Context } from 'probot';

/** The authenticated GitHub client Probot hands each event. */
export type GitHubClient = Context['octokit'];

/** Which repository a call is about. */
export interface RepoCoordinates {
  owner: string;
  repo: string;
}

/** True for the 404 Octokit raises when a file, ref or comment does not exist. */
export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}
