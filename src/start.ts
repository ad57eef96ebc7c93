import { run } from 'probot';
import { DockyardOctokit } from './adapters/github/rate-limits.ts';
import app from './index.ts';

// `probot run <app>` would give the app Probot's own Octokit, which drops requests GitHub rate-limits.
await run(app, { Octokit: DockyardOctokit });
