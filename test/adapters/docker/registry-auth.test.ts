import { describe, expect, it } from 'vitest';
import { credentialForHost } from '../../../src/adapters/docker/registry-auth.ts';

const ecr = { registry: '123.dkr.ecr.eu-west-1.amazonaws.com', username: 'AWS', password: 'ecr-token' };
const local = { registry: '127.0.0.1:5000', username: 'AWS', password: 'local-password' };
const hub = { registry: 'docker.io', username: 'hub-user', password: 'hub-token' };

describe('credentialForHost', () => {
  it('answers only the host the credential was given for', () => {
    expect(credentialForHost('127.0.0.1:5000', [ecr, local])).toBe(local);
    expect(credentialForHost('123.dkr.ecr.eu-west-1.amazonaws.com', [ecr, local])).toBe(ecr);
    expect(credentialForHost('127.0.0.1:5001', [ecr, local])).toBeUndefined();
    expect(credentialForHost('127.0.0.1', [ecr, local])).toBeUndefined();
    expect(credentialForHost('evil.example.com', [ecr, local])).toBeUndefined();
    expect(credentialForHost('123.dkr.ecr.eu-west-1.amazonaws.com.evil.example.com', [ecr])).toBeUndefined();
  });

  it('treats the names Docker Hub answers under as one host', () => {
    expect(credentialForHost('registry-1.docker.io', [local, hub])).toBe(hub);
    expect(credentialForHost('index.docker.io', [hub])).toBe(hub);
    expect(credentialForHost('registry-1.docker.io', [local])).toBeUndefined();
  });

  it('ignores case and a scheme written into the credential', () => {
    expect(credentialForHost('Registry.Example.com', [{ ...ecr, registry: 'https://registry.example.com' }])).toMatchObject({
      password: 'ecr-token',
    });
  });
});
