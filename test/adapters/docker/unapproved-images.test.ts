import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../../src/adapters/docker/build-image.ts';
import { hasImage } from '../../../src/adapters/docker/image-store.ts';
import {
  CreatedImages,
  FixtureFolders,
  dockerTestEnv,
  pushToRegistry,
  request,
  untag,
  type DockerTestEnv,
} from './docker-test-env.ts';

// The build is the last line of defence: if Dockyard's reader approved one image and BuildKit goes
// for another, the real engine must stop before anything is tagged. Each request here lists only an
// approved stand-in while its Dockerfile uses a private image of another team on the same registry,
// i.e. what a reader that misread the file would hand the build.

const run = randomBytes(4).toString('hex');
const folders = new FixtureFolders();
const images = new CreatedImages();
let env: DockerTestEnv;
let secret: string;
let approved: string;

beforeAll(async () => {
  env = await dockerTestEnv();
  secret = `${env.registry.host}/teamb/secret:latest`;
  approved = `${env.mirrorPrefix}/jenkins/inbound-agent:latest`;
  const dir = await folders.create('secret', { Dockerfile: `FROM ${env.rootImage}\nRUN echo teamb-${run} > /secret.txt\n` });
  const built = images.track(await buildImage(env.docker, request(dir, { tags: [secret], expectedImages: [env.rootImage] })));
  if (built.status !== 'built') throw new Error(`building the private image failed: ${JSON.stringify(built)}`);
  await pushToRegistry(env, secret);
  await untag(env.docker, secret);
});

afterAll(async () => {
  if (env) {
    await untag(env.docker, secret);
    await images.removeAll(env.docker);
  }
  await folders.cleanup();
});

function credentials() {
  const { host, user, password } = env.registry;
  return [{ registry: host, username: user, password }];
}

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
    const dir = await folders.create('python', { Dockerfile: `FROM ${env.registry.host}/teamb/secret\nRUN cp /secret.txt /leaked.txt\n` });
    const target = tag('pulled');
    await untag(env.docker, secret);

    const result = await buildImage(env.docker, request(dir, { tags: [target], expectedImages: [approved], credentials: credentials() }));

    expect(result).toEqual(refusal(`${env.registry.host}/teamb/secret:latest`, 'python'));
    expect(await hasImage(env.docker, target)).toBe(false);
    expect(await hasImage(env.docker, secret)).toBe(false);
    // The approved stand-in was pulled before the build, by its exact reference.
    expect(await hasImage(env.docker, approved)).toBe(true);
  });

  it('is cancelled the same when the engine already holds the image', async () => {
    await pullWithCredentials(secret);
    expect(await hasImage(env.docker, secret)).toBe(true);
    const dir = await folders.create('python', { Dockerfile: `FROM ${env.registry.host}/teamb/secret\nRUN cp /secret.txt /leaked.txt\n` });
    const target = tag('local');

    const result = await buildImage(env.docker, request(dir, { tags: [target], expectedImages: [approved], credentials: credentials() }));

    expect(result).toEqual(refusal(secret, 'python'));
    expect(await hasImage(env.docker, target)).toBe(false);
  });

  it('is cancelled when only a COPY --from reads the image', async () => {
    await pullWithCredentials(secret);
    const dir = await folders.create('copier', {
      Dockerfile: `FROM ${approved}\nCOPY --from=${env.registry.host}/teamb/secret /secret.txt /leaked.txt\n`,
    });
    const target = tag('copy-from');

    const result = await buildImage(env.docker, request(dir, { tags: [target], expectedImages: [approved] }));

    expect(result).toEqual(refusal(secret, 'copier'));
    expect(await hasImage(env.docker, target)).toBe(false);
  });

  it('is cancelled when a `# syntax=` directive names it as the frontend', async () => {
    await pullWithCredentials(secret);
    const dir = await folders.create('syntax', { Dockerfile: `# syntax=${env.registry.host}/teamb/secret\nFROM ${approved}\n` });
    const target = tag('syntax');

    const result = await buildImage(env.docker, request(dir, { tags: [target], expectedImages: [approved] }));

    expect(result).toEqual(refusal(secret, 'syntax'));
    expect(await hasImage(env.docker, target)).toBe(false);
  });

  it('builds when every image it uses is expected, whatever form the expected references are written in', async () => {
    const dir = await folders.create('approved', { Dockerfile: `FROM ${approved}\nCOPY --from=${env.rootImage} /etc/debian_version /v\n` });
    const target = tag('approved');

    const result = images.track(
      await buildImage(env.docker, request(dir, {
        tags: [target],
        expectedImages: [approved.replace(/:latest$/, ''), `docker.io/${env.rootImage}`],
      })),
    );

    expect(result).toMatchObject({ status: 'built', frontend: 'buildkit-0.8' });
    expect(await hasImage(env.docker, target)).toBe(true);
  });
});

async function pullWithCredentials(reference: string): Promise<void> {
  const { host, user, password } = env.registry;
  const stream = await env.docker.pull(reference, { authconfig: { username: user, password, serveraddress: host } });
  await new Promise((resolve, reject) => env.docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve(null))));
}
