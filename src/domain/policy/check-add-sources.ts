import { isIP } from 'node:net';
import type { DockerfileFrontend } from '../dockerfile/frontend.ts';
import { parseWords, type AddLine, type DockerfileModel } from '../dockerfile/read-dockerfile.ts';
import { processWord } from '../dockerfile/shell-lexer.ts';

// `ADD <url>` is fetched by BuildKit itself, in the engine's own network namespace (the engine host's),
// not in a build container: no firewall of the build network applies to it. moby/buildkit v0.8.3
// frontend/dockerfile/dockerfile2llb/convert.go dispatchCopy turns an `http://` / `https://` source
// into `llb.HTTP`, solved by source/http/httpsource.go on the host; v0.34.2
// dockerfile2llb/convert_copy.go also turns git URLs (`git://`, `ssh://`, `https://….git`,
// `user@host:path`, util/gitutil/git_url.go ParseURL) into `llb.Git`, cloned on the host as well.
// So the host an ADD reaches is judged here, before anything is built.

/** What one ADD source word reaches. */
export type AddSource =
  /** A file of the build context (or a heredoc). */
  | { kind: 'local' }
  /** A URL or git remote on `host` (lower-case, without port or brackets). */
  | { kind: 'remote'; host: string; text: string }
  /** A URL or git remote whose host Dockyard cannot read with certainty. */
  | { kind: 'unreadable'; text: string }
  /** A word that uses variables where a URL could begin, so its host is not known before the build. */
  | { kind: 'variable'; text: string };

// util/gitutil/git_url.go protoRegexp (any scheme: v0.34.2 refuses unknown ones, and Dockyard
// judges every `scheme://` word as remote rather than guess which a frontend fetches).
const schemePattern = /^[a-zA-Z0-9][a-zA-Z0-9+.-]*:\/\//;
// util/sshutil/scpurl.go gitSSHRegex: `user@host:path`.
const scpPattern = /^([a-zA-Z0-9_-]+)@([a-zA-Z0-9.-]+):/;
const hostName = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** Classifies one ADD source word after expansion. */
export function classifyAddSource(text: string): AddSource {
  if (schemePattern.test(text)) {
    const host = urlHost(text);
    return host === undefined ? { kind: 'unreadable', text } : { kind: 'remote', host, text };
  }
  const scp = scpPattern.exec(text);
  if (scp) {
    const host = (scp[2] ?? '').toLowerCase();
    return hostName.test(host) ? { kind: 'remote', host, text } : { kind: 'unreadable', text };
  }
  return { kind: 'local' };
}

/**
 * The host of a `scheme://` URL as Go's net/url reads its authority: the fragment and query cut off
 * first, then everything up to the first `/`, userinfo up to the last `@`, and the port. Undefined
 * when the host holds anything but a plain DNS name or IP literal (percent-escapes, `\`, empty…),
 * which resolvers and URL parsers read in different ways.
 */
function urlHost(url: string): string | undefined {
  const rest = url.slice(url.indexOf('://') + 3).split('#')[0]?.split('?')[0] ?? '';
  const authority = rest.split('/')[0] ?? '';
  const at = authority.lastIndexOf('@');
  // net/url validUserinfo: WHATWG URL parsers read a backslash and the like as the end of the authority.
  if (at !== -1 && !/^[A-Za-z0-9\-._~!$&'()*+,;=%:@]*$/.test(authority.slice(0, at))) return undefined;
  const hostPort = authority.slice(at + 1);
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::\d*)?$/.exec(hostPort);
  if (bracketed) return isIP(bracketed[1] ?? '') === 6 ? (bracketed[1] ?? '').toLowerCase() : undefined;
  const host = hostPort.replace(/:\d*$/, '').toLowerCase();
  return hostName.test(host) ? host : undefined;
}

const privateV4: readonly [string, number, string][] = [
  ['0.0.0.0', 8, 'a reserved address'],
  ['10.0.0.0', 8, 'a private address'],
  ['100.64.0.0', 10, 'a private (shared) address'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address (cloud metadata services live there)'],
  ['172.16.0.0', 12, 'a private address'],
  ['192.0.0.0', 24, 'a reserved address'],
  ['192.168.0.0', 16, 'a private address'],
  ['198.18.0.0', 15, 'a reserved address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved address'],
];

/**
 * Why a host may never be fetched from, whatever the operator approved: a loopback, link-local,
 * private or otherwise local address, `localhost`, or a number a resolver reads as an IPv4 address
 * (`2130706433`, `0x7f.1`, `127.1`). Undefined for an ordinary name or public address.
 */
export function forbiddenHost(host: string): string | undefined {
  const lower = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (lower === 'localhost' || lower.endsWith('.localhost')) return 'a loopback name';
  if (isIP(lower) === 4) {
    const value = ipv4Value(lower);
    const hit = privateV4.find(([base, bits]) => value >>> (32 - bits) === ipv4Value(base) >>> (32 - bits));
    return hit?.[2];
  }
  if (isIP(lower) === 6) return forbiddenV6(lower);
  // inet_aton reads a lone number, hex and octal parts, and fewer than four parts as an address.
  if (/^[0-9.]+$/.test(lower) || /(^|\.)0x[0-9a-f]*(\.|$)/.test(lower)) return 'an address in a form resolvers read differently';
  return undefined;
}

function ipv4Value(address: string): number {
  return address.split('.').reduce((value, part) => value * 256 + Number(part), 0);
}

function forbiddenV6(address: string): string | undefined {
  const groups = expandV6(address);
  const first = groups[0] ?? 0;
  if (groups.every((group) => group === 0)) return 'a reserved address';
  if (groups.slice(0, 7).every((group) => group === 0) && groups[7] === 1) return 'a loopback address';
  // ::ffff:a.b.c.d (IPv4-mapped) and 64:ff9b::/96 (NAT64) reach IPv4 addresses.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) return 'an IPv4-mapped address';
  if (first === 0x64 && groups[1] === 0xff9b) return 'a NAT64 address';
  if ((first & 0xfe00) === 0xfc00) return 'a private (unique local) address';
  if ((first & 0xffc0) === 0xfe80 || (first & 0xffc0) === 0xfec0) return 'a link-local address';
  if ((first & 0xff00) === 0xff00) return 'a multicast address';
  return undefined;
}

function expandV6(address: string): number[] {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const value = ipv4Value(v4[1] ?? '');
    text = `${text.slice(0, v4.index)}${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const middle = tail === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...middle, ...right].map((group) => Number.parseInt(group, 16));
}

/** An operator's `addHosts` entry, compiled: `host[:port]` or `*.domain[:port]` (the port is not judged). */
export interface AddHostPattern {
  written: string;
  matches(host: string): boolean;
}

export function compileAddHosts(patterns: readonly string[]): AddHostPattern[] {
  return patterns.map((written) => {
    const host = written.toLowerCase().replace(/:\d+$/, '');
    if (host.startsWith('*.')) {
      const suffix = host.slice(1);
      return { written, matches: (candidate) => candidate.endsWith(suffix) && candidate.length > suffix.length };
    }
    return { written, matches: (candidate) => candidate === host };
  });
}

/** Why an ADD source may not be fetched, or undefined when it may (a local file, or an approved host). */
export function refuseAddSource(source: AddSource, hosts: readonly AddHostPattern[]): string | undefined {
  switch (source.kind) {
    case 'local':
      return undefined;
    case 'variable':
      return `\`${source.text}\` uses variables where a URL could begin, so Dockyard cannot tell which host ADD would fetch from. Write the URL out in full, or use COPY for files of the image folder (COPY never fetches).`;
    case 'unreadable':
      return `Dockyard cannot tell which host \`${source.text}\` reaches (its host is not a plain name or address). Write the URL with a plain host name.`;
    case 'remote': {
      const forbidden = forbiddenHost(source.host);
      if (forbidden) {
        return `\`${source.text}\` names ${forbidden} (\`${source.host}\`): the engine fetches ADD sources from its own host, so this would reach the engine's host or its private network. ADD may never fetch from loopback, link-local or private addresses.`;
      }
      if (hosts.some((pattern) => pattern.matches(source.host))) return undefined;
      return `\`${source.text}\` fetches from \`${source.host}\`, which the operator has not approved for ADD (the engine fetches ADD sources from its own host, outside the build's network rules). ${describeHosts(hosts)}`;
    }
  }
}

function describeHosts(hosts: readonly AddHostPattern[]): string {
  const fix = 'Commit the file to the image folder and COPY it, or download it in a RUN step and check its checksum.';
  if (hosts.length === 0) return `No host is approved for ADD (\`build.egress.addHosts\` in the operator's settings). ${fix}`;
  return `Approved: ${hosts.map((pattern) => `\`${pattern.written}\``).join(', ')}. ${fix} Or ask the platform team to approve the host in \`build.egress.addHosts\`.`;
}

/** One ADD source Dockyard refuses, at its instruction's line. */
export interface AddSourceProblem {
  line: number;
  message: string;
}

/**
 * DY005: every source of every ADD (also `ONBUILD ADD`, which runs in the child's build) must be a
 * local file or a URL on an approved host; a URL built from variables, or naming a loopback,
 * link-local or private address, never is. Reads the ADD lines the reader split, with BuildKit's word
 * rules for the model's frontend; a file the splitter refuses is reported elsewhere.
 */
export function checkAddSources(model: Pick<DockerfileModel, 'addLines' | 'directives' | 'frontend'>, hosts: readonly AddHostPattern[]): AddSourceProblem[] {
  const problems: AddSourceProblem[] = [];
  for (const instruction of model.addLines) {
    for (const source of addSources(instruction, model.directives.escape, model.frontend)) {
      const message = refuseAddSource(source, hosts);
      if (message !== undefined) problems.push({ line: instruction.line, message: `ADD ${message}` });
    }
  }
  return problems;
}

function addSources(instruction: AddLine, escape: string, frontend: DockerfileFrontend): AddSource[] {
  let args = instruction.args;
  if (instruction.keyword === 'ONBUILD') {
    // parser/line_parsers.go parseSubCommand: the rest is parsed as an instruction of its own.
    const inner = /^\s*add(\s+|$)/i.exec(args);
    if (!inner) return [];
    args = args.slice(inner[0].length).replace(/^(--[^\s]+\s+)*/, '');
  } else if (instruction.keyword !== 'ADD') {
    return [];
  }
  const words = jsonWords(args) ?? parseWords(args, escape);
  // instructions/parse.go parseAdd: the last word is the destination.
  return words.slice(0, -1).map((word) => classifyWord(word, escape, frontend));
}

/** parser/line_parsers.go parseMaybeJSONToList: a JSON array of strings when the text is one. */
function jsonWords(args: string): string[] | undefined {
  if (!args.trimStart().startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((word) => typeof word === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function classifyWord(word: string, escape: string, frontend: DockerfileFrontend): AddSource {
  const processed = processWord(word, new Map(), { escape, frontend });
  // A word the lexer refuses makes BuildKit refuse the instruction: nothing is fetched.
  if (!processed.ok) return { kind: 'local' };
  if (processed.used.length === 0 && processed.unset.length === 0) return classifyAddSource(processed.value);
  // A variable's value decides whether the word is a URL unless what precedes it already rules one
  // out: a scheme and an scp-style remote both need a `:` before the first `/`, after letters,
  // digits, `-` or `_` only.
  const literal = word.slice(0, word.indexOf('$') === -1 ? word.length : word.indexOf('$')).replace(/["']/g, '');
  const slash = literal.indexOf('/');
  const beforeSlash = slash === -1 ? undefined : literal.slice(0, slash);
  if (beforeSlash !== undefined && !beforeSlash.includes(':')) return { kind: 'local' };
  if (literal !== '' && !/^[a-zA-Z0-9_-]/.test(literal)) return { kind: 'local' };
  return { kind: 'variable', text: word };
}
