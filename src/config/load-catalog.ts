import { FlightdeckError } from '../errors/flightdeck-error.js';
import { catalogSchema, type Catalog } from './catalog-schema.js';
import { readYamlFile, type YamlFileResult } from './read-yaml-file.js';

const MISSING_FIX = 'create it (flightdeck.example.yaml shows the shape), or point FLIGHTDECK_CONFIG at it';

/** Reads and validates the catalog file without throwing: every problem comes back in `problems`. */
export function readCatalog(file: string): Promise<YamlFileResult<Catalog>> {
  return readYamlFile(file, catalogSchema, MISSING_FIX);
}

/**
 * Reads and validates the catalog (`flightdeck.yaml`). It does not look at checklist files; loadConfig does.
 *
 * @throws FlightdeckError `config-invalid` whose message has one line per problem:
 *   `<file>:<line>:<col> <key.path>: <problem> — <fix>`.
 */
export async function loadCatalog(file: string): Promise<Catalog> {
  const { value, problems } = await readCatalog(file);
  if (!value) throw new FlightdeckError('config-invalid', problems.join('\n'));
  return value;
}
