import type { BuildRequest, BuildResult, RegistryCredential } from '../adapters/docker/types.ts';
import type { ScanRequest, ScanResult } from '../adapters/trivy/types.ts';
import type { DockerfileFrontend } from '../domain/dockerfile/frontend.ts';

/** What building and scanning need from the outside world; injected so each piece can be tested. */
export interface BuildPorts {
  buildImage(request: BuildRequest): Promise<BuildResult>;
  /** The frontend the engine builds Dockerfiles without `# syntax=` with; throws for an engine Dockyard has not verified. */
  engineFrontend(): Promise<DockerfileFrontend>;
  /** Adds a tag to a local image. */
  tagImage(imageId: string, reference: string): Promise<void>;
  /** Removes a tag; the image stays while another tag names it. */
  untagImage(reference: string): Promise<void>;
  /** Pulls an image; the local image ID, or null when the registry has no such image. */
  pullImage(reference: string, credentials: readonly RegistryCredential[]): Promise<string | null>;
  scanImage(request: ScanRequest): Promise<ScanResult>;
  /** True when the engine still holds this image (a reused build may have been pruned). */
  hasImage(imageId: string): Promise<boolean>;
}
