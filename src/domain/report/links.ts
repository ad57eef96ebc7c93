let docsUrl: string | undefined;

/**
 * Where the operator publishes Dockyard's `docs/` folder (e.g. a fork's `…/blob/main/docs`, or any web
 * server holding it), from `DOCKYARD_DOCS_URL`: every finding, annotation and SARIF rule of Dockyard's
 * own links to `<url>/rules/<rule>.md`. Set once where the process starts; unset, Dockyard's rules are
 * named without a link (hadolint's and ShellCheck's still link to their own pages).
 */
export function setDocsUrl(url: string | undefined): void {
  const trimmed = url?.trim().replace(/\/+$/, '');
  if (trimmed !== undefined && trimmed !== '' && !webAddress.test(trimmed)) {
    throw new Error(`DOCKYARD_DOCS_URL must be a plain https address such as https://dockyard.example.com/docs, not \`${trimmed}\``);
  }
  docsUrl = trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** The configured docs address, if any. */
export function dockyardDocsUrl(): string | undefined {
  return docsUrl;
}

/** Dockyard's own rules, each with its page under docs/rules/, by id: what the rule is about, in a few words. */
export const dockyardRules: Readonly<Record<string, string>> = {
  DY001: 'Parent not approved',
  DY002: 'Upstream parent not pinned by digest',
  DY003: 'Catalog image does not exist',
  DY004: 'Inheritance cycle',
  DY005: 'ADD source not allowed',
  DY006: 'Build-stage image not approved',
  DY007: 'Frontend not approved',
  DY008: 'Jenkins label already offered',
  DY009: 'Inline hadolint ignore',
  DY010: 'Dockerfile cannot be read',
  DY011: 'No FROM',
  DY012: 'Unknown instruction',
  DY013: 'Instruction before FROM',
  DY014: 'ARG in FROM undeclared or empty',
  DY015: 'Invalid image reference',
  DY016: 'Bad image folder name',
  DY017: 'Folder without a Dockerfile',
  DY018: 'Symlinked Dockerfile or folder',
  DY019: 'Invalid image.yml',
  DY020: 'BuildKit refuses the line',
  DY021: 'Config would be refused after merge',
  DY022: '.trivyignore waiver Trivy would not apply',
  DY030: 'Jenkins template sizes not valid on Fargate',
};

const ruleLinks: readonly [RegExp, (rule: string) => string | undefined][] = [
  [/^DY\d{3}$/, (rule) => (docsUrl === undefined ? undefined : `${docsUrl}/rules/${rule}.md`)],
  [/^DL\d{4}$/, (rule) => `https://github.com/hadolint/hadolint/wiki/${rule}`],
  // hadolint runs ShellCheck on RUN lines; those rules are documented by ShellCheck, not hadolint.
  [/^SC\d{4}$/, (rule) => `https://www.shellcheck.net/wiki/${rule}`],
];

/** The page that explains a rule, for Dockyard's, hadolint's and ShellCheck's rule ids; undefined for others. */
export function ruleUrl(rule: string): string | undefined {
  return ruleLinks.find(([pattern]) => pattern.test(rule))?.[1](rule);
}

/** A repository's web address Dockyard may link into: plain https, nothing a Markdown link target would end at. */
const webAddress = /^https:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[A-Za-z0-9._~-]+)*$/;

/**
 * The address of a file (at a line) in a repository at a commit, for `file:line` links. Undefined when
 * the repository address or commit is not one to link to. Every path segment is percent-encoded (a `.`
 * or `..` segment too), so a file name can neither leave the commit's tree nor end the Markdown link.
 */
export function blobUrl(repoUrl: string | undefined, sha: string, file: string, line?: number): string | undefined {
  if (repoUrl === undefined || !webAddress.test(repoUrl) || !/^[0-9a-f]{7,64}$/.test(sha)) return undefined;
  const path = file
    .split('/')
    .map((segment) => {
      const encoded = encodeURIComponent(segment).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
      return /^\.+$/.test(segment) ? encoded.replaceAll('.', '%2E') : encoded;
    })
    .join('/');
  return `${repoUrl}/blob/${sha}/${path}${line === undefined ? '' : `#L${line}`}`;
}
