import { readFile } from 'node:fs/promises';

/** Where the simulated Jenkins reads its configuration, like the entries of CASC_JENKINS_CONFIG. */
export interface SimSources {
  /** URLs fetched on every reload, with no Authorization header, as released JCasC fetches them. */
  urls?: Array<{ url: string }>;
  /** Files read on every reload. */
  files?: string[];
}

/** The text of one configuration source and where it came from. */
export interface SourceText {
  source: string;
  text: string;
}

/**
 * Reads every source, failing like JCasC's fetchers do. configuration-as-code-plugin 58646eb6
 * fetcher/DefaultHttpFetcher.java sends a plain GET (ProxyConfiguration.newHttpRequestBuilder(uri).GET(),
 * no credentials: `?cascCredentialId=` exists only in the unmerged PR #2890) and throws "Failed to fetch
 * configuration from <url>. HTTP status code: <n>" for any non-2xx answer; ConfigurationAsCode
 * getConfigFromSources wraps it as the ConfiguratorException "Failed to fetch configuration from <url>".
 */
export async function readSources(sources: SimSources): Promise<SourceText[]> {
  const texts: SourceText[] = [];
  for (const { url } of sources.urls ?? []) {
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
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
