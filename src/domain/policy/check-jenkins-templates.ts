import type { Config } from '../../config/schema.ts';
import { configPath } from '../../config/schema.ts';
import type { Catalog } from '../catalog/types.ts';
import { fargateProblems } from '../jenkins/fargate-task-size.ts';
import { templateSettings } from '../jenkins/template-settings.ts';
import type { Finding } from '../findings.ts';

/**
 * DY030: an image whose agent template AWS would refuse on a Fargate cloud. JCasC accepts any cpu and
 * memory, and the ECS plugin only fails when it registers the task definition for the first build that
 * asks for the label, so the pull request that sets the sizes (image.yml `jenkins:` over the cloud
 * defaults in .github/dockyard.yml) is where it is said. Judged for the affected images.
 */
export function checkJenkinsTemplates(catalog: Pick<Catalog, 'images'>, affected: ReadonlySet<string>, config: Pick<Config, 'jenkins'>): Finding[] {
  const fargate = (config.jenkins?.clouds ?? []).filter((cloud) => cloud.kind === 'ecs' && cloud.launchType === 'FARGATE');
  if (fargate.length === 0 || config.jenkins === undefined) return [];
  const { defaults } = config.jenkins;
  const findings: Finding[] = [];
  for (const name of [...affected].sort()) {
    const image = catalog.images.get(name);
    if (image === undefined || image.metadataSource?.valid === false) continue;
    const overrides = image.metadata.jenkins;
    const settings = templateSettings(defaults, { name, label: name, imageRef: '', overrides });
    const problems = fargateProblems(settings);
    if (problems.length === 0) continue;
    const source = image.metadataSource;
    // Point at what sets the sizes: the image's own `jenkins:` when it has one, else the defaults.
    const own = overrides !== undefined && source !== undefined;
    const file = own ? source.file : configPath;
    const line = own ? (source.lines['jenkins'] ?? 1) : 1;
    const clouds = fargate.map((cloud) => `\`${cloud.name}\``).join(', ');
    for (const problem of problems) {
      findings.push({
        file,
        line,
        severity: 'error',
        source: 'dockyard',
        rule: 'DY030',
        message: `\`${name}\` cannot run on the Fargate cloud ${clouds}: ${problem.message}. Change \`${problem.field}\` under \`jenkins:\` in ${image.dir}/image.yml${own ? '' : ' (or jenkins.defaults in .github/dockyard.yml)'}.`,
        image: name,
      });
    }
  }
  return findings;
}
