import type { z } from 'zod';

/*
 * Zod's "unrecognized key" issue names the stray key but not the keys that would have been accepted, and
 * the reader needs those to fix a typo. So we walk the schema along the path, choosing union
 * members by their literal fields (`kind: step`, `action: wait-rollout`) against the data.
 */

interface LooseDef {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  options?: readonly z.core.$ZodType[];
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  getter?: () => z.core.$ZodType;
  values?: readonly unknown[];
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'catch']);

/** The keys the object schema at `path` accepts, in declaration order; undefined where that is not an object. */
export function allowedKeysAt(schema: z.core.$ZodType, data: unknown, path: readonly PropertyKey[]): string[] | undefined {
  const at = walk(schema, data, path);
  const object = at && objectFor(at.schema, at.value);
  return object ? Object.keys(defOf(object).shape ?? {}) : undefined;
}

/**
 * What picked the object schema at `path` out of a union, as `action "traffic"`: the last literal field of
 * the chosen member (a step's `action` comes after its `kind`). Undefined where no union chose it.
 */
export function variantAt(schema: z.core.$ZodType, data: unknown, path: readonly PropertyKey[]): string | undefined {
  const at = walk(schema, data, path);
  const object = at && objectFor(at.schema, at.value);
  if (!at || !object || object === unwrap(at.schema) || !isRecord(at.value)) return undefined;
  const literals = Object.entries(defOf(object).shape ?? {}).filter(([, field]) => defOf(field).type === 'literal');
  const key = literals.at(-1)?.[0];
  return key === undefined ? undefined : `${key} ${JSON.stringify(at.value[key])}`;
}

/** The schema and the value at `path`, following the data through unions; undefined where the schema ends. */
function walk(schema: z.core.$ZodType, data: unknown, path: readonly PropertyKey[]): { schema: z.core.$ZodType; value: unknown } | undefined {
  let current: z.core.$ZodType | undefined = schema;
  let value = data;
  for (const segment of path) {
    current = stepInto(objectFor(current, value) ?? current, segment);
    value = isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[segment] : undefined;
    if (!current) return undefined;
  }
  return { schema: current, value };
}

/** `schema` without the wrappers that do not change its shape: what `objectFor` returns when no union chose. */
function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  const def = schema ? defOf(schema) : undefined;
  if (def && WRAPPERS.has(def.type)) return unwrap(def.innerType);
  if (def?.type === 'pipe') return unwrap(def.in);
  if (def?.type === 'lazy') return unwrap(def.getter?.());
  return schema;
}

/** The object schema that `schema` means for `value`: wrappers removed, a union narrowed by literals. */
function objectFor(schema: z.core.$ZodType | undefined, value: unknown): z.core.$ZodType | undefined {
  const def = schema ? defOf(schema) : undefined;
  if (!schema || !def) return undefined;
  if (def.type === 'object') return schema;
  if (WRAPPERS.has(def.type)) return objectFor(def.innerType, value);
  if (def.type === 'pipe') return objectFor(def.in, value);
  if (def.type === 'lazy') return objectFor(def.getter?.(), value);
  if (def.type === 'union') {
    for (const option of def.options ?? []) {
      const object = objectFor(option, value);
      if (object && literalsMatch(object, value)) return object;
    }
  }
  return undefined;
}

function stepInto(schema: z.core.$ZodType | undefined, segment: PropertyKey): z.core.$ZodType | undefined {
  const def = schema ? defOf(schema) : undefined;
  if (!def) return undefined;
  if (WRAPPERS.has(def.type)) return stepInto(def.innerType, segment);
  if (def.type === 'pipe') return stepInto(def.in, segment);
  if (def.type === 'object') return def.shape?.[String(segment)];
  if (def.type === 'array') return def.element;
  if (def.type === 'record') return def.valueType;
  return undefined;
}

function literalsMatch(object: z.core.$ZodType, value: unknown): boolean {
  if (!isRecord(value)) return false;
  return Object.entries(defOf(object).shape ?? {}).every(([key, field]) => {
    const def = defOf(field);
    return def.type !== 'literal' || (def.values ?? []).includes(value[key]);
  });
}

function defOf(schema: z.core.$ZodType): LooseDef {
  return schema._zod.def as unknown as LooseDef;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
