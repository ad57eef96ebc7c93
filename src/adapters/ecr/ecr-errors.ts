import { UserError } from '../../errors.ts';

/** ECR refused a request in a way retrying will not fix (access denied, invalid input, a quota): an operator must act. */
export class EcrRejectedError extends UserError {
  override name = 'EcrRejectedError';
  /** The ECR API operation, e.g. `CreateRepository`; the IAM action is `ecr:<operation>`. */
  readonly operation: string;
  /** ECR's error code, e.g. `AccessDeniedException`. */
  readonly code: string;

  constructor(operation: string, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.operation = operation;
    this.code = code;
  }
}

/** An ECR repository that is not this catalog's to write: another catalog's, or one Dockyard did not create. */
export class EcrNotOwnedError extends UserError {
  override name = 'EcrNotOwnedError';
  readonly repositoryName: string;

  constructor(repositoryName: string, message: string) {
    super(message);
    this.repositoryName = repositoryName;
  }
}
