#!/usr/bin/env node
// A checkout runs the TypeScript sources (Node strips their types). An installed package holds only the
// JavaScript built into lib/ (`npm pack` builds it), since Node refuses to strip types under node_modules.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const entry = existsSync(source) ? source : new URL('../lib/cli/main.js', import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
