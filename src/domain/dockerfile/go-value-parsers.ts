import type { DockerfileFrontend } from './frontend.ts';
import { goQuote, refuse } from './buildkit-refusal.ts';

/** Go's time.ParseDuration, in nanoseconds; undefined when it refuses the text. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const match = /^[-+]?((?:[0-9]*(?:\.[0-9]*)?(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!match) return undefined;
  const units: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 };
  let total = 0;
  for (const part of (match[1] ?? '').matchAll(/([0-9]*)(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h)/g)) {
    const whole = part[1] ?? '';
    const fraction = part[2] ?? '';
    if (whole === '' && fraction.length <= 1) return undefined;
    total += Number(`${whole || '0'}${fraction === '.' ? '' : fraction}`) * (units[part[3] ?? ''] ?? 0);
  }
  return text.startsWith('-') ? -total : total;
}

/** strconv.ParseInt(text, 10, bits). */
export function parseGoInt(text: string, bits: number): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = Number(text);
  const limit = 2 ** (bits - 1);
  return value >= -limit && value < limit ? value : undefined;
}

/** strconv.Atoi: an optionally signed decimal that fits in 64 bits. */
export function goAtoi(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = Number(text);
  return Math.abs(value) < 2 ** 63 ? value : undefined;
}

/** strconv.ParseUint(text, base, 32). */
export function parseGoUint32(text: string, base: 8 | 10): number | undefined {
  const pattern = base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!pattern.test(text)) return undefined;
  const value = parseInt(text, base);
  return value <= 0xffffffff ? value : undefined;
}

/** strconv.ParseBool. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

const knownOS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'windows', 'zos']);
const knownArch = new Set(['386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm']);
const archAliases: Record<string, string> = { i386: '386', x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm' };

/**
 * containerd platforms.Parse: v0.34.2 links github.com/containerd/platforms v1.0.0-rc.5 (an OS
 * may carry `(version+features)`, at most 4 parts, `.` allowed after the OS), v0.8.3 links
 * containerd v1.4 platforms (every part `[A-Za-z0-9_-]+`, at most 3 parts, no `ios`/`loong64`).
 */
export function checkPlatform(specifier: string, frontend: DockerfileFrontend): void {
  const modern = frontend !== 'buildkit-0.8';
  if (specifier.includes('*')) refuse(`${goQuote(specifier)}: wildcards not yet supported`);
  const parts = modern ? splitN(specifier, '/', 4) : specifier.split('/');
  const invalid = (part: string) => refuse(`${goQuote(part)} is an invalid component of ${goQuote(specifier)}`);
  parts.forEach((part, i) => {
    if (i === 0 && modern) {
      if (!/^[A-Za-z0-9_-]+(?:\([A-Za-z0-9_.%-]*(?:\+[A-Za-z0-9_.%-]+)*\))?$/.test(part)) invalid(part);
      if (part.includes('%') && !/^[^%]*(%[0-9A-Fa-f]{2}[^%]*)*$/.test(part)) invalid(part);
    } else if (!(modern ? /^[A-Za-z0-9_.-]+$/ : /^[A-Za-z0-9_-]+$/).test(part)) invalid(part);
  });
  if (parts.length === 1) {
    const os = (parts[0] ?? '').replace(/\(.*$/, '').toLowerCase();
    if ((modern ? knownOS : new Set([...knownOS].filter((name) => name !== 'ios'))).has(os === 'macos' ? 'darwin' : os)) return;
    const lower = (parts[0] ?? '').toLowerCase();
    const arch = archAliases[lower] ?? lower;
    if (knownArch.has(arch) && (modern || arch !== 'loong64')) return;
    refuse(`${goQuote(specifier)}: unknown operating system or architecture`);
  }
  if (parts.length > 3) refuse(`${goQuote(specifier)}: cannot parse platform specifier`);
}

function splitN(text: string, separator: string, n: number): string[] {
  const parts = text.split(separator);
  if (parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(separator)];
}

// moby signal.SignalMap (Linux), which both versions check STOPSIGNAL against.
const signalNames = new Set([
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL',
  'PROF', 'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'UNUSED', 'URG',
  'USR1', 'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ', 'RTMIN', 'RTMAX',
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
]);

/** signal.ParseSignal: a non-zero number or a known name, with or without `SIG`. */
export function isValidSignal(raw: string): boolean {
  if (/^[+-]?[0-9]+$/.test(raw) && Math.abs(Number(raw)) < 2 ** 63) return Number(raw) !== 0;
  const upper = raw.toUpperCase();
  return signalNames.has(upper.startsWith('SIG') ? upper.slice(3) : upper);
}
