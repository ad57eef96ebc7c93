import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  ListTagsForResourceCommand,
  PutLifecyclePolicyCommand,
  TagResourceCommand,
  type CreateRepositoryCommandInput,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { EcrNotOwnedError } from './ecr-errors.ts';
import { buildLifecyclePolicy } from './lifecycle-policy.ts';
import { catalogTag, managedByTag, movingTag, type RepositorySettings } from './repository-settings.ts';
import { withRetry, type RetryOptions } from './with-retry.ts';

/** Whose ECR repositories these are: the catalog (`owner/repo`) and whether untagged ones may be taken over. */
export interface RepositoryOwner {
  catalog: string;
  /** Take over an existing repository that carries no catalog tag (the operator's grant says `adopt: true`). */
  adopt: boolean;
}

function ownerTags(owner: RepositoryOwner): { Key: string; Value: string }[] {
  return [
    { Key: managedByTag, Value: 'dockyard' },
    { Key: catalogTag, Value: owner.catalog },
  ];
}

function createInput(name: string, settings: RepositorySettings, owner: RepositoryOwner): CreateRepositoryCommandInput {
  const { encryption } = settings;
  return {
    repositoryName: name,
    imageTagMutability: settings.tagMutability,
    ...(settings.tagMutability === 'IMMUTABLE_WITH_EXCLUSION'
      ? { imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: movingTag }] }
      : {}),
    imageScanningConfiguration: { scanOnPush: settings.scanOnPush },
    encryptionConfiguration:
      encryption.type === 'KMS'
        ? { encryptionType: 'KMS', ...(encryption.kmsKey === undefined ? {} : { kmsKey: encryption.kmsKey }) }
        : { encryptionType: 'AES256' },
    tags: [...ownerTags(owner), ...Object.entries(settings.tags).map(([Key, Value]) => ({ Key, Value }))],
  };
}

async function putLifecyclePolicy(client: ECRClient, name: string, settings: RepositorySettings, retry: RetryOptions): Promise<void> {
  const lifecyclePolicyText = JSON.stringify(buildLifecyclePolicy(settings.lifecycle));
  await withRetry('PutLifecyclePolicy', () => client.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText })), retry);
}

/**
 * Checks that an existing repository is this catalog's to write, by Dockyard's catalog tag. An untagged
 * one is taken over only when the owner may adopt; any other catalog's is refused, untouched.
 */
async function claimExisting(client: ECRClient, name: string, arn: string | undefined, owner: RepositoryOwner, retry: RetryOptions): Promise<void> {
  if (arn === undefined) throw new EcrNotOwnedError(name, `ECR did not say which repository ${name} is, so Dockyard cannot tell whose it is; it publishes nothing there.`);
  const listed = await withRetry('ListTagsForResource', () => client.send(new ListTagsForResourceCommand({ resourceArn: arn })), retry);
  const tagged = listed.tags?.find((tag) => tag.Key === catalogTag)?.Value;
  if (tagged === owner.catalog) return;
  if (tagged !== undefined) {
    throw new EcrNotOwnedError(
      name,
      `The ECR repository ${name} belongs to the catalog ${tagged}, not ${owner.catalog}; Dockyard publishes nothing there. Use a prefix of your own, as your Dockyard operator granted it.`,
    );
  }
  if (!owner.adopt) {
    throw new EcrNotOwnedError(
      name,
      `The ECR repository ${name} exists but Dockyard did not create it for any catalog, so it publishes nothing there. If it is ${owner.catalog}'s to take over, ask your Dockyard operator to set \`adopt: true\` on the grant.`,
    );
  }
  await withRetry('TagResource', () => client.send(new TagResourceCommand({ resourceArn: arn, tags: ownerTags(owner) })), retry);
}

/**
 * Makes sure the ECR repository `name` exists and belongs to the owner's catalog, creating it from `settings`
 * (tag mutability, scan on push, encryption, tags, lifecycle policy) with the catalog's tag if it does not. An
 * existing repository of the catalog is left as its maintainers set it, except that a missing lifecycle policy
 * is added: a crash between create and put is repaired. Another catalog's repository is an EcrNotOwnedError,
 * and nothing is written to it.
 */
export async function ensureRepository(
  client: ECRClient,
  name: string,
  settings: RepositorySettings,
  owner: RepositoryOwner,
  retry: RetryOptions = {},
): Promise<{ created: boolean }> {
  let arn: string | undefined;
  try {
    const described = await withRetry('DescribeRepositories', () => client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] })), {
      ...retry,
      expected: ['RepositoryNotFoundException'],
    });
    arn = described.repositories?.[0]?.repositoryArn;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'RepositoryNotFoundException')) throw error;
    let created = true;
    try {
      await withRetry('CreateRepository', () => client.send(new CreateRepositoryCommand(createInput(name, settings, owner))), {
        ...retry,
        expected: ['RepositoryAlreadyExistsException'],
      });
    } catch (createError) {
      if (!(createError instanceof Error && createError.name === 'RepositoryAlreadyExistsException')) throw createError;
      // Someone created it between our describe and create: it is ours only if it carries our catalog's tag.
      const described = await withRetry('DescribeRepositories', () => client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] })), retry);
      await claimExisting(client, name, described.repositories?.[0]?.repositoryArn, owner, retry);
      created = false;
    }
    // Also after losing the race: the winner may have stopped before its put, and the policy is the same.
    await putLifecyclePolicy(client, name, settings, retry);
    return { created };
  }
  await claimExisting(client, name, arn, owner, retry);
  try {
    await withRetry('GetLifecyclePolicy', () => client.send(new GetLifecyclePolicyCommand({ repositoryName: name })), {
      ...retry,
      expected: ['LifecyclePolicyNotFoundException'],
    });
  } catch (error) {
    if (!(error instanceof Error && error.name === 'LifecyclePolicyNotFoundException')) throw error;
    await putLifecyclePolicy(client, name, settings, retry);
  }
  return { created: false };
}
