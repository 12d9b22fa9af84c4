/**
 * A small schema language for the two protocols (engine protocol, app API).
 *
 * One definition gives three things: TypeScript types (through `Infer`), runtime validation
 * (`validate`), and a canonical description used for the generated reference document and
 * the golden compatibility file (`describe`). Nothing here is platform-specific.
 */

/** Documentation attached to a schema node. */
export interface Documented {
  readonly doc?: string;
}

export interface StringSchema extends Documented {
  readonly kind: 'string';
  readonly values?: readonly string[];
  readonly minLength?: number;
  readonly maxLength?: number;
}
export interface IntegerSchema extends Documented {
  readonly kind: 'integer';
  readonly min?: number;
  readonly max?: number;
}
export interface NumberSchema extends Documented {
  readonly kind: 'number';
  readonly min?: number;
  readonly max?: number;
}
export interface BooleanSchema extends Documented {
  readonly kind: 'boolean';
}
export interface NullSchema extends Documented {
  readonly kind: 'null';
}
/** Any JSON value; used sparingly (for pass-through data). */
export interface AnySchema extends Documented {
  readonly kind: 'any';
}
export interface ArraySchema<Item extends Schema = Schema> extends Documented {
  readonly kind: 'array';
  readonly items: Item;
  readonly maxItems?: number;
}
/** A field of an object; `optional` fields may be absent. */
export interface Field<S extends Schema = Schema, Optional extends boolean = boolean> {
  readonly schema: S;
  readonly optional: Optional;
  readonly doc?: string;
  /** Protocol version that added the field. */
  readonly since?: string;
}
export type Fields = Readonly<Record<string, Field>>;
export interface ObjectSchema<F extends Fields = Fields> extends Documented {
  readonly kind: 'object';
  readonly fields: F;
  /** Whether fields not listed are accepted (and dropped). Defaults to false: unknown fields are an error. */
  readonly allowUnknown?: boolean;
}
/** A tagged union: the `tag` field's string value selects the variant. */
export interface UnionSchema<Tag extends string = string, V extends Readonly<Record<string, ObjectSchema>> = Readonly<Record<string, ObjectSchema>>> extends Documented {
  readonly kind: 'union';
  readonly tag: Tag;
  readonly variants: V;
}
/** A map from string keys to values of one schema. */
export interface RecordSchema<Value extends Schema = Schema> extends Documented {
  readonly kind: 'record';
  readonly values: Value;
}
/** A reference to a named type; keeps docs readable and allows reuse. */
export interface NamedSchema<S extends Schema = Schema> extends Documented {
  readonly kind: 'named';
  readonly name: string;
  readonly target: S;
}

export type Schema =
  | StringSchema
  | IntegerSchema
  | NumberSchema
  | BooleanSchema
  | NullSchema
  | AnySchema
  | ArraySchema
  | ObjectSchema
  | UnionSchema
  | RecordSchema
  | NamedSchema;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K]['optional'] extends true ? K : never }[keyof F];
type RequiredKeys<F extends Fields> = Exclude<keyof F, OptionalKeys<F>>;
type InferFields<F extends Fields> = Simplify<
  { [K in RequiredKeys<F>]: Infer<F[K]['schema']> } & { [K in OptionalKeys<F>]?: Infer<F[K]['schema']> }
>;

/** The TypeScript type a schema describes. */
export type Infer<S> = S extends StringSchema
  ? S['values'] extends readonly (infer V)[]
    ? V
    : string
  : S extends IntegerSchema | NumberSchema
    ? number
    : S extends BooleanSchema
      ? boolean
      : S extends NullSchema
        ? null
        : S extends AnySchema
          ? unknown
          : S extends ArraySchema<infer Item>
            ? Infer<Item>[]
            : S extends ObjectSchema<infer F>
              ? InferFields<F>
              : S extends UnionSchema<infer Tag, infer V>
                ? { [K in keyof V & string]: Simplify<{ [T in Tag]: K } & InferFields<V[K]['fields']>> }[keyof V & string]
                : S extends RecordSchema<infer Value>
                  ? Record<string, Infer<Value>>
                  : S extends NamedSchema<infer Target>
                    ? Infer<Target>
                    : never;

/** Builders for schema nodes. */
export const s = {
  string<const V extends readonly string[] | undefined = undefined>(
    options: { values?: V; minLength?: number; maxLength?: number; doc?: string } = {},
  ): StringSchema & { values: V } {
    return { kind: 'string', ...options } as StringSchema & { values: V };
  },
  /** A string limited to the given values. */
  enumeration<const V extends readonly string[]>(values: V, doc?: string): StringSchema & { values: V } {
    return { kind: 'string', values, doc };
  },
  integer(options: { min?: number; max?: number; doc?: string } = {}): IntegerSchema {
    return { kind: 'integer', ...options };
  },
  number(options: { min?: number; max?: number; doc?: string } = {}): NumberSchema {
    return { kind: 'number', ...options };
  },
  boolean(doc?: string): BooleanSchema {
    return { kind: 'boolean', doc };
  },
  null(doc?: string): NullSchema {
    return { kind: 'null', doc };
  },
  any(doc?: string): AnySchema {
    return { kind: 'any', doc };
  },
  array<const Item extends Schema>(items: Item, options: { maxItems?: number; doc?: string } = {}): ArraySchema<Item> {
    return { kind: 'array', items, ...options };
  },
  object<const F extends Fields>(fields: F, options: { doc?: string; allowUnknown?: boolean } = {}): ObjectSchema<F> {
    return { kind: 'object', fields, ...options };
  },
  union<const Tag extends string, const V extends Readonly<Record<string, ObjectSchema>>>(
    tag: Tag,
    variants: V,
    doc?: string,
  ): UnionSchema<Tag, V> {
    return { kind: 'union', tag, variants, doc };
  },
  record<const Value extends Schema>(values: Value, doc?: string): RecordSchema<Value> {
    return { kind: 'record', values, doc };
  },
  named<const S extends Schema>(name: string, target: S, doc?: string): NamedSchema<S> {
    return { kind: 'named', name, target, doc: doc ?? target.doc };
  },
  /** A required field. */
  required<const S extends Schema>(schema: S, doc?: string, since?: string): Field<S, false> {
    return { schema, optional: false, doc, since };
  },
  /** An optional field. */
  optional<const S extends Schema>(schema: S, doc?: string, since?: string): Field<S, true> {
    return { schema, optional: true, doc, since };
  },
};

/** A validation failure: where in the value, and what is wrong. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; issue: ValidationIssue };

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function fail(path: string, message: string): Validated<never> {
  return { ok: false, issue: { path, message } };
}

/**
 * Checks `value` against `schema` and returns a cleaned copy (unknown fields of objects that
 * allow them are dropped). Never throws.
 */
export function validate<S extends Schema>(schema: S, value: unknown, path = ''): Validated<Infer<S>> {
  return validateNode(schema, value, path || '(value)') as Validated<Infer<S>>;
}

function validateNode(schema: Schema, value: unknown, path: string): Validated<unknown> {
  switch (schema.kind) {
    case 'string': {
      if (typeof value !== 'string') return fail(path, `expected a string, got ${describeValue(value)}`);
      if (schema.values && !schema.values.includes(value)) {
        return fail(path, `expected one of ${schema.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(value)}`);
      }
      if (schema.minLength !== undefined && value.length < schema.minLength) {
        return fail(path, `must be at least ${schema.minLength} characters long`);
      }
      if (schema.maxLength !== undefined && value.length > schema.maxLength) {
        return fail(path, `must be at most ${schema.maxLength} characters long`);
      }
      return { ok: true, value };
    }
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(path, `expected a number, got ${describeValue(value)}`);
      if (schema.kind === 'integer' && !Number.isInteger(value)) return fail(path, `expected an integer, got ${value}`);
      if (schema.min !== undefined && value < schema.min) return fail(path, `must be at least ${schema.min}, got ${value}`);
      if (schema.max !== undefined && value > schema.max) return fail(path, `must be at most ${schema.max}, got ${value}`);
      return { ok: true, value };
    }
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : fail(path, `expected true or false, got ${describeValue(value)}`);
    case 'null':
      return value === null ? { ok: true, value } : fail(path, `expected null, got ${describeValue(value)}`);
    case 'any':
      return { ok: true, value };
    case 'array': {
      if (!Array.isArray(value)) return fail(path, `expected an array, got ${describeValue(value)}`);
      if (schema.maxItems !== undefined && value.length > schema.maxItems) {
        return fail(path, `must have at most ${schema.maxItems} items, got ${value.length}`);
      }
      const out: unknown[] = [];
      for (let index = 0; index < value.length; index++) {
        const item = validateNode(schema.items, value[index], `${path}[${index}]`);
        if (!item.ok) return item;
        out.push(item.value);
      }
      return { ok: true, value: out };
    }
    case 'object':
      return validateObject(schema, value, path);
    case 'union': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return fail(path, `expected an object, got ${describeValue(value)}`);
      }
      const tagValue = (value as Record<string, unknown>)[schema.tag];
      const names = Object.keys(schema.variants);
      if (typeof tagValue !== 'string' || !Object.hasOwn(schema.variants, tagValue)) {
        return fail(`${path}.${schema.tag}`, `expected one of ${names.map((n) => JSON.stringify(n)).join(', ')}, got ${describeValue(tagValue)}`);
      }
      const variant = schema.variants[tagValue] as ObjectSchema;
      const { [schema.tag]: _tag, ...rest } = value as Record<string, unknown>;
      const checked = validateObject(variant, rest, path);
      if (!checked.ok) return checked;
      return { ok: true, value: { [schema.tag]: tagValue, ...(checked.value as object) } };
    }
    case 'record': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return fail(path, `expected an object, got ${describeValue(value)}`);
      }
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const checked = validateNode(schema.values, item, `${path}.${key}`);
        if (!checked.ok) return checked;
        // Defined, not assigned: a "__proto__" key must stay a plain entry, not replace the prototype.
        Object.defineProperty(out, key, { value: checked.value, enumerable: true, writable: true, configurable: true });
      }
      return { ok: true, value: out };
    }
    case 'named':
      return validateNode(schema.target, value, path);
  }
}

function validateObject(schema: ObjectSchema, value: unknown, path: string): Validated<unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(path, `expected an object, got ${describeValue(value)}`);
  }
  const input = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema.fields)) {
    const fieldPath = path === '(value)' ? name : `${path}.${name}`;
    if (!Object.hasOwn(input, name) || input[name] === undefined) {
      if (!field.optional) return fail(fieldPath, 'is required');
      continue;
    }
    const checked = validateNode(field.schema, input[name], fieldPath);
    if (!checked.ok) return checked;
    out[name] = checked.value;
  }
  if (!schema.allowUnknown) {
    for (const name of Object.keys(input)) {
      if (!Object.hasOwn(schema.fields, name)) {
        return fail(path === '(value)' ? name : `${path}.${name}`, 'is not a known field');
      }
    }
  }
  return { ok: true, value: out };
}

/** A canonical, JSON-serialisable description of a schema (for docs and the golden file). */
export type SchemaDescription =
  | { type: 'string'; values?: readonly string[]; minLength?: number; maxLength?: number }
  | { type: 'integer' | 'number'; min?: number; max?: number }
  | { type: 'boolean' | 'null' | 'any' }
  | { type: 'array'; items: SchemaDescription; maxItems?: number }
  | { type: 'object'; fields: Record<string, { optional: boolean; schema: SchemaDescription }>; allowUnknown?: boolean }
  | { type: 'union'; tag: string; variants: Record<string, SchemaDescription> }
  | { type: 'record'; values: SchemaDescription }
  | { type: 'ref'; name: string };

/**
 * Describes a schema without docs. Named schemas become references and are collected into
 * `definitions`, so each named type appears once.
 */
export function describe(schema: Schema, definitions: Record<string, SchemaDescription>): SchemaDescription {
  switch (schema.kind) {
    case 'string':
      return stripUndefined({ type: 'string', values: schema.values, minLength: schema.minLength, maxLength: schema.maxLength });
    case 'integer':
    case 'number':
      return stripUndefined({ type: schema.kind, min: schema.min, max: schema.max });
    case 'boolean':
    case 'null':
    case 'any':
      return { type: schema.kind };
    case 'array':
      return stripUndefined({ type: 'array', items: describe(schema.items, definitions), maxItems: schema.maxItems });
    case 'object': {
      const fields: Record<string, { optional: boolean; schema: SchemaDescription }> = {};
      for (const [name, field] of Object.entries(schema.fields)) {
        fields[name] = { optional: field.optional, schema: describe(field.schema, definitions) };
      }
      return stripUndefined({ type: 'object', fields, allowUnknown: schema.allowUnknown });
    }
    case 'union': {
      const variants: Record<string, SchemaDescription> = {};
      for (const [name, variant] of Object.entries(schema.variants)) variants[name] = describe(variant, definitions);
      return { type: 'union', tag: schema.tag, variants };
    }
    case 'record':
      return { type: 'record', values: describe(schema.values, definitions) };
    case 'named':
      if (!Object.hasOwn(definitions, schema.name)) {
        definitions[schema.name] = { type: 'any' }; // placeholder guards against cycles
        definitions[schema.name] = describe(schema.target, definitions);
      }
      return { type: 'ref', name: schema.name };
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
