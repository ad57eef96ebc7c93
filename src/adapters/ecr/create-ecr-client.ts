import { ECRClient, type ECRClientConfig } from '@aws-sdk/client-ecr';

/**
 * The ECR client every Dockyard ECR call goes through. The SDK's own retries are off (`maxAttempts: 1`):
 * `withRetry` is the one retry policy, so attempts do not multiply (SDK × ours) and the tests, which mock
 * `send` and so bypass the SDK's retry middleware, exercise the policy production runs.
 */
export function createEcrClient(config: Omit<ECRClientConfig, 'maxAttempts' | 'retryStrategy' | 'retryMode'> = {}): ECRClient {
  return new ECRClient({ ...config, maxAttempts: 1 });
}
