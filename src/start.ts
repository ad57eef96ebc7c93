import { run } from 'probot';
import { dockyardOctokit } from './adapters/github/rate-limits.ts';
import { readWriteLimits, WritePacer } from './adapters/github/write-pacing.ts';
import { createDockyard } from './index.ts';
import { redactingLog } from './server/log-redaction.ts';

// `probot run <app>` would give the app Probot's own Octokit, which drops requests GitHub rate-limits and
// paces every installation's writes at one per second, and Probot's own logger, whose access log writes
// each request's URL and headers (a served document's capability, a bearer token) as they arrived.
const log = await redactingLog();
let pacer: WritePacer;
try {
  pacer = new WritePacer(readWriteLimits(process.env));
} catch (error) {
  log.fatal((error as Error).message);
  process.exit(1);
}
await run(createDockyard(undefined, { writes: pacer }), { Octokit: dockyardOctokit(pacer), log });
