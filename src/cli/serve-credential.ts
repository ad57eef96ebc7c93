import path from 'node:path';
import { StateStore } from '../adapters/state/state-store.ts';
import { readAppEnv } from '../config/app-env.ts';
import type { OperatorSettings } from '../config/operator-schema.ts';
import { readOperatorSettings } from '../config/read-operator-settings.ts';
import { UserError } from '../errors.ts';

/**
 * What the operator lists in a controller's CASC_JENKINS_CONFIG for one repository: per serving controller,
 * the URL path before `<cloud>.yaml` and, for bearer serving, the token. For the operator's terminal only.
 */
export function describeServeCredential(store: StateStore, operator: OperatorSettings, repo: string, rotate: boolean): string {
  if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(repo)) throw new UserError(`"${repo}" is not owner/repo`);
  const credential = rotate ? store.rotateServeCredential(repo) : store.serveCredential(repo);
  const lines = Object.entries(operator.jenkins)
    .filter(([, controller]) => controller.delivery.serve.enabled)
    .map(([name, controller]) => {
      const { path: servePath, auth } = controller.delivery.serve;
      return auth === 'capability'
        ? `${name}: <app URL>${servePath}/${repo}/${credential.capability}/<cloud>.yaml`
        : `${name}: <app URL>${servePath}/${repo}/<cloud>.yaml with Authorization: Bearer ${credential.token}`;
    });
  if (lines.length === 0) throw new UserError('No Jenkins controller in the operator settings serves documents (delivery.serve.enabled).');
  return `${lines.join('\n')}\n`;
}

if (import.meta.main) {
  const [command, repo] = process.argv.slice(2);
  try {
    if ((command !== 'show' && command !== 'rotate') || repo === undefined) throw new UserError('usage: serve-credential show|rotate <owner>/<repo>');
    const env = readAppEnv();
    const operator = readOperatorSettings(env.DOCKYARD_OPERATOR_CONFIG);
    if (!operator) throw new UserError('DOCKYARD_OPERATOR_CONFIG is not set; it names the operator settings the app runs with.');
    const store = new StateStore(path.join(env.DOCKYARD_STATE_DIR, 'dockyard.sqlite'));
    process.stdout.write(describeServeCredential(store, operator, repo, command === 'rotate'));
    store.close();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    process.stderr.write(`serve-credential: ${error.message}\n`);
    process.exitCode = 2;
  }
}
