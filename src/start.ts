import { run } from 'probot';
import { DockyardOctokit } from './adapters/github/rate-limits.ts';
import app from './index.ts';
import { redactingLog } from './server/log-redaction.ts';

// `probot run <app>` would give the app Probot's own Octokit, which drops requests GitHub rate-limits, and
// Probot's own logger, whose access log writes each request's URL and headers (a served document's capability,
// a bearer token) as they arrived.
await run(app, { Octokit: DockyardOctokit, log: await redactingLog() });
