import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tiny HTTP server standing in for the app's serve endpoint that Jenkins fetches YAML from. */
export interface YamlSourceServer {
  /** URL of the document. */
  url: string;
  /** Replaces the document served from now on. */
  serve(text: string): void;
  /** Authorization headers of the fetches so far. */
  authorizations: Array<string | undefined>;
  stop(): Promise<void>;
}

/** Serves `text` at /casc/cloud.yaml on 127.0.0.1; with `bearer`, other callers get 401. */
export async function startYamlSource(text: string, bearer?: string): Promise<YamlSourceServer> {
  let current = text;
  const authorizations: Array<string | undefined> = [];
  const server = createServer((request, response) => {
    authorizations.push(request.headers.authorization);
    if (request.url !== '/casc/cloud.yaml') return void response.writeHead(404).end();
    if (bearer !== undefined && request.headers.authorization !== `Bearer ${bearer}`) return void response.writeHead(401).end();
    response.writeHead(200, { 'Content-Type': 'application/yaml' }).end(current);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/casc/cloud.yaml`,
    serve(next) {
      current = next;
    },
    authorizations,
    async stop() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
