import {
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  ListTagsForResourceCommand,
  type ECRClientConfig,
} from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { createEcrClient } from '../../../src/adapters/ecr/create-ecr-client.ts';
import { ensureRepository } from '../../../src/adapters/ecr/ensure-repository.ts';
import { getRegistryAuth } from '../../../src/adapters/ecr/registry-auth.ts';
import { repositorySettingsSchema } from '../../../src/adapters/ecr/repository-settings.ts';
import { isRetryableEcrError, withRetry } from '../../../src/adapters/ecr/with-retry.ts';
import { OutsideError } from '../../../src/errors.ts';
import { ecrError, mockEcr, recordingSleep } from './ecr-mock.ts';

const name = 'jenkins-agents/base';
const settings = repositorySettingsSchema.parse({});
const half = () => 0.5;
const owner = { catalog: 'example-org/agents', adopt: false };
const arn = 'arn:aws:ecr:eu-west-1:123456789012:repository/jenkins-agents/python';
const password = 'retry-test-password-0123456789';
const token = Buffer.from(`AWS:${password}`).toString('base64');
const authorizationData = [{ authorizationToken: token, expiresAt: new Date('2030-01-01T12:00:00Z'), proxyEndpoint: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com' }];

describe('ECR retries through mocked clients (aws-sdk-client-mock replaces send: the SDK retry middleware never runs)', () => {
  it('retries a ThrottlingException after a jittered backoff, then goes on', async () => {
    const { client, mock, sent } = mockEcr();
    const { delays, sleep } = recordingSleep();
    mock
      .on(DescribeRepositoriesCommand)
      .rejectsOnce(ecrError('ThrottlingException', 400, 'Rate exceeded'))
      .resolves({ repositories: [{ repositoryName: name, repositoryArn: arn }] });
    mock.on(ListTagsForResourceCommand).resolves({ tags: [{ Key: 'dockyard:catalog', Value: owner.catalog }] });
    mock.on(GetLifecyclePolicyCommand).resolves({ lifecyclePolicyText: '{"rules":[]}' });

    await expect(ensureRepository(client, name, settings, owner, { sleep, random: half })).resolves.toEqual({ created: false });

    expect(sent().map((call) => call.command)).toEqual(['DescribeRepositoriesCommand', 'DescribeRepositoriesCommand', 'ListTagsForResourceCommand', 'GetLifecyclePolicyCommand']);
    expect(delays).toEqual([100]);
  });

  it('retries a 503 ServiceUnavailableException, then goes on', async () => {
    const { client, mock, sent } = mockEcr();
    const { delays, sleep } = recordingSleep();
    mock
      .on(GetAuthorizationTokenCommand)
      .rejectsOnce(ecrError('ServiceUnavailableException', 503, 'Service Unavailable'))
      .resolves({ authorizationData });

    await expect(getRegistryAuth(client, { sleep, random: half })).resolves.toMatchObject({ username: 'AWS', password });

    expect(sent()).toEqual([
      { command: 'GetAuthorizationTokenCommand', input: {} },
      { command: 'GetAuthorizationTokenCommand', input: {} },
    ]);
    expect(delays).toEqual([100]);
  });

  it('gives up after 5 attempts, backing off exponentially, with an OutsideError saying what failed', async () => {
    const { client, mock, sent } = mockEcr();
    const { delays, sleep } = recordingSleep();
    mock.on(DescribeRepositoriesCommand).rejects(ecrError('ThrottlingException', 400, 'Rate exceeded'));

    const error = await ensureRepository(client, name, settings, owner, { sleep, random: half }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OutsideError);
    expect(error).toMatchObject({
      system: 'ecr',
      message: 'ECR DescribeRepositories still failed after 5 attempts (ThrottlingException: Rate exceeded); try again later.',
    });
    expect(sent()).toHaveLength(5);
    expect(delays).toEqual([100, 200, 400, 800]);
  });

  it('caps every delay at maxDelayMs and honours a smaller number of attempts', async () => {
    const { delays, sleep } = recordingSleep();
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(ecrError('ServerException', 500, 'boom'));
    };

    await expect(withRetry('ListImages', failing, { attempts: 6, baseDelayMs: 200, maxDelayMs: 1000, sleep, random: () => 0.999 })).rejects.toThrow(
      'ECR ListImages still failed after 6 attempts (ServerException: boom); try again later.',
    );

    expect(calls).toBe(6);
    expect(delays).toEqual([199, 399, 799, 999, 999]);
  });

  it('rethrows errors that are not ECR answers (bugs) at once, unchanged', async () => {
    const bug = new TypeError('cannot read properties of undefined');
    let calls = 0;
    const call = () => {
      calls++;
      return Promise.reject(bug);
    };

    await expect(withRetry('DescribeRepositories', call, { sleep: recordingSleep().sleep })).rejects.toBe(bug);
    expect(calls).toBe(1);
  });

  it.each([
    ['ThrottlingException', ecrError('ThrottlingException', 400), true],
    ['TooManyRequestsException', ecrError('TooManyRequestsException', 429), true],
    ['ServerException (500)', ecrError('ServerException', 500), true],
    ['any 502', ecrError('BadGateway', 502), true],
    ['a dropped connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['a socket timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), true],
    ['a skewed clock the SDK has corrected', Object.assign(ecrError('InvalidSignatureException', 400), { $metadata: { clockSkewCorrected: true } }), true],
    ['a bad signature (wrong secret key)', ecrError('InvalidSignatureException', 400), false],
    ['LimitExceededException (a repository quota, not throttling)', ecrError('LimitExceededException', 400), false],
    ['AccessDeniedException', ecrError('AccessDeniedException', 400), false],
    ['InvalidParameterException', ecrError('InvalidParameterException', 400), false],
  ])('classifies %s as retryable: %s', (_what, error, retryable) => {
    expect(isRetryableEcrError(error)).toBe(retryable);
  });
});

/** A fake HTTP handler for a real ECRClient: the whole SDK stack runs (signing, retry middleware, error parsing). */
function fakeEcrEndpoint(answers: { statusCode: number; body: unknown }[]) {
  const requests: string[] = [];
  const handler = {
    handle: async (request: { headers: Record<string, string> }) => {
      requests.push(request.headers['x-amz-target'] ?? '');
      const answer = answers[Math.min(requests.length - 1, answers.length - 1)]!;
      const body = new TextEncoder().encode(JSON.stringify(answer.body));
      return { response: { statusCode: answer.statusCode, headers: { 'content-type': 'application/x-amz-json-1.1' }, body } };
    },
  };
  return { requests, requestHandler: handler as unknown as NonNullable<ECRClientConfig['requestHandler']> };
}

const throttled = { statusCode: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };
const unavailable = { statusCode: 503, body: { __type: 'ServiceUnavailableException', message: 'Service Unavailable' } };
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('ECR retries through the real SDK stack', () => {
  it('the SDK retries by itself when allowed to (so a second policy on top would multiply attempts)', async () => {
    const { requests, requestHandler } = fakeEcrEndpoint([unavailable]);
    const client = new ECRClient({ region: 'eu-west-1', credentials, requestHandler, maxAttempts: 2 });

    await expect(client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))).rejects.toMatchObject({
      name: 'ServiceUnavailableException',
      $metadata: { attempts: 2 },
    });
    expect(requests).toHaveLength(2);
  });

  it('createEcrClient sends once per call and withRetry retries the parsed ThrottlingException, then succeeds', async () => {
    const ok = { statusCode: 200, body: { repositories: [{ repositoryName: name }] } };
    const { requests, requestHandler } = fakeEcrEndpoint([throttled, throttled, ok]);
    const client = createEcrClient({ region: 'eu-west-1', credentials, requestHandler });
    const { delays, sleep } = recordingSleep();
    const describeBase = () => client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));

    await expect(describeBase()).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400, attempts: 1 } });
    expect(requests).toEqual(['AmazonEC2ContainerRegistry_V20150921.DescribeRepositories']);

    const output = await withRetry('DescribeRepositories', describeBase, { sleep, random: half });
    expect(output.repositories).toEqual([{ repositoryName: name }]);
    expect(requests).toHaveLength(3);
    expect(delays).toEqual([100]);
  });
});
