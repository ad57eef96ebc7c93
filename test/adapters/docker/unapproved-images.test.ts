import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../../src/adapters/docker/build-image.ts';
import { hasImage } from '../../../src/adapters/docker/image-store.ts';
import {
  pushToRegistry,
  request,
  untag,
  useDockerTestEnv,
} from './docker-test-env.ts';

// The build is the last line of defence: if Dockyard's reader approved one image and BuildKit goes
// for another, the real engine must stop before anything is tagged. Each request here lists only an
// approved stand-in while its Dockerfile uses a private image of another team on the same registry,
// i.e. what a reader that misread the file would hand the build.

const ci = useDockerTestEnv();
const { run, folders, images, credentials } = ci;
let secret: string;
let approved: string;

beforeAll(async () => {
  secret = `${ci.env.registry.host}/teamb/secret:latest`;
  approved = `${ci.env.mirrorPrefix}/jenkins/inbound-agent:latest`;
  const dir = await folders.create('secret', { Dockerfile: `FROM ${ci.env.rootImage}\nRUN echo teamb-${run} > /secret.txt\n` });
  const built = images.track(await buildImage(ci.env.docker, request(dir, { tags: [secret], expectedImages: [ci.env.rootImage] })));
  if (built.status !== 'built') throw new Error(`building the private image failed: ${JSON.stringify(built)}`);
  await pushToRegistry(ci.env, secret);
  await untag(ci.env.docker, secret);
});

afterAll(async () => {
  if (ci.connected) await untag(ci.env.docker, secret);
});

function tag(name: string): string {
  const reference = `dockyard-ci-test/unapproved-${run}:${name}`;
  images.tag(reference);
  return reference;
}

const refusal = (image: string, built: string) => ({
  status: 'unapproved',
  image,
  message: `BuildKit resolved \`${image}\`, which the policy did not approve for \`${built}\`; nothing was built or pushed.`,
  frontend: 'buildkit-0.8',
  logTail: expect.any(Array),
});

describe('a build whose Dockerfile uses an image the policy did not approve', () => {
  it('is cancelled naming the image, tags nothing, and never pulls it, though credentials for its registry were given', async () => {
    const dir = await folders.create('python', { Dockerfile: `FROM ${ci.env.registry.host}/teamb/secret\nRUN cp /secret.txt /leaked.txt\n` });
    const target = tag('pulled');
    await untag(ci.env.docker, secret);

    const result = await buildImage(ci.env.docker, request(dir, { tags: [target], expectedImages: [approved], credentials: credentials() }));

    expect(result).toEqual(refusal(`${ci.env.registry.host}/teamb/secret:latest`, 'python'));
    expect(await hasImage(ci.env.docker, target)).toBe(false);
    expect(await hasImage(ci.env.docker, secret)).toBe(false);
    // The approved stand-in was pulled before the build, by its exact reference.
    expect(await hasImage(ci.env.docker, approved)).toBe(true);
  });

  it('is cancelled the same when the engine already holds the image', async () => {
    await pullWithCredentials(secret);
    expect(await hasImage(ci.env.docker, secret)).toBe(true);
    const dir = await folders.create('python', { Dockerfile: `FROM ${ci.env.registry.host}/teamb/secret\nRUN cp /secret.txt /leaked.txt\n` });
    const target = tag('local');

    const result = await buildImage(ci.env.docker, request(dir, { tags: [target], expectedImages: [approved], credentials: credentials() }));

    expect(result).toEqual(refusal(secret, 'python'));
    expect(await hasImage(ci.env.docker, target)).toBe(false);
  });

  it('is cancelled when only a COPY --from reads the image', async () => {
    await pullWithCredentials(secret);
    const dir = await folders.create('copier', {
      Dockerfile: `FROM ${approved}\nCOPY --from=${ci.env.registry.host}/teamb/secret /secret.txt /leaked.txt\n`,
    });
    const target = tag('copy-from');

    const result = await buildImage(ci.env.docker, request(dir, { tags: [target], expectedImages: [approved] }));

    expect(result).toEqual(refusal(secret, 'copier'));
    expect(await hasImage(ci.env.docker, target)).toBe(false);
  });

  it('is cancelled when a `# syntax=` directive names it as the frontend', async () => {
    await pullWithCredentials(secret);
    const dir = await folders.create('syntax', { Dockerfile: `# syntax=${ci.env.registry.host}/teamb/secret\nFROM ${approved}\n` });
    const target = tag('syntax');

    const result = await buildImage(ci.env.docker, request(dir, { tags: [target], expectedImages: [approved] }));

    expect(result).toEqual(refusal(secret, 'syntax'));
    expect(await hasImage(ci.env.docker, target)).toBe(false);
  });

  it('builds when every image it uses is expected, whatever form the expected references are written in', async () => {
    const dir = await folders.create('approved', { Dockerfile: `FROM ${approved}\nCOPY --from=${ci.env.rootImage} /etc/debian_version /v\n` });
    const target = tag('approved');

    const result = images.track(
      await buildImage(ci.env.docker, request(dir, {
        tags: [target],
        expectedImages: [approved.replace(/:latest$/, ''), `docker.io/${ci.env.rootImage}`],
      })),
    );

    expect(result).toMatchObject({ status: 'built', frontend: 'buildkit-0.8' });
    expect(await hasImage(ci.env.docker, target)).toBe(true);
  });
});

async function pullWithCredentials(reference: string): Promise<void> {
  const { host, user, password } = ci.env.registry;
  const stream = await ci.env.docker.pull(reference, { authconfig: { username: user, password, serveraddress: host } });
  await new Promise((resolve, reject) => ci.env.docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve(null))));
}
