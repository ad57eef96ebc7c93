import { readFile } from 'node:fs/promises';

/** Where the simulated Jenkins reads its configuration, like the entries of CASC_JENKINS_CONFIG. */
export interface SimSources {
  /** URLs fetched on every reload; `headers` stands for what `?cascCredentialId=` makes real JCasC send. */
  urls?: Array<{ url: string; headers?: Record<string, string> }>;
  /** Files read on every reload. */
  files?: string[];
}

/** The text of one configuration source and where it came from. */
export interface SourceText {
  source: string;
  text: string;
}

/**
 * Reads every source, failing like JCasC's fetchers do: configuration-as-code-plugin
 * fetcher/DefaultHttpFetcher.java throws "Failed to fetch configuration from <url>. HTTP status code: <n>"
 * for any non-2xx answer (and sends `Authorization: Bearer <token>` when the URL names a credential).
 */
export async function readSources(sources: SimSources): Promise<SourceText[]> {
  const texts: SourceText[] = [];
  for (const { url, headers } of sources.urls ?? []) {
    let response: Response;
    try {
      response = await fetch(url, { headers: headers ?? {}, signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      throw new Error(`Failed to fetch configuration from ${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (response.status < 200 || response.status >= 300) {
      await response.body?.cancel();
      throw new Error(`Failed to fetch configuration from ${url}. HTTP status code: ${response.status}`);
    }
    texts.push({ source: url, text: await response.text() });
  }
  for (const file of sources.files ?? []) {
    texts.push({ source: file, text: await readFile(file, 'utf8') });
  }
  return texts;
}
