import { writeSync } from 'node:fs';
import { run } from 'probot';
import { dockyardOctokit } from './adapters/github/rate-limits.ts';
import { WritePacer, writeLimitsFor } from './adapters/github/write-pacing.ts';
import { readAppEnv } from './config/app-env.ts';
import { withDotEnv } from './config/dot-env.ts';
import { UserError } from './errors.ts';
import { createDockyard } from './index.ts';
import { redactingLog } from './server/log-redaction.ts';

// `probot run <app>` would give the app Probot's own Octokit, which drops requests GitHub rate-limits and
// paces every installation's writes at one per second, and Probot's own logger, whose access log writes
// each request's URL and headers (a served document's capability, a bearer token) as they arrived.
let pacer: WritePacer;
try {
  pacer = new WritePacer(writeLimitsFor(readAppEnv(withDotEnv())));
} catch (error) {
  if (!(error instanceof UserError)) throw error;
  writeSync(2, `dockyard: refusing to start: ${error.message}\n`);
  process.exit(1);
}
await run(createDockyard(undefined, { writes: pacer }), { Octokit: dockyardOctokit(pacer), log: await redactingLog() });
