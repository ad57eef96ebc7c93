import type Dockerode from 'dockerode';
import type DockerModem from 'docker-modem';

/**
 * `docker.modem.dial` as a promise. The modem mutates the options it is given (path, query), so
 * callers build a fresh object for every call.
 */
export function dialEngine(docker: Dockerode, options: DockerModem.DialOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}
