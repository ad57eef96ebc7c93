import { Writable } from 'node:stream';

/** Output streams for the CLI that keep what is written, for asserting exact text. */
export function captureOutput(): { out: NodeJS.WriteStream; err: NodeJS.WriteStream; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    }) as unknown as NodeJS.WriteStream;
  return { out: sink((text) => (stdout += text)), err: sink((text) => (stderr += text)), stdout: () => stdout, stderr: () => stderr };
}
