/** A problem in what a user gave Dockyard (config, Dockerfile, command line): they must fix it. */
export class UserError extends Error {
  override name = 'UserError';
}

/** One problem in a config file, located so it can be annotated. */
export interface ConfigIssue {
  /** Dotted path of the field, e.g. `parents.approved.0.pattern`; empty for the whole file. */
  field: string;
  line: number;
  message: string;
}

/** A config file that cannot be used, with every problem found in it. */
export class ConfigError extends UserError {
  override name = 'ConfigError';
  readonly file: string;
  readonly issues: ConfigIssue[];

  constructor(file: string, issues: ConfigIssue[]) {
    super(
      `Invalid config in ${file}: ` +
        issues.map((issue) => `${issue.field || '(file)'} (line ${issue.line}): ${issue.message}`).join('; '),
    );
    this.file = file;
    this.issues = issues;
  }
}

/** An outside system (GitHub, Docker, ECR, Jenkins) failed in a way that may pass: retry later. */
export class OutsideError extends Error {
  override name = 'OutsideError';
  readonly system: string;

  constructor(system: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.system = system;
  }
}
