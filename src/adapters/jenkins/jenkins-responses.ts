import { parse } from 'yaml';
import { z } from 'zod';

// How Jenkins answers, per configuration-as-code-plugin version (repository jenkinsci/configuration-as-code-plugin,
// read at 58646eb6; the version named is the first release holding the change):
// - ConfigurationAsCode.java doCheck: 200 with `[{line, warning}]` for warnings, an exception for an invalid
//   document (Jenkins' 500 error page); since 1947.v7d33fe23569c (7d33fe23) 200 `[{line, message}]` for
//   warnings and 400 `[{line: -1, message}]`, one entry, for the first problem.
// - doReload: 302 to the JCasC page on success; since 1738.v2d8b_a_b_8a_54b_1 (2d8bab8a) a ConfiguratorException
//   renders ConfigurationAsCode/error.jelly with status 200, before that it escaped as a 500. snakeyaml's
//   YAMLException is no ConfiguratorException (yaml/YamlUtils.read), so a YAML syntax error is a 500 always.
// - TokenReloadAction.java: 404 without a token, 401 for a wrong one, 200 on success; a failure escaped as
//   a 500 until 2099.ve3a_6e23f4960 (e3a6e23f), which answers HttpResponses.errorJSON, status 200:
//   `{"status":"error","message":"Failed to reload configuration: …"}`.
// - Since 2036.v0b_c2de701dcb_ (0bc2de70) ConfiguratorException.getMessage ends in "\n  at <source>:<line>
//   (path: <attribute>)", where <source> is the file or URL the YAML came from.

/** Body of POST /configuration-as-code/check: one entry per warning (200) or the first problem (400). */
export const checkResponseSchema = z.array(
  z.object({
    line: z.number().int(),
    message: z.string().optional(),
    warning: z.string().optional(),
    error: z.string().optional(),
  }),
);

/** Body of a failed token reload since 2099.ve3a_6e23f4960. */
export const reloadErrorSchema = z.object({ status: z.literal('error'), message: z.string() });

/** The part of POST /configuration-as-code/export Dockyard reads: each cloud's symbol and name. */
const exportSchema = z
  .object({
    jenkins: z
      .object({ clouds: z.array(z.record(z.string(), z.unknown())).nullish() })
      .nullish(),
  })
  .nullish();

/** A message from Jenkins and the line of the YAML it is about, when Jenkins says. */
export interface JenkinsProblem {
  message: string;
  line?: number;
}

/** Parses JSON, or gives undefined for anything else (such as an HTML error page). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The line a JCasC message names ("at <source>:<line>" since 2036.v0b_c2de701dcb_, or "line <n>"). */
export function lineOf(message: string): number | undefined {
  const match = /\bat (?:.*:|line )(\d+)(?: \(path: [^)]*\))?\s*$/m.exec(message) ?? /\bline (\d+)\b/.exec(message);
  const line = match?.[1] === undefined ? undefined : Number(match[1]);
  return line !== undefined && line > 0 ? line : undefined;
}

/** A problem with its line taken from the message when the answer gave none (-1). */
export function problemOf(message: string, line = -1): JenkinsProblem {
  const found = line > 0 ? line : lineOf(message);
  return found === undefined ? { message } : { message, line: found };
}

/**
 * Reads an HTML answer: JCasC's error.jelly page (title "Error loading configuration", then
 * `<p>{errorMessage}<pre><code>{configurator}</code></pre></p>`, "Attribute was:" and the valid attributes
 * as `<li>`), or Jenkins' generic error page, which carries no reason (the controller's log has it).
 */
export function readErrorPage(html: string, status: number): JenkinsProblem {
  const body = html.includes('Error loading configuration') ? html.slice(html.lastIndexOf('Error loading configuration')) : '';
  const main = /<p>([\s\S]*?)<pre><code>([\s\S]*?)<\/code><\/pre>/.exec(body);
  if (main) {
    const message = text(main[1] ?? '');
    const target = text(main[2] ?? '');
    const attribute = /Attribute was:\s*<pre><code>([\s\S]*?)<\/code><\/pre>/.exec(body)?.[1];
    const valid = [...body.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((match) => text(match[1] ?? ''));
    const parts = [target === '' ? message : `${target}: ${message}`];
    if (attribute !== undefined) parts.push(`attribute: ${text(attribute)}`);
    if (valid.length > 0) parts.push(`valid attributes: ${valid.join(', ')}`);
    return problemOf(parts.join('; '));
  }
  const heading = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? /<title>([\s\S]*?)<\/title>/.exec(html)?.[1] ?? '';
  const said = text(heading);
  return { message: `Jenkins answered ${status} with its error page${said === '' ? '' : ` ("${said}")`}, which gives no reason; the controller's log has it` };
}

/** The clouds of an export, as `{kind, name}`; undefined when the answer is not a JCasC export. */
export function exportedClouds(yaml: string): { kind: string; name: string }[] | undefined {
  let value: unknown;
  try {
    value = parse(yaml);
  } catch {
    return undefined;
  }
  const parsed = exportSchema.safeParse(value);
  if (!parsed.success) return undefined;
  return (parsed.data?.jenkins?.clouds ?? []).map((entry) => {
    const [kind, attributes] = Object.entries(entry)[0] ?? ['', undefined];
    const name = typeof attributes === 'object' && attributes !== null ? (attributes as Record<string, unknown>)['name'] : undefined;
    // Export escapes `${` as `^${` (SecretSourceResolver.encode); the name Jenkins holds is the unescaped one.
    return { kind, name: typeof name === 'string' ? name.replaceAll('^${', '${') : String(name ?? '') };
  });
}

function text(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (_, entity: string) => {
      const lower = entity.toLowerCase();
      if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
      if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
      return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[lower] ?? '';
    })
    .replace(/[ \t]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
}
