import { z } from 'zod';
import { configSchema } from './schema.ts';

/** Where the checked-in schema lives, and the address editors fetch it from. */
export const configSchemaFile = 'schema/dockyard.schema.json';

/**
 * The JSON Schema of `.github/dockyard.yml`, generated from the zod schema Dockyard validates with, so
 * editors complete and check the file the way Dockyard reads it. Draft-07, which YAML language servers
 * support; input types, since every field with a default may be left out.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'urn:dockyard:config:dockyard.yml',
    title: 'Dockyard repository config (.github/dockyard.yml)',
    description: 'The policy and settings Dockyard reads from the default branch. See the README, "Configuration".',
  };
}
