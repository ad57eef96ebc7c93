import type { GitHubClient, RepoCoordinates } from '../adapters/github/github-client.ts';
import { readRepoFile } from '../adapters/github/read-repo-file.ts';
import type { OperatorSettings } from '../config/operator-schema.ts';
import { parseConfig } from '../config/parse-config.ts';
import { resolveGrants } from '../config/resolve-grants.ts';
import { configPath } from '../config/schema.ts';
import type { ChangedPath } from '../domain/check/changed-images.ts';
import type { Finding } from '../domain/findings.ts';
import { ConfigError } from '../errors.ts';
import { hadolintConfigFiles, lintDockerfiles } from './lint-dockerfiles.ts';

/** The settings files a pull request may change that take effect only once they are on the default branch. */
export const settingsFiles: readonly string[] = [configPath, ...hadolintConfigFiles, '.trivyignore'];

/** What the check of proposed settings found, and in which changed files. */
export interface ProposedSettings {
  files: string[];
  findings: Finding[];
}

/**
 * Reads the settings files a pull request changes from its head, as they would be after merge, and
 * reports what would be wrong with them then: a config that does not parse or that the operator's grants
 * refuse, a hadolint config hadolint cannot read, a `.trivyignore` waiver whose date Trivy would not read.
 * Nothing here judges the pull request itself; the default branch's settings do that.
 */
export async function checkProposedSettings(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  headSha: string,
  changes: readonly ChangedPath[],
  operator: OperatorSettings | undefined,
  today = new Date(),
): Promise<ProposedSettings> {
  const changed = changes.filter((change) => settingsFiles.includes(change.path));
  const findings: Finding[] = [];
  for (const change of changed) {
    if (change.status === 'removed') {
      if (change.path === configPath) {
        findings.push(finding(configPath, 1, 'warning', 'DY021', 'This pull request removes the config: after merge Dockyard checks and publishes nothing in this repository.'));
      }
      continue;
    }
    const bytes = await readRepoFile(octokit, repo, change.path, headSha);
    if (!bytes) continue;
    const text = Buffer.from(bytes).toString('utf8');
    if (change.path === configPath) findings.push(...configFindings(text, operator, `${repo.owner}/${repo.repo}`));
    else if (change.path === '.trivyignore') findings.push(...trivyIgnoreFindings(text, today));
    else findings.push(...(await hadolintConfigFindings(change.path, bytes)));
  }
  return { files: changed.map((change) => change.path), findings };
}

function configFindings(text: string, operator: OperatorSettings | undefined, fullName: string): Finding[] {
  try {
    const config = parseConfig(text, configPath);
    if (operator) resolveGrants(config, text, configPath, operator, fullName);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((issue) =>
      finding(configPath, issue.line, 'error', 'DY021', `After merge this config would be refused${issue.field ? ` at \`${issue.field}\`` : ''}: ${issue.message}`),
    );
  }
}

/** hadolint ignores a config it cannot parse and lints with its defaults; running it once shows whether it can. */
async function hadolintConfigFindings(file: string, bytes: Uint8Array): Promise<Finding[]> {
  const probe = await lintDockerfiles({
    files: new Map([['Dockerfile', Buffer.from('FROM scratch\n')]]),
    hadolintConfig: { path: file, bytes },
    allowInlineIgnores: true,
  });
  if (probe.status !== 'ok') return [];
  return probe.findings
    .filter((found) => found.rule === 'hadolint-config')
    .map((found) => ({ ...found, file, message: `After merge no Dockerfile would be linted with these settings: ${found.message}` }));
}

/**
 * Trivy reads a `.trivyignore` line as an id and, optionally, `exp:YYYY-MM-DD`; it skips (with only a
 * log line) an entry whose date does not parse, so that waiver would silently not apply.
 */
function trivyIgnoreFindings(text: string, today: Date): Finding[] {
  const findings: Finding[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const expiry = line.split(/\s+/).find((field) => field.startsWith('exp:'));
    if (expiry === undefined) return;
    const date = expiry.slice('exp:'.length);
    const parsed = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T00:00:00Z`) : undefined;
    if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) {
      findings.push(finding('.trivyignore', index + 1, 'error', 'DY022', `Trivy cannot read the date \`${date}\` (it takes \`exp:YYYY-MM-DD\`), so after merge it would skip this waiver entirely.`));
    } else if (parsed.getTime() < today.getTime()) {
      findings.push(finding('.trivyignore', index + 1, 'notice', 'DY022', `This waiver ended on ${date}: it no longer waives anything.`));
    }
  });
  return findings;
}

function finding(file: string, line: number, severity: Finding['severity'], rule: string, message: string): Finding {
  return { file, line, severity, source: 'config', rule, message };
}
