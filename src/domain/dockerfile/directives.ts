import type { DockerfileFrontend } from './frontend.ts';
import { ownString } from './own-string.ts';
import { directiveModern } from './split-instructions.ts';

/** `# syntax=` and `# check=` as the frontend detects them (the escape comes from the parser). */
export function readDirectives(
  text: string,
  frontend: DockerfileFrontend,
): { syntax?: { image: string; line: number }; check?: string } {
  return frontend === 'buildkit-0.8' ? directivesV08(text) : directivesModern(text);
}

// dockerfile2llb/directives.go reDirective (v0.8.3); RE2 `\s` is [\t\n\f\r ].
const v08Pattern = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;

/** dockerfile2llb DetectSyntax (v0.8.3): every leading directive line, the last `syntax` wins. */
function directivesV08(text: string): { syntax?: { image: string; line: number } } {
  let syntax: { image: string; line: number } | undefined;
  let start = 0;
  for (let index = 0; start < text.length; index++) {
    const end = text.indexOf('\n', start);
    let line = end === -1 ? text.slice(start) : text.slice(start, end);
    start = end === -1 ? text.length : end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const match = v08Pattern.exec(line);
    if (!match) break;
    if (match[1]?.toLowerCase() === 'syntax') syntax = { image: ownString((match[2] ?? '').split(' ')[0] ?? ''), line: index + 1 };
  }
  return syntax ? { syntax } : {};
}

/** parser/directives.go DetectSyntax and ParseDirective("check") (v0.34.2). */
function directivesModern(text: string): { syntax?: { image: string; line: number }; check?: string } {
  let body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let offset = 0;
  const firstEnd = body.indexOf('\n');
  if (body.startsWith('#!')) {
    body = firstEnd === -1 ? '' : body.slice(firstEnd + 1);
    offset = 1;
  }
  const result: { syntax?: { image: string; line: number }; check?: string } = {};
  const hash = scan(body, '#', offset);
  const syntax = hash.get('syntax') ?? scan(body, '//', offset).get('syntax') ?? jsonSyntax(body, offset);
  if (syntax) result.syntax = { image: ownString(syntax.value.split(' ')[0] ?? ''), line: syntax.line };
  const check = hash.get('check');
  if (check) result.check = ownString(check.value.split(' ')[0] ?? '');
  return result;
}

function scan(body: string, comment: string, offset: number): Map<string, { value: string; line: number }> {
  const found = new Map<string, { value: string; line: number }>();
  // Directives end at the first line that is not one: walk lines lazily instead of splitting the file.
  let start = 0;
  for (let index = 0; start < body.length; index++) {
    const end = body.indexOf('\n', start);
    let line = end === -1 ? body.slice(start) : body.slice(start, end);
    start = end === -1 ? body.length : end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const directive = directiveModern(line, comment);
    if (!directive) break;
    const key = directive.name.toLowerCase();
    if (key !== 'syntax' && key !== 'escape' && key !== 'check') break;
    if (found.has(key)) break;
    found.set(key, { value: directive.value, line: index + 1 + offset });
  }
  return found;
}

function jsonSyntax(body: string, offset: number): { value: string; line: number } | undefined {
  if (!body.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const value = (parsed as Record<string, unknown>)['syntax'];
      if (typeof value === 'string') return { value, line: offset };
    }
  } catch {
    return undefined;
  }
  return undefined;
}
