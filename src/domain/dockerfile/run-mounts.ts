import type { DockerfileFrontend } from './frontend.ts';
import { goQuote, refuse } from './buildkit-refusal.ts';
import { parseGoBool, parseGoUint32 } from './go-value-parsers.ts';

/**
 * The fields of a `--mount` (or `--device`) value: go-csvvalue Fields (v0.34.2) and encoding/csv
 * Reader.Read (v0.8.3) split the same way here: `,` separates, a field that starts with `"` is
 * quoted (`""` inside is one `"`), a `"` anywhere else is an error, and so is empty input.
 */
export function csvFields(value: string, what = 'mounts'): string[] {
  const fail = (): never => refuse(`failed to parse csv ${what}`);
  if (value === '') fail();
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (value.charCodeAt(i) !== 34) {
      const comma = value.indexOf(',', i);
      const field = comma === -1 ? value.slice(i) : value.slice(i, comma);
      if (field.includes('"')) fail();
      fields.push(field);
      if (comma === -1) return fields;
      i = comma + 1;
      continue;
    }
    i++;
    let field = '';
    for (;;) {
      const quote = value.indexOf('"', i);
      if (quote === -1) return fail();
      field += value.slice(i, quote);
      i = quote + 1;
      if (value.charCodeAt(i) === 34) {
        field += '"';
        i++;
        continue;
      }
      if (i === value.length) {
        fields.push(field);
        return fields;
      }
      if (value.charCodeAt(i) === 44) {
        fields.push(field);
        i++;
        break;
      }
      return fail();
    }
  }
}

export interface Mount {
  type: string;
  from: string;
  source: string;
  target: string;
  cacheId: string;
  sharing: string;
}

const mountTypes = new Set(['bind', 'cache', 'tmpfs', 'secret', 'ssh']);
const sharingModes = new Set(['shared', 'private', 'locked']);
const mountKeys = new Set([
  'type', 'from', 'source', 'src', 'target', 'dst', 'destination', 'readonly', 'ro', 'readwrite', 'rw',
  'required', 'id', 'sharing', 'mode', 'uid', 'gid', 'size', 'env',
]);

/**
 * instructions/commands_runmount.go parseMount. v0.34.2 parses twice: while reading the file with
 * no expander (only `from` is looked at: the last one counts, and `$` inside it is refused), and
 * when dispatching the RUN with the stage's variables (`expand`), which checks every field.
 * v0.8.3 checks every field while reading the file, expanding nothing.
 */
export function parseMount(value: string, frontend: DockerfileFrontend, expand: ((word: string) => string) | undefined): Mount {
  const modern = frontend !== 'buildkit-0.8';
  const fields = csvFields(value);
  const mount: Mount = { type: 'bind', from: '', source: '', target: '', cacheId: '', sharing: '' };
  const full = !modern || expand !== undefined;
  if (!full) {
    // Read with the file (v0.34.2, no expander): only `from` is looked at.
    for (const field of fields) {
      if (field.indexOf('=') !== 4 || !isFromKey(field)) continue;
      const text = field.slice(5);
      const dollar = text.indexOf('$');
      if (dollar !== -1 && dollar !== text.length - 1) refuse(`'from' doesn't support variable expansion, define alias stage instead`);
      mount.from = text;
    }
    return mount;
  }
  let mode = false;
  let uid = false;
  let gid = false;
  for (const field of fields) {
    const equals = field.indexOf('=');
    const key = (equals === -1 ? field : field.slice(0, equals)).toLowerCase();
    let text = equals === -1 ? '' : field.slice(equals + 1);
    if (equals === -1) {
      if (!full) continue;
      if (key === 'readonly' || key === 'ro' || key === 'readwrite' || key === 'rw') continue;
      if (key === 'required') {
        if (mount.type === 'secret' || mount.type === 'ssh') continue;
        refuse(`unexpected key '${key}' for mount type '${mount.type}'`);
      }
      refuse(`invalid field '${field}' must be a key=value pair`);
    }
    if (modern) {
      if (expand) text = expand(text);
      else if (key === 'from') {
        const dollar = text.indexOf('$');
        if (dollar !== -1 && dollar !== text.length - 1) refuse(`'${key}' doesn't support variable expansion, define alias stage instead`);
      } else continue;
    }
    if (!full) {
      if (key === 'from') mount.from = text;
      continue;
    }
    switch (key) {
      case 'type':
        if (!mountTypes.has(text.toLowerCase())) refuse(`unsupported mount type ${goQuote(text)}`);
        mount.type = text.toLowerCase();
        break;
      case 'from':
        mount.from = text;
        break;
      case 'source':
      case 'src':
        mount.source = text;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        mount.target = text;
        break;
      case 'readonly':
      case 'ro':
      case 'readwrite':
      case 'rw':
        if (parseGoBool(text) === undefined) refuse(`invalid value for ${key}: ${text}`);
        break;
      case 'required':
        if (mount.type !== 'secret' && mount.type !== 'ssh') refuse(`unexpected key '${key}' for mount type '${mount.type}'`);
        if (parseGoBool(text) === undefined) refuse(`invalid value for ${key}: ${text}`);
        break;
      case 'size':
        if (!modern) refuse(`unexpected key '${key}' in '${field}'`);
        if (mount.type !== 'tmpfs') refuse(`unexpected key '${key}' for mount type '${mount.type}'`);
        if (!/^[0-9]+(\.[0-9]+)?\s*([kKmMgGtTpP]i?[bB]?|[bB])?$/.test(text)) refuse(`invalid value for ${key}: ${text}`);
        break;
      case 'id':
        mount.cacheId = text;
        break;
      case 'sharing':
        if (!sharingModes.has(text.toLowerCase())) refuse(`unsupported sharing value ${goQuote(text)}`);
        mount.sharing = text.toLowerCase();
        break;
      case 'mode':
        if (parseGoUint32(text, 8) === undefined) refuse(`invalid value ${text} for mode`);
        mode = true;
        break;
      case 'uid':
        if (parseGoUint32(text, 10) === undefined) refuse(`invalid value ${text} for uid`);
        uid = true;
        break;
      case 'gid':
        if (parseGoUint32(text, 10) === undefined) refuse(`invalid value ${text} for gid`);
        gid = true;
        break;
      case 'env':
        if (!modern) refuse(`unexpected key '${key}' in '${field}'`);
        break;
      default:
        if (!mountKeys.has(key) || !modern) refuse(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!full) return mount;
  const fileInfoAllowed = mount.type === 'secret' || mount.type === 'ssh' || mount.type === 'cache';
  if (!fileInfoAllowed) {
    if (mode) refuse(`mode not allowed for "${mount.type}" type mounts`);
    if (uid) refuse(`uid not allowed for "${mount.type}" type mounts`);
    if (gid) refuse(`gid not allowed for "${mount.type}" type mounts`);
  }
  if (!modern && mount.sharing !== '' && mount.type !== 'cache') refuse(`invalid cache sharing set for ${mount.type} mount`);
  if (mount.type === 'secret') {
    if (mount.from !== '') refuse('secret mount should not have a from');
    if (mount.sharing !== '') refuse('secret mount should not define sharing');
    if (mount.source === '' && mount.target === '' && mount.cacheId === '') refuse('invalid secret mount. one of source, target required');
    if (mount.source !== '' && mount.cacheId !== '') refuse("both source and id can't be set");
  }
  if (mount.sharing !== '' && mount.type !== 'cache') refuse(`invalid cache sharing set for ${mount.type} mount`);
  return mount;
}

/** Whether a field's first four characters are `from` in any case (only ASCII letters lower-case to these). */
function isFromKey(field: string): boolean {
  return (field.charCodeAt(0) | 0x20) === 102 && (field.charCodeAt(1) | 0x20) === 114 && (field.charCodeAt(2) | 0x20) === 111 && (field.charCodeAt(3) | 0x20) === 109;
}

/** instructions/commands_rundevice.go ParseDevice (v0.34.2). */
export function parseDevice(value: string): void {
  let name = '';
  for (const field of csvFields(value, 'devices')) {
    const equals = field.indexOf('=');
    const key = (equals === -1 ? field : field.slice(0, equals)).toLowerCase();
    const text = field.slice(equals + 1);
    if (equals === -1) {
      if (key === 'required') continue;
      if (name === '') {
        name = field;
        continue;
      }
      refuse(`invalid field '${field}' must be a key=value pair`);
    }
    if (key === 'name') {
      if (name !== '') refuse(`device name already set to ${name}`);
      name = text;
    } else if (key === 'required') {
      if (parseGoBool(text) === undefined) refuse(`invalid value for ${key}: ${text}`);
    } else if (name === '') name = field;
    else refuse(`unexpected key '${key}' in '${field}'`);
  }
}
