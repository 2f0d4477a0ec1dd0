import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

type Node = Record<string, any>;

const OPENAPI_FILE = resolve(import.meta.dirname, '../../docs/api/openapi.yaml');

/** docs/api/openapi.yaml, parsed once. */
export const OPENAPI: Node = parse(readFileSync(OPENAPI_FILE, 'utf8'));

function deref(node: Node): Node {
  let current = node;
  while (typeof current.$ref === 'string') {
    current = (current.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .reduce((at: Node, part: string) => at?.[part], OPENAPI);
    if (current === undefined) throw new Error(`docs/api/openapi.yaml: ${node.$ref} resolves to nothing`);
  }
  return current;
}

/** What `value` breaks of `schema` (type, required, enum, pattern, minimum, additionalProperties: false), recursively. */
function schemaProblems(schema: Node, value: unknown, at: string): string[] {
  const s = deref(schema);
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : Number.isInteger(value) ? 'integer' : typeof value;
  if (s.type !== undefined && !(s.type === actual || (s.type === 'number' && actual === 'integer'))) return [`${at}: is ${actual}, the document says ${s.type}`];
  const problems: string[] = [];
  if (s.enum && !s.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${s.enum.join(', ')}`);
  if (typeof value === 'string' && s.pattern && !new RegExp(s.pattern).test(value)) problems.push(`${at}: ${JSON.stringify(value)} does not match ${s.pattern}`);
  if (typeof value === 'string' && s.format === 'date-time' && Number.isNaN(Date.parse(value))) problems.push(`${at}: ${JSON.stringify(value)} is not a date-time`);
  if (typeof value === 'number' && s.minimum !== undefined && value < s.minimum) problems.push(`${at}: ${value} is below ${s.minimum}`);
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in object)) problems.push(`${at}: lacks the required ${key}`);
    for (const [key, child] of Object.entries(object)) {
      const property = s.properties?.[key];
      if (property) problems.push(...schemaProblems(property, child, `${at}.${key}`));
      else if (s.additionalProperties === false) problems.push(`${at}: has ${key}, which the document does not list`);
    }
  }
  if (actual === 'array' && s.items) {
    for (const [index, item] of (value as unknown[]).entries()) problems.push(...schemaProblems(s.items, item, `${at}[${index}]`));
  }
  return problems;
}

/**
 * How an answer of the API departs from docs/api/openapi.yaml: a status the operation does not list, a required
 * header missing, a JSON body that breaks the response's schema. An empty list: it conforms.
 */
export function openApiProblems(path: string, method: string, response: { status: number; headers: Headers; body: unknown }): string[] {
  const operation = OPENAPI.paths?.[path]?.[method.toLowerCase()];
  if (!operation) return [`docs/api/openapi.yaml has no ${method} ${path}`];
  const declared = operation.responses[String(response.status)];
  if (!declared) return [`${method} ${path} answered ${response.status}, which docs/api/openapi.yaml does not list (${Object.keys(operation.responses).join(', ')})`];
  const answer = deref(declared);
  const problems: string[] = [];
  for (const [name, header] of Object.entries<Node>(answer.headers ?? {})) {
    if (deref(header).required && !response.headers.has(name)) problems.push(`${response.status}: lacks the required header ${name}`);
  }
  const schema = answer.content?.['application/json']?.schema;
  if (schema) {
    if (!response.headers.get('content-type')?.startsWith('application/json')) problems.push(`${response.status}: content-type is ${response.headers.get('content-type')}`);
    problems.push(...schemaProblems(schema, response.body, `${response.status} body`));
  }
  return problems;
}
