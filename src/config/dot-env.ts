import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';

/**
 * The environment as Probot's `run()` will make it: the variables of `.env` in the working directory
 * over the process's own (lib/helpers/apply-env.js assigns them onto `process.env`). For what the start
 * reads before `run()` has loaded it.
 */
export function withDotEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, ...dotEnv() };
}

function dotEnv(): NodeJS.ProcessEnv {
  try {
    return parseEnv(readFileSync(path.join(process.cwd(), '.env'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}
