import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Who a request is, as Jenkins' security filters decide it. */
export type Identity =
  | { kind: 'api-token'; user: string }
  | { kind: 'session'; user: string; sessionId: string }
  | { kind: 'anonymous' }
  | { kind: 'bad-credentials' };

/** Jetty names the session cookie `JSESSIONID.<hash>`; any fixed suffix does for the simulator. */
export const sessionCookieName = 'JSESSIONID.dockyardsim';

/** The header DefaultCrumbIssuer asks for (hudson/security/csrf/CrumbIssuer.java DEFAULT_CRUMB_NAME). */
export const crumbHeader = 'Jenkins-Crumb';

interface Session {
  user: string;
  crumb: string;
}

/** Jenkins' authentication and CSRF-crumb rules for the simulator's users (name → API token). */
export class SimAuth {
  readonly #users: Record<string, string>;
  readonly #sessions = new Map<string, Session>();
  readonly #salt = randomBytes(32);

  constructor(users: Record<string, string>) {
    this.#users = users;
  }

  /**
   * Basic credentials are checked first and a wrong pair fails the request whatever it asks for
   * (jenkins/security/BasicHeaderProcessor.java → BasicAuthenticationEntryPoint: 401 with
   * `WWW-Authenticate: Basic realm="Jenkins"`); otherwise the session cookie decides.
   */
  identify(request: IncomingMessage): Identity {
    const authorization = request.headers.authorization;
    if (authorization !== undefined && /^basic /i.test(authorization)) {
      const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = decoded.slice(0, colon);
      const token = decoded.slice(colon + 1);
      const expected = this.#users[user];
      if (colon < 0 || expected === undefined || !sameText(expected, token)) return { kind: 'bad-credentials' };
      return { kind: 'api-token', user };
    }
    const sessionId = sessionIdOf(request);
    const session = sessionId === undefined ? undefined : this.#sessions.get(sessionId);
    if (sessionId !== undefined && session !== undefined) return { kind: 'session', user: session.user, sessionId };
    return { kind: 'anonymous' };
  }

  /** Issues a crumb bound to the caller's session, opening one when needed (DefaultCrumbIssuer). */
  issueCrumb(request: IncomingMessage, user: string): { sessionId: string; crumb: string } {
    const existing = sessionIdOf(request);
    const sessionId = existing !== undefined && this.#sessions.get(existing)?.user === user ? existing : randomUUID();
    const crumb = createHmac('sha256', this.#salt).update(`${user}:${sessionId}`).digest('hex');
    this.#sessions.set(sessionId, { user, crumb });
    return { sessionId, crumb };
  }

  /**
   * Whether a POST passes hudson/security/csrf/CrumbFilter.java: requests authenticated by API token are
   * exempt (jenkins/security/ApiCrumbExclusion.java), everyone else needs the crumb of their session.
   */
  passesCrumbFilter(request: IncomingMessage, identity: Identity): boolean {
    if (identity.kind === 'api-token') return true;
    if (identity.kind !== 'session') return false;
    const sent = request.headers[crumbHeader.toLowerCase()];
    const crumb = this.#sessions.get(identity.sessionId)?.crumb;
    return typeof sent === 'string' && crumb !== undefined && sameText(crumb, sent);
  }
}

function sessionIdOf(request: IncomingMessage): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === sessionCookieName && value) return value;
  }
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
