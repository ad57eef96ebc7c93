import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.ts';

// `build.builder`: BuildKit only, so that what the policy judged is what the build checks.

const yaml = (build: string) => `registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com\nbuild:\n  builder: ${build}\n`;

describe('build.builder', () => {
  it('is BuildKit by default, and an old `auto` still parses', () => {
    expect(parseConfig('registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com\n', '.github/dockyard.yml').build.builder).toBe('buildkit');
    expect(parseConfig(yaml('auto'), '.github/dockyard.yml').build.builder).toBe('auto');
    expect(parseConfig(yaml('buildkit'), '.github/dockyard.yml').build.builder).toBe('buildkit');
  });

  it('refuses the classic builder, saying why and what to write instead', () => {
    expect(() => parseConfig(yaml('classic'), '.github/dockyard.yml')).toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        issues: [
          {
            field: 'build.builder',
            line: 3,
            message:
              'the classic builder is no longer supported: it reads Dockerfiles with its own parser, which Dockyard cannot check ' +
              'its policy reading against, and pulls with every registry credential. Remove `build.builder` or set it to "buildkit".',
          },
        ],
      }),
    );
  });
});
