import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type Dockerode from 'dockerode';
import { dialEngine } from './dial-engine.ts';

/** A BuildKit session attached to the engine; pass `id` as the build's `session`, `close` when done. */
export interface BuildSession {
  id: string;
  /** Registry hosts BuildKit asked credentials for, each once, in the order asked; it got none. */
  refusedHosts: string[];
  close(): void;
}

const credentialsMethod = '/moby.filesync.v1.Auth/Credentials';
const healthMethod = '/grpc.health.v1.Health/Check';

/**
 * Opens a BuildKit session that answers every registry credential request with no credentials and
 * records the host asked for. A credential per host would let the Dockerfile pull any repository
 * on that host; instead Dockyard pulls each approved image itself, by its exact reference, before
 * the build, and BuildKit in Docker Engine 20.10 uses the local image (moby
 * builder/builder-next/adapters/containerimage/pull.go: `ResolveModeDefault` is "prefer local").
 *
 * The session offers only `Credentials` and the health check: without `GetTokenAuthority` BuildKit
 * never asks it for `FetchToken` (buildkit util/resolver/authorizer.go calls FetchToken only for an
 * authority the session announced) and fetches at most an anonymous token from a token registry.
 * BuildKit v0.8 asks `Credentials{Host}` when a registry answers 401. The health check is needed
 * because the engine drops a session after two failed checks.
 */
export async function openBuildSession(docker: Dockerode): Promise<BuildSession> {
  const id = randomUUID();
  const refusedHosts: string[] = [];
  const socket = (await dialEngine(docker, {
    method: 'POST',
    path: '/session',
    hijack: true,
    headers: {
      Upgrade: 'h2c',
      'X-Docker-Expose-Session-Uuid': id,
      'X-Docker-Expose-Session-Name': 'dockyard',
      'X-Docker-Expose-Session-Grpc-Method': [credentialsMethod, healthMethod],
    },
    statusCodes: { 101: true, 200: true, 400: 'bad parameter', 500: 'server error' },
  })) as Duplex;

  // A session the engine drops shows up as the build's failure; its socket error must not crash the app.
  socket.on('error', () => undefined);
  const server = new grpc.Server();
  try {
    server.addService(authService(), {
      Credentials(
        call: grpc.ServerUnaryCall<{ Host: string }, unknown>,
        callback: grpc.sendUnaryData<{ Username?: string; Secret?: string }>,
      ) {
        const host = String(call.request.Host);
        if (!refusedHosts.includes(host)) refusedHosts.push(host);
        callback(null, {});
      },
    });
    server.addService(healthService, {
      Check(_call: grpc.ServerUnaryCall<Buffer, unknown>, callback: grpc.sendUnaryData<null>) {
        callback(null, null);
      },
    });
    server.createConnectionInjector(grpc.ServerCredentials.createInsecure()).injectConnection(socket);
  } catch (error) {
    socket.destroy();
    throw error;
  }
  // Node's http2 reads bytes the engine already sent on its next tick, and throws there if the session
  // was closed in between: let it read them before anyone can close.
  await new Promise((resolve) => setImmediate(resolve));

  return {
    id,
    refusedHosts,
    close() {
      server.forceShutdown();
      socket.destroy();
    },
  };
}

let auth: grpc.ServiceDefinition | undefined;

/** `moby.filesync.v1.Auth` from the proto file dockerode ships. */
function authService(): grpc.ServiceDefinition {
  if (auth) return auth;
  const dockerodeDir = path.dirname(createRequire(import.meta.url).resolve('dockerode/package.json'));
  const definition = protoLoader.loadSync(path.join(dockerodeDir, 'lib', 'proto', 'auth.proto'), { keepCase: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    moby: { filesync: { v1: { Auth: grpc.ServiceClientConstructor } } };
  };
  auth = loaded.moby.filesync.v1.Auth.service;
  return auth;
}

// `grpc.health.v1.Health/Check`, written out rather than loaded: the request is not needed, and the
// answer is always `HealthCheckResponse { status: SERVING }`, i.e. field 1 (varint) = 1.
const servingResponse = Buffer.from([0x08, 0x01]);
const healthService: grpc.ServiceDefinition = {
  Check: {
    path: healthMethod,
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: () => servingResponse,
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};
