import { getTransformStream } from '@probot/pino';
import { pino, type Logger } from 'pino';
import { withDotEnv } from '../config/dot-env.ts';
import { redact, redactedMarker } from '../logging/secrets.ts';

// Request fields Probot's access log (pino-http) would write as they arrived: it serializes the request
// when the request comes in, before any handler runs, so the URL still holds a served document's
// capability and the headers a bearer token or a cookie.
const secretHeaders = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key'];
const redactedPaths = ['req.url', ...secretHeaders.map((header) => `req.headers["${header}"]`), 'res.headers["set-cookie"]'];

// An Authorization scheme's credentials wherever a line names them (an error echoing a request, say).
const credentials = /\b(Bearer|Basic) [A-Za-z0-9._~+/-]{8,}=*/g;

/** A log line, or any text, with every registered secret, served URL capability and sent credential hidden. */
export function redactLogLine(line: string): string {
  return redact(line).replace(credentials, `$1 ${redactedMarker}`);
}

/**
 * The logger Probot's `run()` would make from `LOG_LEVEL`, `LOG_FORMAT`, `LOG_LEVEL_IN_STRING`,
 * `LOG_MESSAGE_KEY` and `SENTRY_DSN` (read from the environment and `.env`, as Probot does), formatted the
 * same way, except that every record is redacted before it is written, formatted or sent to Sentry:
 * request URLs lose a served document's capability and requests lose their credential headers, in the
 * JSON record as in the message.
 */
export async function redactingLog(env: NodeJS.ProcessEnv = withDotEnv()): Promise<Logger> {
  const logFormat = env['LOG_FORMAT'] ? (env['LOG_FORMAT'] === 'pretty' ? 'pretty' : 'json') : env['NODE_ENV'] === 'production' ? 'json' : 'pretty';
  const transform = await getTransformStream({
    logFormat,
    logLevelInString: env['LOG_LEVEL_IN_STRING'] === 'true',
    ...(env['SENTRY_DSN'] ? { sentryDsn: env['SENTRY_DSN'] } : {}),
  });
  transform.pipe(pino.destination(1) as unknown as NodeJS.WritableStream);
  return pino(
    {
      level: env['LOG_LEVEL'] || 'info',
      name: 'probot',
      messageKey: env['LOG_MESSAGE_KEY'] || 'msg',
      redact: { paths: redactedPaths, censor: (value: unknown, at: string[]) => (at.at(-1) === 'url' ? redactLogLine(String(value)) : redactedMarker) },
      hooks: { streamWrite: redactLogLine },
    },
    transform,
  );
}
