import { ECRClient, ECRServiceException } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';

/** An ECR client whose `send` is mocked: any command without its own `.on(...)` fails the test. */
export function mockEcr() {
  const client = new ECRClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const mock = mockClient(client);
  mock.onAnyCommand().rejects(new Error('unexpected ECR command'));
  /** Every command sent, in order, by class name with its exact input. */
  const sent = () =>
    mock.calls().map((call) => {
      const command = call.args[0] as { constructor: { name: string }; input: unknown };
      return { command: command.constructor.name, input: command.input };
    });
  return { client, mock, sent };
}

/** An error as the SDK deserializes it from an ECR answer (unmodeled codes such as ThrottlingException too). */
export function ecrError(name: string, httpStatusCode: number, message = `${name} from the test`): ECRServiceException {
  return new ECRServiceException({
    name,
    message,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, requestId: 'test-request' },
  });
}

/** A sleep that records the delays asked for instead of waiting. */
export function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}
