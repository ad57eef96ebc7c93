/** What Dockyard needs to know about one finished tool process (hadolint, Trivy). */
export interface ToolProcess {
  stdout: string;
  stderr: string;
  failed: boolean;
  timedOut: boolean;
  code: string | undefined;
  signal: string | undefined;
  exitCode: number | undefined;
  shortMessage: string | undefined;
}

/** An execa result, as far as the adapters read it (execa leaves some fields out when unset). */
type ExecaOutcome = { [Key in keyof ToolProcess]?: ToolProcess[Key] } & Pick<ToolProcess, 'failed' | 'timedOut'> & {
  stdout?: unknown;
  stderr?: unknown;
};

/** Keeps the parts of an execa result that the adapters judge a run by. */
export function toolProcess(result: ExecaOutcome): ToolProcess {
  return {
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
    failed: result.failed,
    timedOut: result.timedOut,
    code: result.code,
    signal: result.signal,
    exitCode: result.exitCode,
    shortMessage: result.shortMessage,
  };
}
