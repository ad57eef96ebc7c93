import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';

/** One BuildKit build step as the engine reports it. */
export interface BuildkitVertex {
  digest: string;
  name: string;
  started: boolean;
  completed: boolean;
  error: string;
}

/** Output a step printed. */
export interface BuildkitLog {
  vertex: string;
  msg: Buffer;
}

/** The parts of a `moby.buildkit.v1.StatusResponse` Dockyard reads. */
export interface BuildkitStatus {
  vertexes: BuildkitVertex[];
  logs: BuildkitLog[];
}

let statusType: protobuf.Type | undefined;

/** Decodes the base64 protobuf `aux` of a `moby.buildkit.trace` build event (proto file from dockerode). */
export function decodeBuildkitStatus(aux: string): BuildkitStatus {
  statusType ??= loadStatusType();
  const decoded = statusType.toObject(statusType.decode(Buffer.from(aux, 'base64')), { defaults: true }) as {
    vertexes: { digest: string; name: string; started: unknown; completed: unknown; error: string }[];
    logs: { vertex: string; msg: Uint8Array }[];
  };
  return {
    vertexes: decoded.vertexes.map((vertex) => ({
      digest: vertex.digest,
      name: vertex.name,
      started: vertex.started != null,
      completed: vertex.completed != null,
      error: vertex.error,
    })),
    logs: decoded.logs.map((log) => ({ vertex: log.vertex, msg: Buffer.from(log.msg) })),
  };
}

function loadStatusType(): protobuf.Type {
  const dockerodeDir = path.dirname(createRequire(import.meta.url).resolve('dockerode/package.json'));
  const root = protobuf.loadSync(path.join(dockerodeDir, 'lib', 'proto', 'buildkit_status.proto'));
  return root.lookupType('moby.buildkit.v1.StatusResponse');
}
