/** Basic-auth credentials for one registry (ECR: user `AWS`, the password from GetAuthorizationToken). */
export interface RegistryAuth {
  /** Host and optional port as it appears in image references, e.g. `127.0.0.1:5000`. */
  registry: string;
  username: string;
  password: string;
}

/** What a tag points at in a registry. */
export type TagState =
  | {
      kind: 'image';
      /** Digest of the manifest, the `repo@sha256:…` digest. */
      manifestDigest: string;
      mediaType: string;
      /** Digest of the image config; for Docker schema2 pushes from a graphdriver engine, the local image ID. */
      configDigest: string;
      /** `config.Labels` of the image config, when asked for. */
      labels?: Record<string, string>;
    }
  | {
      /** A multi-platform index (manifest list): one manifest per platform, no config of its own. */
      kind: 'index';
      manifestDigest: string;
      mediaType: string;
      manifests: { digest: string; mediaType: string; platform?: string }[];
    };
