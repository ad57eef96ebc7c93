import { OutsideError, UserError } from '../../errors.ts';

/** Which of Dockyard's Jenkins credentials an error is about. */
export type JenkinsCredential = 'reload-token' | 'api-token';

/** Jenkins refused a credential or cannot accept it: an operator must fix it, retrying will not help. */
export class JenkinsAuthError extends UserError {
  override name = 'JenkinsAuthError';
  readonly credential: JenkinsCredential;
  readonly status: number | undefined;

  constructor(credential: JenkinsCredential, message: string, status?: number) {
    super(message);
    this.credential = credential;
    this.status = status;
  }
}

/** Jenkins answered but would not apply the configuration, or answered outside its contract: not retryable. */
export class JenkinsRejectedError extends UserError {
  override name = 'JenkinsRejectedError';
  readonly status: number;
  /** Line of the YAML the problem is at, when Jenkins said. */
  readonly line: number | undefined;

  constructor(message: string, status: number, line?: number) {
    super(message);
    this.status = status;
    this.line = line;
  }
}

/** Jenkins could not be reached or is not ready (refused, timed out, 5xx): retry later. */
export class JenkinsUnavailableError extends OutsideError {
  override name = 'JenkinsUnavailableError';
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super('jenkins', message);
    this.status = status;
  }
}
