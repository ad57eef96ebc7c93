import type { Finding } from '../../domain/findings.ts';
import { repoRelativePath } from './repo-relative-path.ts';

const marker = 'Error parsing your config file';

/**
 * Recognises hadolint's complaint about an unreadable config file. hadolint then lints with its
 * defaults and exits 0, so without this a broken `.hadolint.yaml` would silently re-enable every
 * rule the team ignored.
 */
export function hadolintConfigError(stderr: string, cwd: string, configFile: string | undefined): Finding | undefined {
  if (!stderr.includes(marker)) return undefined;
  const text = unquote(stderr.trim());
  // Without --config hadolint found the file itself and names it by its absolute path.
  const file = configFile ?? /in\s+'([^']+)'/.exec(text)?.[1] ?? '.hadolint.yaml';
  // The last line holds the YAML parser's verdict; the lines before it are a generic usage example.
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const detail = lines.at(-1) ?? text;
  return {
    file: repoRelativePath(cwd, file),
    line: 1,
    severity: 'error',
    source: 'hadolint',
    rule: 'hadolint-config',
    message:
      `hadolint cannot read this config file (${detail}), so no Dockerfile was linted. ` +
      'It expects keys such as ignored, override and trustedRegistries ' +
      '(https://github.com/hadolint/hadolint#configure).',
  };
}

// hadolint prints the message as a quoted Haskell string; its escapes for this text match JSON's.
function unquote(text: string): string {
  if (!text.startsWith('"')) return text;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : text;
  } catch {
    return text;
  }
}
