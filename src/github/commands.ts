import { imageNamePattern, tagPattern } from '../jobs/rollback-image.ts';

/** What a `/dockyard …` comment asks for. */
export type DockyardCommand =
  | { kind: 'build'; sha?: string }
  | { kind: 'retry' }
  | { kind: 'help' }
  | { kind: 'rollback'; image: string; tag: string }
  /** A command Dockyard knows, with arguments it does not take. */
  | { kind: 'usage'; name: string; usage: string }
  | { kind: 'unknown'; name: string };

/** Every command, as `/dockyard help` lists it. */
export const commandHelp: readonly { usage: string; description: string }[] = [
  { usage: '/dockyard build [<sha>]', description: 'approve building this pull request\'s head (needed for a fork; write access)' },
  { usage: '/dockyard retry', description: 'run again what failed: the check of an open pull request, the publish and Jenkins registration of a merged one (write access)' },
  { usage: '/dockyard rollback <image> <tag>', description: 'point `latest` and the Jenkins template of an image back at a tag Dockyard published before (write access)' },
  { usage: '/dockyard help', description: 'list these commands' },
];

const usageOf = (name: string): string => commandHelp.find((entry) => entry.usage.startsWith(`/dockyard ${name}`))?.usage ?? '/dockyard help';

/**
 * The command in a comment whose first line starts with `/dockyard`, or undefined for any other
 * comment. The rest of the comment is free text. `/dockyard` alone asks for help.
 */
export function parseCommand(body: string): DockyardCommand | undefined {
  const line = body.trimStart().split(/\r?\n/, 1)[0]?.trim() ?? '';
  const words = line.split(/\s+/);
  if (words[0]?.toLowerCase() !== '/dockyard') return undefined;
  const [name = 'help', ...args] = words.slice(1);
  const usage = { kind: 'usage' as const, name: name.toLowerCase(), usage: usageOf(name.toLowerCase()) };
  switch (name.toLowerCase()) {
    case 'build':
      if (args.length === 0) return { kind: 'build' };
      if (args.length === 1 && /^[0-9a-f]{7,40}$/i.test(args[0] ?? '')) return { kind: 'build', sha: (args[0] ?? '').toLowerCase() };
      return usage;
    case 'retry':
      return args.length === 0 ? { kind: 'retry' } : usage;
    case 'help':
      return { kind: 'help' };
    case 'rollback': {
      const [image = '', tag = ''] = args;
      return args.length === 2 && imageNamePattern.test(image) && tagPattern.test(tag) ? { kind: 'rollback', image, tag } : usage;
    }
    default:
      return { kind: 'unknown', name };
  }
}
