import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  LifecyclePolicyNotFoundException,
  PutLifecyclePolicyCommand,
  RepositoryAlreadyExistsException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { EcrRejectedError } from '../../../src/adapters/ecr/ecr-errors.ts';
import { ensureRepository } from '../../../src/adapters/ecr/ensure-repository.ts';
import { repositorySettingsSchema } from '../../../src/adapters/ecr/repository-settings.ts';
import { ecrError, mockEcr } from './ecr-mock.ts';

const name = 'jenkins-agents/python';
const defaults = repositorySettingsSchema.parse({});
const metadata = { $metadata: { httpStatusCode: 400 } };
const notFound = () => new RepositoryNotFoundException({ message: `The repository with name '${name}' does not exist`, ...metadata });

/** The policy the defaults produce, written out by hand so a change to the builder shows here. */
const defaultPolicy = {
  rules: [
    {
      rulePriority: 1,
      description: 'Never expire latest: children build FROM it',
      selection: { tagStatus: 'tagged', tagPatternList: ['latest'], countType: 'imageCountMoreThan', countNumber: 1 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      description: 'Expire untagged images 14 days after push',
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 3,
      description: 'Keep the last 50 images tagged sha-*',
      selection: { tagStatus: 'tagged', tagPatternList: ['sha-*'], countType: 'imageCountMoreThan', countNumber: 50 },
      action: { type: 'expire' },
    },
  ],
};

describe('repositorySettingsSchema', () => {
  it('documents its defaults: immutable tags but latest, scan on push, AES256, a lifecycle keeping latest', () => {
    expect(defaults).toEqual({
      tagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      scanOnPush: true,
      encryption: { type: 'AES256' },
      tags: {},
      lifecycle: { untaggedExpireDays: 14, keepTagged: 50, commitTagPattern: 'sha-*' },
    });
  });

  it('rejects settings ECR would refuse, naming the field', () => {
    const result = repositorySettingsSchema.safeParse({ lifecycle: { commitTagPattern: 'a*b*c*d*e*' }, encryption: { type: 'KMS', kmsKey: '' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['encryption.kmsKey', 'Too small: expected string to have >=1 characters'],
      ['lifecycle.commitTagPattern', 'must contain at most four `*` wildcards (an ECR limit)'],
    ]);
  });
});

describe('ensureRepository', () => {
  it('creates a missing repository with the defaults, then puts the lifecycle policy', async () => {
    const { client, mock, sent } = mockEcr();
    mock.on(DescribeRepositoriesCommand).rejects(notFound());
    mock.on(CreateRepositoryCommand).resolves({ repository: { repositoryName: name } });
    mock.on(PutLifecyclePolicyCommand).resolves({ repositoryName: name });

    await expect(ensureRepository(client, name, defaults)).resolves.toEqual({ created: true });

    expect(sent()).toEqual([
      { command: 'DescribeRepositoriesCommand', input: { repositoryNames: [name] } },
      {
        command: 'CreateRepositoryCommand',
        input: {
          repositoryName: name,
          imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
          imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest' }],
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfiguration: { encryptionType: 'AES256' },
          tags: [{ Key: 'managed-by', Value: 'dockyard' }],
        },
      },
      { command: 'PutLifecyclePolicyCommand', input: { repositoryName: name, lifecyclePolicyText: JSON.stringify(defaultPolicy) } },
    ]);
  });

  it('creates with IMMUTABLE, KMS, tags and lifecycle settings as given (no exclusion filter)', async () => {
    const { client, mock, sent } = mockEcr();
    mock.on(DescribeRepositoriesCommand).rejects(notFound());
    mock.on(CreateRepositoryCommand).resolves({});
    mock.on(PutLifecyclePolicyCommand).resolves({});
    const settings = repositorySettingsSchema.parse({
      tagMutability: 'IMMUTABLE',
      scanOnPush: false,
      encryption: { type: 'KMS', kmsKey: 'arn:aws:kms:eu-west-1:123456789012:key/abcd' },
      tags: { team: 'platform' },
      lifecycle: { untaggedExpireDays: 3, keepTagged: 10, commitTagPattern: 'sha-*' },
    });

    await expect(ensureRepository(client, name, settings)).resolves.toEqual({ created: true });

    const [, create, put] = sent();
    expect(create?.input).toEqual({
      repositoryName: name,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'arn:aws:kms:eu-west-1:123456789012:key/abcd' },
      tags: [
        { Key: 'managed-by', Value: 'dockyard' },
        { Key: 'team', Value: 'platform' },
      ],
    });
    const policy = JSON.parse((put?.input as { lifecyclePolicyText: string }).lifecyclePolicyText) as typeof defaultPolicy;
    expect(policy.rules.map((rule) => [rule.rulePriority, rule.selection])).toEqual([
      [1, { tagStatus: 'tagged', tagPatternList: ['latest'], countType: 'imageCountMoreThan', countNumber: 1 }],
      [2, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 3 }],
      [3, { tagStatus: 'tagged', tagPatternList: ['sha-*'], countType: 'imageCountMoreThan', countNumber: 10 }],
    ]);
  });

  it('creates MUTABLE repositories, and KMS without a key (the AWS-managed one), when asked', async () => {
    const { client, mock, sent } = mockEcr();
    mock.on(DescribeRepositoriesCommand).rejects(notFound());
    mock.on(CreateRepositoryCommand).resolves({});
    mock.on(PutLifecyclePolicyCommand).resolves({});

    await ensureRepository(client, name, repositorySettingsSchema.parse({ tagMutability: 'MUTABLE', encryption: { type: 'KMS' } }));

    expect(sent()[1]?.input).toMatchObject({ imageTagMutability: 'MUTABLE', encryptionConfiguration: { encryptionType: 'KMS' } });
    expect(sent()[1]?.input).not.toHaveProperty('imageTagMutabilityExclusionFilters');
    expect(sent()[1]?.input).not.toHaveProperty('encryptionConfiguration.kmsKey');
  });

  it('leaves an existing repository with a lifecycle policy alone', async () => {
    const { client, mock, sent } = mockEcr();
    mock.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: name, imageTagMutability: 'MUTABLE' }] });
    mock.on(GetLifecyclePolicyCommand).resolves({ repositoryName: name, lifecyclePolicyText: '{"rules":[]}' });

    await expect(ensureRepository(client, name, defaults)).resolves.toEqual({ created: false });

    expect(sent()).toEqual([
      { command: 'DescribeRepositoriesCommand', input: { repositoryNames: [name] } },
      { command: 'GetLifecyclePolicyCommand', input: { repositoryName: name } },
    ]);
  });

  it('adds the lifecycle policy to an existing repository that has none (a crash between create and put)', async () => {
    const { client, mock, sent } = mockEcr();
    mock.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: name }] });
    mock.on(GetLifecyclePolicyCommand).rejects(new LifecyclePolicyNotFoundException({ message: 'Lifecycle policy does not exist', ...metadata }));
    mock.on(PutLifecyclePolicyCommand).resolves({});

    await expect(ensureRepository(client, name, defaults)).resolves.toEqual({ created: false });

    expect(sent().map((call) => call.command)).toEqual(['DescribeRepositoriesCommand', 'GetLifecyclePolicyCommand', 'PutLifecyclePolicyCommand']);
    expect(sent()[2]?.input).toEqual({ repositoryName: name, lifecyclePolicyText: JSON.stringify(defaultPolicy) });
  });

  it('takes a concurrent create (RepositoryAlreadyExistsException) as success and still puts the policy', async () => {
    const { client, mock, sent } = mockEcr();
    mock.on(DescribeRepositoriesCommand).rejects(notFound());
    mock.on(CreateRepositoryCommand).rejects(new RepositoryAlreadyExistsException({ message: 'already exists', ...metadata }));
    mock.on(PutLifecyclePolicyCommand).resolves({});

    await expect(ensureRepository(client, name, defaults)).resolves.toEqual({ created: false });

    expect(sent().map((call) => call.command)).toEqual(['DescribeRepositoriesCommand', 'CreateRepositoryCommand', 'PutLifecyclePolicyCommand']);
  });

  it('turns a refusal retrying cannot fix into an EcrRejectedError naming the IAM action, without retrying', async () => {
    const { client, mock, sent } = mockEcr();
    mock.on(DescribeRepositoriesCommand).rejects(notFound());
    mock.on(CreateRepositoryCommand).rejects(ecrError('AccessDeniedException', 400, 'User: arn:aws:sts::123:assumed-role/dockyard is not authorized'));

    const error = await ensureRepository(client, name, defaults).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EcrRejectedError);
    expect(error).toMatchObject({ operation: 'CreateRepository', code: 'AccessDeniedException' });
    expect((error as Error).message).toBe(
      "ECR refused CreateRepository: AccessDeniedException: User: arn:aws:sts::123:assumed-role/dockyard is not authorized. Grant the app's IAM role ecr:CreateRepository.",
    );
    expect(sent().map((call) => call.command)).toEqual(['DescribeRepositoriesCommand', 'CreateRepositoryCommand']);
  });
});
