import { parse } from 'yaml';

/**
 * Whether a hadolint config file switches inline ignore pragmas off (`disable-ignore-pragma: true`).
 * hadolint reads it with HsYAML's core schema, as `yaml` does by default, so `yes` is not true for
 * either. A file that is not valid YAML answers false: hadolint then refuses it, and that is reported.
 */
export function configDisablesPragmas(text: string): boolean {
  try {
    const config: unknown = parse(text);
    return typeof config === 'object' && config !== null && (config as Record<string, unknown>)['disable-ignore-pragma'] === true;
  } catch {
    return false;
  }
}
