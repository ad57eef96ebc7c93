// Rewrites schema/dockyard.schema.json from the zod config schema. Run it after changing
// src/config/schema.ts:  node test/config/write-config-schema.ts  (config-json-schema.test.ts fails until then).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { configJsonSchema, configSchemaFile } from '../../src/config/config-json-schema.ts';

writeFileSync(path.resolve(import.meta.dirname, '../..', configSchemaFile), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
