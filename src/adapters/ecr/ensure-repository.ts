import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  PutLifecyclePolicyCommand,
  type CreateRepositoryCommandInput,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { buildLifecyclePolicy } from './lifecycle-policy.ts';
import { movingTag, type RepositorySettings } from './repository-settings.ts';
import { withRetry, type RetryOptions } from './with-retry.ts';

function createInput(name: string, settings: RepositorySettings): CreateRepositoryCommandInput {
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
    tags: [
      { Key: 'managed-by', Value: 'dockyard' },
      ...Object.entries(settings.tags).map(([Key, Value]) => ({ Key, Value })),
    ],
  };
}

async function putLifecyclePolicy(client: ECRClient, name: string, settings: RepositorySettings, retry: RetryOptions): Promise<void> {
  const lifecyclePolicyText = JSON.stringify(buildLifecyclePolicy(settings.lifecycle));
  await withRetry('PutLifecyclePolicy', () => client.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText })), retry);
}

/**
 * Makes sure the ECR repository `name` exists, creating it from `settings` (tag mutability, scan on push,
 * encryption, tags, lifecycle policy) if it does not. An existing repository is left as its maintainers
 * set it, except that a missing lifecycle policy is added: a crash between create and put is repaired.
 */
export async function ensureRepository(
  client: ECRClient,
  name: string,
  settings: RepositorySettings,
  retry: RetryOptions = {},
): Promise<{ created: boolean }> {
  try {
    await withRetry('DescribeRepositories', () => client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] })), {
      ...retry,
      expected: ['RepositoryNotFoundException'],
    });
  } catch (error) {
    if (!(error instanceof Error && error.name === 'RepositoryNotFoundException')) throw error;
    let created = true;
    try {
      await withRetry('CreateRepository', () => client.send(new CreateRepositoryCommand(createInput(name, settings))), {
        ...retry,
        expected: ['RepositoryAlreadyExistsException'],
      });
    } catch (createError) {
      if (!(createError instanceof Error && createError.name === 'RepositoryAlreadyExistsException')) throw createError;
      // Another publisher created it between our describe and create: the repository exists, which is the goal.
      created = false;
    }
    // Also after losing the race: the winner may have stopped before its put, and the policy is the same.
    await putLifecyclePolicy(client, name, settings, retry);
    return { created };
  }
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
