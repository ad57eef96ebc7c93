import type Dockerode from 'dockerode';

/** What `docker.modem.dial` takes. */
export type DialOptions = Parameters<Dockerode['modem']['dial']>[0];

/**
 * `docker.modem.dial` as a promise. The modem mutates the options it is given (path, query), so
 * callers build a fresh object for every call.
 */
export function dialEngine(docker: Dockerode, options: DialOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}
