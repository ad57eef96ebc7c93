import { Command, CommanderError, Option } from 'commander';
import { analyzeCatalog } from '../domain/check/analyze-catalog.ts';
import { defaultFrontend, dockerfileFrontends, type DockerfileFrontend } from '../domain/dockerfile/frontend.ts';
import { setDocsUrl } from '../domain/report/links.ts';
import { renderSarif } from '../domain/report/render-sarif.ts';
import { renderJson, renderText } from '../domain/report/render-text.ts';
import { OutsideError, UserError } from '../errors.ts';
import { checkCatalog } from '../jobs/check-catalog.ts';
import { jenkinsRender } from './jenkins-render.ts';
import { addJobsCommand } from './jobs.ts';
import { loadLocalCheck } from './load-local-check.ts';
import { dockyardVersion, progress, wantsColor, type OutputStream } from './terminal.ts';

/** Exit codes: 0 passed, 1 findings that fail, 2 usage, config or environment error. */
const exitCodes = { passed: 0, failed: 1, usage: 2 } as const;

/** `--frontend`: which frontend builds the Dockerfiles that name none with `# syntax=`. */
function frontendOption(): Option {
  return new Option('--frontend <name>', 'the engine\'s built-in frontend, which reads Dockerfiles without # syntax=')
    .choices(Object.keys(dockerfileFrontends))
    .default(defaultFrontend);
}

/** Runs the `dockyard` command line and returns the exit code. */
export async function main(argv: readonly string[], out: OutputStream = process.stdout, err: OutputStream = process.stderr, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let code: number = exitCodes.passed;
  try {
    setDocsUrl(env['DOCKYARD_DOCS_URL']);
  } catch (error) {
    err.write(`dockyard: ${(error as Error).message}\n`);
    return exitCodes.usage;
  }
  const status = progress(err);
  const program = new Command('dockyard')
    .description('Check and plan a catalog of Jenkins agent images, the way the Dockyard app does on pull requests.')
    .version(dockyardVersion(), '-V, --version', 'print the version of Dockyard')
    .option('-C, --dir <path>', 'repository to work in', '.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => out.write(text), writeErr: (text) => err.write(text) });

  program
    .command('check')
    .description('run the parent policy and hadolint on the catalog; exit 1 if a finding fails')
    .option('--base <git-ref>', 'judge only what changed since this ref, with the config at this ref (as on a pull request)')
    .addOption(new Option('--format <format>', 'output format (sarif: SARIF 2.1.0, for code scanning)').choices(['text', 'json', 'sarif']).default('text'))
    .addOption(frontendOption())
    .action(async (options: { base?: string; format: 'text' | 'json' | 'sarif'; frontend: DockerfileFrontend }) => {
      const dir = program.opts<{ dir: string }>().dir;
      status.step(`dockyard: reading the catalog in ${dir}${options.base ? ` (changes since ${options.base})` : ''}…`);
      const input = await loadLocalCheck(dir, options.base);
      status.step(`dockyard: checking ${input.folders.length} image folder${input.folders.length === 1 ? '' : 's'} (policy, then hadolint)…`);
      const outcome = await checkCatalog({ ...input, frontend: options.frontend });
      status.done();
      const rendered =
        options.format === 'json'
          ? renderJson(outcome)
          : options.format === 'sarif'
            ? renderSarif(outcome, { version: dockyardVersion() })
            : renderText(outcome, { color: wantsColor(out, env) });
      out.write(`${rendered}\n`);
      if (outcome.lint.status === 'unavailable') code = exitCodes.usage;
      else code = outcome.conclusion === 'failure' ? exitCodes.failed : exitCodes.passed;
    });

  program
    .command('plan')
    .description('print the images a change affects, in build order')
    .option('--base <git-ref>', 'plan only what changed since this ref (default: every image)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(frontendOption())
    .action(async (options: { base?: string; format: 'text' | 'json'; frontend: DockerfileFrontend }) => {
      status.step('dockyard: reading the catalog…');
      const input = await loadLocalCheck(program.opts<{ dir: string }>().dir, options.base);
      const analysis = analyzeCatalog(input.folders, input.changes, input.config, { frontend: options.frontend });
      status.done();
      if (options.format === 'json') {
        const { change, affected, plan, graph } = analysis;
        out.write(`${JSON.stringify({ changed: [...change.changed].filter((name) => affected.has(name)).sort(), removed: [...change.removed].sort(), affected: [...affected].sort(), plan, cycles: graph.cycles }, null, 2)}\n`);
      } else {
        const lines = analysis.plan.map((level, index) => `${index + 1}. ${level.join(' ')}`);
        out.write(lines.length > 0 ? `${lines.join('\n')}\n` : 'Nothing to build: the change affects no image.\n');
        for (const cycle of analysis.graph.cycles) err.write(`cannot build, inheritance cycle: ${cycle.join(' → ')}\n`);
      }
      if (analysis.graph.cycles.length > 0) code = exitCodes.failed;
    });

  program
    .command('jenkins')
    .description('see what Dockyard registers in Jenkins')
    .command('render')
    .description('print the JCasC document of each Jenkins cloud for the catalog and what its images\' latest tags hold in the registry')
    .option('--cloud <name>', 'print only this cloud\'s document')
    .option('--repo <owner/name>', 'the catalog repository on GitHub, which pod template ids are derived from (default: the origin remote\'s)')
    .action(async (options: { cloud?: string; repo?: string }) => {
      await jenkinsRender(program.opts<{ dir: string }>().dir, options, { out, err });
    });

  addJobsCommand(program, { out, env });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    status.done();
    if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.passed : exitCodes.usage;
    if (error instanceof UserError || error instanceof OutsideError) {
      err.write(`dockyard: ${error.message}\n`);
      return exitCodes.usage;
    }
    throw error;
  }
  return code;
}
