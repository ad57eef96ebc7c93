import { GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { forgetRegistryAuth, getRegistryAuth } from '../../../src/adapters/ecr/registry-auth.ts';
import { OutsideError } from '../../../src/errors.ts';
import { redact } from '../../../src/logging/secrets.ts';
import { mockEcr } from './ecr-mock.ts';

const newPassword = () => `ecr-password-${randomBytes(24).toString('hex')}`;
const tokenFor = (password: string) => Buffer.from(`AWS:${password}`).toString('base64');
const expiresAt = new Date('2030-01-01T12:00:00Z');
const proxyEndpoint = 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const at = (iso: string) => () => new Date(iso);

describe('getRegistryAuth', () => {
  it('decodes the ECR token into registry host, user AWS and password, from one GetAuthorizationToken', async () => {
    const { client, mock, sent } = mockEcr();
    const password = newPassword();
    mock.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: tokenFor(password), expiresAt, proxyEndpoint }] });

    await expect(getRegistryAuth(client)).resolves.toEqual({
      registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      username: 'AWS',
      password,
      expiresAt,
      endpoint: proxyEndpoint,
    });
    expect(sent()).toEqual([{ command: 'GetAuthorizationTokenCommand', input: {} }]);
  });

  it('registers the password and the token for redaction', async () => {
    const { client, mock } = mockEcr();
    const password = newPassword();
    mock.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: tokenFor(password), expiresAt, proxyEndpoint }] });
    expect(redact(`docker login -p ${password}`)).toBe(`docker login -p ${password}`);

    await getRegistryAuth(client);

    expect(redact(`docker login --username AWS -p ${password} ${proxyEndpoint}`)).toBe(`docker login --username AWS -p [REDACTED] ${proxyEndpoint}`);
    expect(redact(`Authorization: Basic ${tokenFor(password)}`)).toBe('Authorization: Basic [REDACTED]');
  });

  it('keeps the host and port of a plain-HTTP proxy endpoint (the local test registry)', async () => {
    const { client, mock } = mockEcr();
    mock.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: tokenFor(newPassword()), expiresAt, proxyEndpoint: 'http://127.0.0.1:5000/' }],
    });

    await expect(getRegistryAuth(client)).resolves.toMatchObject({ registry: '127.0.0.1:5000', endpoint: 'http://127.0.0.1:5000' });
  });

  it('serves the cached token until 5 minutes before it expires, then asks again', async () => {
    const { client, mock, sent } = mockEcr();
    const first = newPassword();
    const second = newPassword();
    mock
      .on(GetAuthorizationTokenCommand)
      .resolvesOnce({ authorizationData: [{ authorizationToken: tokenFor(first), expiresAt, proxyEndpoint }] })
      .resolves({ authorizationData: [{ authorizationToken: tokenFor(second), expiresAt: new Date('2030-01-02T00:00:00Z'), proxyEndpoint }] });

    expect((await getRegistryAuth(client, { now: at('2030-01-01T00:00:00Z') })).password).toBe(first);
    expect((await getRegistryAuth(client, { now: at('2030-01-01T11:54:59Z') })).password).toBe(first);
    expect(sent()).toHaveLength(1);
    expect((await getRegistryAuth(client, { now: at('2030-01-01T11:55:00Z') })).password).toBe(second);
    expect(sent()).toHaveLength(2);
  });

  it('asks once for callers that arrive together, and again after forgetRegistryAuth', async () => {
    const { client, mock, sent } = mockEcr();
    mock.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: tokenFor(newPassword()), expiresAt, proxyEndpoint }] });
    const now = at('2030-01-01T00:00:00Z');

    const [a, b] = await Promise.all([getRegistryAuth(client, { now }), getRegistryAuth(client, { now })]);
    expect(a).toBe(b);
    expect(sent()).toHaveLength(1);

    forgetRegistryAuth(client);
    await getRegistryAuth(client, { now });
    expect(sent()).toHaveLength(2);
  });

  it('fails with an OutsideError, the password already redacted, when the answer is unusable', async () => {
    const { client, mock } = mockEcr();
    const password = newPassword();
    mock.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: tokenFor(password), expiresAt, proxyEndpoint: 'not a url' }] });

    const error = await getRegistryAuth(client).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OutsideError);
    expect((error as Error).message).toMatch(/^ECR GetAuthorizationToken answered unexpected authorization data \(.*proxyEndpoint.*\); try again later\.$/);
    expect((error as Error).message).not.toContain(password);
    expect(redact(password)).toBe('[REDACTED]');
  });

  it.each([
    ['no authorization data', {}, 'ECR GetAuthorizationToken answered without an authorization token; try again later.'],
    [
      'a token that is not user:password',
      { authorizationData: [{ authorizationToken: Buffer.from('no-colon-in-this-token').toString('base64'), expiresAt, proxyEndpoint }] },
      'ECR GetAuthorizationToken answered with a token that is not base64 "user:password"; try again later.',
    ],
  ])('fails with an OutsideError on %s', async (_what, output, message) => {
    const { client, mock } = mockEcr();
    mock.on(GetAuthorizationTokenCommand).resolves(output);

    await expect(getRegistryAuth(client)).rejects.toThrow(new OutsideError('ecr', message));
  });
});
