import { describe, expect, it } from 'vitest';
import { builderFor } from '../../../src/adapters/docker/choose-builder.ts';

describe('builderFor', () => {
  it("follows the engine's Builder-Version header when it sends one", () => {
    expect(builderFor({ builderVersion: '2', os: 'linux', apiVersion: '1.47' })).toBe('buildkit');
    expect(builderFor({ builderVersion: '1', os: 'linux', apiVersion: '1.41' })).toBe('classic');
    expect(builderFor({ builderVersion: '1', os: 'windows', apiVersion: '1.41' })).toBe('classic');
  });

  it('without the header, picks BuildKit on Linux engines from API 1.39 (Docker 18.09) on', () => {
    expect(builderFor({ os: 'linux', apiVersion: '1.41' })).toBe('buildkit');
    expect(builderFor({ os: 'linux', apiVersion: '1.39' })).toBe('buildkit');
    expect(builderFor({ os: 'linux', apiVersion: '1.38' })).toBe('classic');
    expect(builderFor({ os: 'windows', apiVersion: '1.41' })).toBe('classic');
  });
});
