import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  LifecyclePolicyNotFoundException,
  ListTagsForResourceCommand,
  TagResourceCommand,
  PutLifecyclePolicyCommand,
  RepositoryAlreadyExistsException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { EcrNotOwnedError, EcrRejectedError } from '../../../src/adapters/ecr/ecr-errors.ts';
import { ensureRepository } from '../../../src/adapters/ecr/ensure-repository.ts';
import { repositorySettingsSchema } from '../../../src/adapters/ecr/repository-settings.ts';
import { ecrError, mockEcr } from './ecr-mock.ts';

const name = 'jenkins-agents/python';
const arn = `arn:aws:ecr:eu-west-1:123456789012:repository/${name}`;
const owner = { catalog: 'example-org/agents', adopt: false };
const ownTags = [
  { Key: 'managed-by', Value: 'dockyard' },
  { Key: 'dockyard:catalog', Value: 'example-org/agents' },
];
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

    await expect(ensureRepository(client, name, defaults, owner)).resolves.toEqual({ created: true });

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
          tags: ownTags,
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

    await expect(ensureRepository(client, name, settings, owner)).resolves.toEqual({ created: true });

    const [, create, put] = sent();
    expect(create?.input).toEqual({
      repositoryName: name,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'arn:aws:kms:eu-west-1:123456789012:key/abcd' },
      tags: [...ownTags, { Key: 'team', Value: 'platform' }],
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

    await ensureRepository(client, name, repositorySettingsSchema.parse({ tagMutability: 'MUTABLE', encryption: { type: 'KMS' } }), owner);

    expect(sent()[1]?.input).toMatchObject({ imageTagMutability: 'MUTABLE', encryptionConfiguration: { encryptionType: 'KMS' } });
    expect(sent()[1]?.input).not.toHaveProperty('imageTagMutabilityExclusionFilters');
    expect(sent()[1]?.input).not.toHaveProperty('encryptionConfiguration.kmsKey');
  });

  it('leaves an existing repository with a lifecycle policy alone', async () => {
    const { client, mock, sent } = mockEcr();
    mock.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: name, repositoryArn: arn, imageTagMutability: 'MUTABLE' }] });
    mock.on(ListTagsForResourceCommand).resolves({ tags: ownTags });
    mock.on(GetLifecyclePolicyCommand).resolves({ repositoryName: name, lifecyclePolicyText: '{"rules":[]}' });

    await expect(ensureRepository(client, name, defaults, owner)).resolves.toEqual({ created: false });

    expect(sent()).toEqual([
      { command: 'DescribeRepositoriesCommand', input: { repositoryNames: [name] } },
      { command: 'ListTagsForResourceCommand', input: { resourceArn: arn } },
      { command: 'GetLifecyclePolicyCommand', input: { repositoryName: name } },
    ]);
  });

  it('adds the lifecycle policy to an existing repository that has none (a crash between create and put)', async () => {
    const { client, mock, sent } = mockEcr();
    mock.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: name, repositoryArn: arn }] });
    mock.on(ListTagsForResourceCommand).resolves({ tags: ownTags });
    mock.on(GetLifecyclePolicyCommand).rejects(new LifecyclePolicyNotFoundException({ message: 'Lifecycle policy does not exist', ...metadata }));
    mock.on(PutLifecyclePolicyCommand).resolves({});

    await expect(ensureRepository(client, name, defaults, owner)).resolves.toEqual({ created: false });

    expect(sent().map((call) => call.command)).toEqual(['DescribeRepositoriesCommand', 'ListTagsForResourceCommand', 'GetLifecyclePolicyCommand', 'PutLifecyclePolicyCommand']);
    expect(sent()[3]?.input).toEqual({ repositoryName: name, lifecyclePolicyText: JSON.stringify(defaultPolicy) });
  });

  it('takes a concurrent create of its own catalog (RepositoryAlreadyExistsException) as success and still puts the policy', async () => {
    const { client, mock, sent } = mockEcr();
    mock.on(DescribeRepositoriesCommand).rejectsOnce(notFound()).resolves({ repositories: [{ repositoryName: name, repositoryArn: arn }] });
    mock.on(CreateRepositoryCommand).rejects(new RepositoryAlreadyExistsException({ message: 'already exists', ...metadata }));
    mock.on(ListTagsForResourceCommand).resolves({ tags: ownTags });
    mock.on(PutLifecyclePolicyCommand).resolves({});

    await expect(ensureRepository(client, name, defaults, owner)).resolves.toEqual({ created: false });

    expect(sent().map((call) => call.command)).toEqual([
      'DescribeRepositoriesCommand',
      'CreateRepositoryCommand',
      'DescribeRepositoriesCommand',
      'ListTagsForResourceCommand',
      'PutLifecyclePolicyCommand',
    ]);
  });

  it('turns a refusal retrying cannot fix into an EcrRejectedError naming the IAM action, without retrying', async () => {
    const { client, mock, sent } = mockEcr();
    mock.on(DescribeRepositoriesCommand).rejects(notFound());
    mock.on(CreateRepositoryCommand).rejects(ecrError('AccessDeniedException', 400, 'User: arn:aws:sts::123:assumed-role/dockyard is not authorized'));

    const error = await ensureRepository(client, name, defaults, owner).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EcrRejectedError);
    expect(error).toMatchObject({ operation: 'CreateRepository', code: 'AccessDeniedException' });
    expect((error as Error).message).toBe(
      "ECR refused CreateRepository: AccessDeniedException: User: arn:aws:sts::123:assumed-role/dockyard is not authorized. Grant the app's IAM role ecr:CreateRepository.",
    );
    expect(sent().map((call) => call.command)).toEqual(['DescribeRepositoriesCommand', 'CreateRepositoryCommand']);
  });
});

describe('ensureRepository between catalogs', () => {
  const teamA = { catalog: 'example-org/team-a', adopt: false };
  const teamB = { catalog: 'example-org/team-b', adopt: false };

  it("refuses repository B's publish into repository A's ECR repository and leaves it untouched", async () => {
    const { client, mock, sent } = mockEcr();
    mock.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: name, repositoryArn: arn }] });
    mock.on(ListTagsForResourceCommand).resolves({ tags: [{ Key: 'managed-by', Value: 'dockyard' }, { Key: 'dockyard:catalog', Value: teamA.catalog }] });

    const error = await ensureRepository(client, name, defaults, teamB).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EcrNotOwnedError);
    expect((error as Error).message).toBe(
      `The ECR repository ${name} belongs to the catalog example-org/team-a, not example-org/team-b; Dockyard publishes nothing there. Use a prefix of your own, as your Dockyard operator granted it.`,
    );
    // Only reads: no lifecycle policy, no tags, no settings written to A's repository.
    expect(sent()).toEqual([
      { command: 'DescribeRepositoriesCommand', input: { repositoryNames: [name] } },
      { command: 'ListTagsForResourceCommand', input: { resourceArn: arn } },
    ]);
  });

  it('refuses a repository that lost a create race to another catalog, before putting any policy', async () => {
    const { client, mock, sent } = mockEcr();
    mock.on(DescribeRepositoriesCommand).rejectsOnce(notFound()).resolves({ repositories: [{ repositoryName: name, repositoryArn: arn }] });
    mock.on(CreateRepositoryCommand).rejects(new RepositoryAlreadyExistsException({ message: 'already exists', ...metadata }));
    mock.on(ListTagsForResourceCommand).resolves({ tags: [{ Key: 'dockyard:catalog', Value: teamA.catalog }] });

    await expect(ensureRepository(client, name, defaults, teamB)).rejects.toBeInstanceOf(EcrNotOwnedError);
    expect(sent().map((call) => call.command)).not.toContain('PutLifecyclePolicyCommand');
  });

  it('refuses an untagged repository unless the grant adopts, then tags it as the catalog\'s', async () => {
    const untagged = () => {
      const ecr = mockEcr();
      ecr.mock.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: name, repositoryArn: arn }] });
      ecr.mock.on(ListTagsForResourceCommand).resolves({ tags: [{ Key: 'team', Value: 'platform' }] });
      return ecr;
    };
    const refused = untagged();
    await expect(ensureRepository(refused.client, name, defaults, teamA)).rejects.toThrow(
      `The ECR repository ${name} exists but Dockyard did not create it for any catalog, so it publishes nothing there. If it is example-org/team-a's to take over, ask your Dockyard operator to set \`adopt: true\` on the grant.`,
    );
    expect(refused.sent().map((call) => call.command)).toEqual(['DescribeRepositoriesCommand', 'ListTagsForResourceCommand']);

    const adopted = untagged();
    adopted.mock.on(TagResourceCommand).resolves({});
    adopted.mock.on(GetLifecyclePolicyCommand).resolves({ lifecyclePolicyText: '{"rules":[]}' });
    await expect(ensureRepository(adopted.client, name, defaults, { ...teamA, adopt: true })).resolves.toEqual({ created: false });
    expect(adopted.sent()[2]).toEqual({
      command: 'TagResourceCommand',
      input: { resourceArn: arn, tags: [{ Key: 'managed-by', Value: 'dockyard' }, { Key: 'dockyard:catalog', Value: 'example-org/team-a' }] },
    });
  });

  it('does not let a repository config set the catalog tag itself', () => {
    const result = repositorySettingsSchema.safeParse({ tags: { 'dockyard:catalog': 'example-org/team-a', 'managed-by': 'me' } });
    expect(result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'tags.dockyard:catalog: is a tag Dockyard sets itself (it marks which catalog owns the repository)',
      'tags.managed-by: is a tag Dockyard sets itself (it marks which catalog owns the repository)',
    ]);
  });
});
