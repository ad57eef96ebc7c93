import { beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../../src/adapters/docker/build-image.ts';
import {
  pushAuthParent,
  readImageFile,
  request,
  untag,
  useDockerTestEnv,
} from './docker-test-env.ts';

// The registry password is used to pull the parent, and must end up nowhere in what the build made.

const ci = useDockerTestEnv();
const { run, folders, images } = ci;
let registryParent: string;

// Writes everything a build step can see of its environment into /leak, so the image would hold it.
const dumpScript = `#!/bin/sh
mkdir -p /leak
env > /leak/env
cat /proc/self/environ > /leak/environ
cat /proc/self/mountinfo > /leak/mountinfo
for mount in $(awk '{print $5}' /proc/self/mountinfo); do
  case "$mount" in /|/proc|/proc/*|/sys|/sys/*|/dev|/dev/*) continue ;; esac
  if [ -f "$mount" ]; then cat "$mount" >> /leak/mounted-files; fi
  if [ -d "$mount" ]; then find "$mount" -xdev -type f -exec cat {} + >> /leak/mounted-files 2>/dev/null; fi
done
for dir in /run /root /tmp /var/run; do
  find "$dir" -xdev -type f -exec cat {} + >> /leak/other-files 2>/dev/null
done
true
`;

beforeAll(async () => {
  registryParent = await pushAuthParent(ci.env, folders, images, `leak-${run}`, `leak-parent-${run}`);
});

async function saveImage(imageId: string): Promise<Buffer> {
  const stream = await ci.env.docker.getImage(imageId).get();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

describe('credentials', () => {
  it('pull the parent and appear nowhere in the saved image, its config or its history', async () => {
    const { host, user, password } = ci.env.registry;
    const secretForms = [
      password,
      Buffer.from(password).toString('base64'),
      Buffer.from(`${user}:${password}`).toString('base64'),
    ];
    const dir = await folders.create('leak', {
      Dockerfile: `FROM ${registryParent}\nARG PLAIN_ARG=plain\nCOPY dump.sh /dump.sh\nRUN sh /dump.sh\n`,
      'dump.sh': dumpScript,
    });

    await untag(ci.env.docker, registryParent);
    const result = images.track(
      await buildImage(ci.env.docker, request(dir, {
        expectedImages: [registryParent],
        buildArgs: { PLAIN_ARG: 'given' },
        labels: { 'dockyard.test': run },
        credentials: [{ registry: host, username: user, password }],
      })),
    );
    await untag(ci.env.docker, registryParent);

    expect(result).toMatchObject({ status: 'built' });
    if (result.status !== 'built') return;
    // The dump really ran: otherwise an empty image would pass the checks below.
    expect((await readImageFile(ci.env.docker, result.imageId, '/leak/env'))?.content).toContain('PATH=');
    expect((await readImageFile(ci.env.docker, result.imageId, '/leak/environ'))?.content).toContain('PLAIN_ARG=given');
    expect((await readImageFile(ci.env.docker, result.imageId, '/leak/mountinfo'))?.content).toMatch(/\S/);
    expect((await readImageFile(ci.env.docker, result.imageId, '/leak/mounted-files'))?.content).toMatch(/\S/);

    const saved = await saveImage(result.imageId);
    expect(saved.length).toBeGreaterThan(1024 * 1024);
    expect(saved.includes('PLAIN_ARG=given')).toBe(true);
    const metadata = JSON.stringify([
      await ci.env.docker.getImage(result.imageId).inspect(),
      await ci.env.docker.getImage(result.imageId).history(),
    ]);
    for (const secret of secretForms) {
      expect(saved.includes(secret), `the saved image holds ${secret === password ? 'the password' : 'an encoding of it'}`).toBe(false);
      expect(metadata).not.toContain(secret);
      expect(result.logTail.join('\n')).not.toContain(secret);
    }
  });
});
