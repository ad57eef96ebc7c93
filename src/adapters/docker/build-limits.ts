import { operatorSettingsSchema, type BuildLimits as OperatorBuildLimits } from '../../config/operator-schema.ts';
import type { BuildLimits } from './types.ts';

const mebibyte = 1024 * 1024;

/**
 * The operator's `build` settings as every build takes them; the settings' defaults when the app runs
 * without an operator file, so that no build ever runs unlimited or on an unprobed network.
 */
export function buildLimitsFrom(settings: OperatorBuildLimits | undefined): BuildLimits {
  const build = settings ?? operatorSettingsSchema.parse({}).build;
  return {
    timeoutMs: build.timeoutSeconds * 1000,
    network: build.network,
    addHosts: build.egress.addHosts,
    maxContextBytes: build.maxContextMiB * mebibyte,
    maxOutputBytes: build.maxOutputMiB * mebibyte,
    ...(build.egress.probeImage === undefined ? {} : { probeImage: build.egress.probeImage }),
  };
}
