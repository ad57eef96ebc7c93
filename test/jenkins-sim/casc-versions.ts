// configuration-as-code-plugin releases whose answers the simulator models, and the first release of each
// change it models (repository jenkinsci/configuration-as-code-plugin; commit → first tag holding it).

/** A release Dockyard supports: the oldest (the error.jelly reload page) up to the newest read. */
export const cascVersions = {
  /** Before check answered JSON for an invalid document and before token reload answered JSON. */
  v1932: '1932.v75cb_b_f1b_698d',
  /** check answers 400 JSON and messages carry their source line, but token reload still fails with 500. */
  v2095: '2095.vef6db_3a_b_5b_9c',
  /** The newest release read (58646eb6). */
  v2117: '2117.vc05a_0b_e6b_f4e',
} as const;

/** 2d8bab8a "Nicer error pages": doReload renders error.jelly (status 200) for a ConfiguratorException. */
export const errorPageSince = 1738;
/** 7d33fe23 "Improve YAML validation when using `check` endpoint": 400 `[{line:-1, message}]`. */
export const checkJsonSince = 1947;
/** 0bc2de70 "Include YAML line number and attribute path in CasC errors": "\n  at <source>:<line>". */
export const sourceInMessageSince = 2036;
/** e3a6e23f "Return configuration reload errors as JSON": TokenReloadAction answers errorJSON (200). */
export const tokenReloadJsonSince = 2099;

/** The build number of a release (`2117.vc05a_0b_e6b_f4e` → 2117; `configuration-as-code-1.52` → 1). */
export function buildOf(version: string): number {
  const match = /^(\d+)\.v/.exec(version);
  return match ? Number(match[1]) : 1;
}
