import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** The vulnerability DB schema Trivy 0.76 reads (trivy-db v2). */
export const trivyDbSchemaVersion = 2;

/** When the DB was built, when its publisher promises the next one, and whether that time has passed. */
export interface TrivyDatabase {
  updatedAt: string;
  nextUpdate: string;
  stale: boolean;
}

export type DatabaseCheck = { status: 'ok'; database: TrivyDatabase } | { status: 'unavailable'; reason: string };

const timestamp = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'not a date');

// `<cache>/db/metadata.json` as trivy-db writes it; DownloadedAt is optional and unused here.
const metadataSchema = z.object({ Version: z.number().int(), NextUpdate: timestamp, UpdatedAt: timestamp });

/** How to give Trivy a DB, for every message about a missing or unusable one. */
export function howToProvideDb(cacheDir: string): string {
  return (
    `Provide one: pre-seed the cache dir (copy db/trivy.db and db/metadata.json into ${path.join(cacheDir, 'db')}, ` +
    `e.g. from "trivy image --download-db-only --cache-dir ${cacheDir}" run where the DB registry is reachable), ` +
    'or scan online with dbRepository set to a mirror of the DB (an OCI repository such as <registry>/trivy-db:2).'
  );
}

/** Reads the DB metadata Trivy keeps in `<cacheDir>/db`, and says why the DB cannot be used when it cannot. */
export async function readTrivyDatabase(cacheDir: string, now: Date): Promise<DatabaseCheck> {
  const dbDir = path.join(cacheDir, 'db');
  const metadataFile = path.join(dbDir, 'metadata.json');
  let text: string;
  try {
    text = await readFile(metadataFile, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      return unavailable(`There is no Trivy vulnerability DB in ${dbDir} (no metadata.json), and offline scans never download one.`, cacheDir);
    }
    return unavailable(`The Trivy DB metadata ${metadataFile} cannot be read (${errorCode(error) ?? String(error)}).`, cacheDir);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return unavailable(`The Trivy DB metadata ${metadataFile} is not JSON; the DB is damaged.`, cacheDir);
  }
  const parsed = metadataSchema.safeParse(json);
  if (!parsed.success) {
    return unavailable(`The Trivy DB metadata ${metadataFile} is not what Trivy writes (${z.prettifyError(parsed.error)}).`, cacheDir);
  }
  const metadata = parsed.data;
  if (metadata.Version !== trivyDbSchemaVersion) {
    return unavailable(
      `The Trivy DB in ${dbDir} has schema version ${metadata.Version}, but Trivy 0.76 reads schema ${trivyDbSchemaVersion} only; replace the DB.`,
      cacheDir,
    );
  }
  try {
    await stat(path.join(dbDir, 'trivy.db'));
  } catch (error) {
    return unavailable(`The Trivy DB in ${dbDir} has metadata.json but no readable trivy.db (${errorCode(error) ?? String(error)}).`, cacheDir);
  }
  const nextUpdate = new Date(metadata.NextUpdate);
  return {
    status: 'ok',
    database: {
      updatedAt: new Date(metadata.UpdatedAt).toISOString(),
      nextUpdate: nextUpdate.toISOString(),
      stale: nextUpdate.getTime() <= now.getTime(),
    },
  };
}

function unavailable(problem: string, cacheDir: string): DatabaseCheck {
  return { status: 'unavailable', reason: `${problem} ${howToProvideDb(cacheDir)}` };
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
