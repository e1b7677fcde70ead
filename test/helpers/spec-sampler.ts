/**
 * A seeded sampler of JSON values from the schemas of ICA's OpenAPI 3.0 document, built on fast-check.
 *
 * It reads only the document: nothing of our client, tools or sandbox, so what it produces is what the
 * document allows, not what we believe ICA sends. It deliberately explores the edges the document permits:
 * `nullable` values as null, optional properties present or absent, enum values plus values the document
 * does not list yet (ICA adds them between releases), undeclared extra properties, empty and short arrays
 * (with null items where the item schema is nullable), and values in each declared `format`.
 *
 *   const sampler = new SpecSampler(document, { stringFor: ({ format }) => ... });
 *   const body = sampler.sample({ $ref: "#/components/schemas/Job" }, seed);  // same seed, same value
 */
import fc from "fast-check";

type Schema = Record<string, any>;

export interface StringContext {
  /** The property name the string is for, when it is an object property. */
  property?: string;
  format?: string;
}

export interface SamplerOptions {
  /** Nesting depth after which objects carry only their required properties and arrays stay minimal. */
  maxDepth?: number;
  /** Longest array generated (arrays with `minItems` get at least that many). */
  maxArray?: number;
  /** Add undeclared properties to objects that do not forbid them (default true). */
  extraProperties?: boolean;
  /** Add enum values the document does not list (default true). */
  unknownEnumValues?: boolean;
  /** Overrides the arbitrary for some strings (e.g. URLs pointing at a loopback server); undefined = default. */
  stringFor?: (ctx: StringContext) => fc.Arbitrary<string> | undefined;
}

const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

/** Names no ICA schema declares: an answer from a newer ICA carrying fields we have never seen. */
const EXTRA_NAMES = ["fieldFromANewerIca", "_links", "x-extra"];
const HARD_DEPTH = 14;
const DEFAULT_STRING_MAX = 24;

export class SpecSampler {
  private readonly maxDepth: number;
  private readonly maxArray: number;
  private readonly cache = new Map<string, fc.Arbitrary<unknown>>();

  constructor(
    private readonly document: Schema,
    private readonly options: SamplerOptions = {},
  ) {
    this.maxDepth = options.maxDepth ?? 5;
    this.maxArray = options.maxArray ?? 3;
  }

  /** One value for `schema` (a `$ref` or an inline schema); the same seed gives the same value. */
  sample(schema: Schema, seed: number): unknown {
    return fc.sample(this.arbitrary(schema), { seed, numRuns: 1 })[0];
  }

  /** The fast-check arbitrary for `schema`, e.g. to use inside a property. */
  arbitrary(schema: Schema, depth = 0, property?: string): fc.Arbitrary<unknown> {
    if (typeof schema.$ref === "string") {
      const key = `${schema.$ref}@${Math.min(depth, this.maxDepth + 1)}`;
      let arb = this.cache.get(key);
      if (!arb) {
        // Depth grows with every level, so a schema that refers to itself ends at the depth bounds.
        arb = this.build(this.resolve(schema.$ref), depth);
        this.cache.set(key, arb);
      }
      return arb;
    }
    return this.build(schema, depth, property);
  }

  private resolve(ref: string): Schema {
    if (!ref.startsWith("#/")) throw new Error(`spec sampler: only local $refs are supported (${ref})`);
    let node: unknown = this.document;
    for (const part of ref.slice(2).split("/")) {
      node = isObject(node) ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
    }
    if (!isObject(node)) throw new Error(`spec sampler: cannot resolve ${ref}`);
    return node;
  }

  private build(schema: Schema, depth: number, property?: string): fc.Arbitrary<unknown> {
    if (depth > HARD_DEPTH) return fc.constant(schema.nullable ? null : {});
    const base = this.nonNull(schema, depth, property);
    if (schema.nullable !== true) return base;
    return fc.oneof({ arbitrary: fc.constant(null), weight: 1 }, { arbitrary: base, weight: 3 });
  }

  private nonNull(schema: Schema, depth: number, property?: string): fc.Arbitrary<unknown> {
    if (isObject(schema.discriminator) && isObject(schema.discriminator.mapping) && schema.oneOf) {
      const prop = String(schema.discriminator.propertyName);
      return fc.oneof(
        ...Object.entries(schema.discriminator.mapping as Record<string, string>).map(([value, ref]) =>
          this.arbitrary({ $ref: ref }, depth + 1).map((v) => (isObject(v) ? { ...v, [prop]: value } : v)),
        ),
      );
    }
    if (Array.isArray(schema.allOf)) {
      const parts = schema.allOf.map((s: Schema) => this.arbitrary(s, depth, property));
      const own: Schema = { ...schema, allOf: undefined, nullable: undefined };
      if (isObject(own.properties)) parts.push(this.objectOf(own, depth));
      return fc.tuple(...parts).map((values) => Object.assign({}, ...values.filter(isObject)));
    }
    for (const key of ["oneOf", "anyOf"] as const) {
      if (Array.isArray(schema[key])) {
        return fc.oneof(...schema[key].map((s: Schema) => this.arbitrary(s, depth, property)));
      }
    }
    if (Array.isArray(schema.enum)) return this.enumOf(schema.enum.filter((v: unknown) => v !== null));
    const type = schema.type ?? (isObject(schema.properties) ? "object" : undefined);
    switch (type) {
      case "object":
        return this.objectOf(schema, depth);
      case "array":
        return this.arrayOf(schema, depth, property);
      case "string":
        return this.stringOf(schema, property);
      case "integer":
        return this.integerOf(schema);
      case "number":
        return this.numberOf(schema);
      case "boolean":
        return fc.boolean();
      default:
        return fc.jsonValue({ maxDepth: 1 });
    }
  }

  private enumOf(values: unknown[]): fc.Arbitrary<unknown> {
    const known = fc.constantFrom(...values);
    if (this.options.unknownEnumValues === false || !values.every((v) => typeof v === "string")) return known;
    const unknown = fc.constantFrom("NEW_IN_A_LATER_ICA", "unknown");
    return fc.oneof({ arbitrary: known, weight: 5 }, { arbitrary: unknown, weight: 1 });
  }

  private objectOf(schema: Schema, depth: number): fc.Arbitrary<unknown> {
    const properties: Record<string, Schema> = isObject(schema.properties) ? schema.properties : {};
    const required = new Set<string>(Array.isArray(schema.required) ? schema.required : []);
    const shallow = depth >= this.maxDepth;
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [name, sub] of Object.entries(properties)) {
      if (!isObject(sub) || sub.writeOnly === true) continue;
      if (shallow && !required.has(name)) continue;
      model[name] = this.arbitrary(sub, depth + 1, name);
    }
    const declared = fc.record(model, { requiredKeys: Object.keys(model).filter((k) => required.has(k)) });
    if (isObject(schema.additionalProperties)) {
      const values = this.arbitrary(schema.additionalProperties, depth + 1);
      const map = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), values, {
        maxKeys: shallow ? 0 : this.maxArray,
      });
      return fc.tuple(map, declared).map(([m, d]) => ({ ...m, ...d }));
    }
    if (schema.additionalProperties === false || this.options.extraProperties === false) return declared;
    const extraNames = EXTRA_NAMES.filter((n) => !(n in properties));
    const extras = fc.dictionary(fc.constantFrom(...extraNames), fc.jsonValue({ maxDepth: 1 }), {
      maxKeys: 2,
    });
    return fc
      .tuple(declared, fc.oneof({ arbitrary: fc.constant({}), weight: 3 }, { arbitrary: extras, weight: 1 }))
      .map(([d, e]) => ({ ...e, ...d }));
  }

  private arrayOf(schema: Schema, depth: number, property?: string): fc.Arbitrary<unknown> {
    const minLength = typeof schema.minItems === "number" ? schema.minItems : 0;
    const cap = depth >= this.maxDepth ? minLength : Math.max(minLength, this.maxArray);
    const maxLength = typeof schema.maxItems === "number" ? Math.min(schema.maxItems, cap) : cap;
    const items = isObject(schema.items) ? this.arbitrary(schema.items, depth + 1, property) : fc.jsonValue();
    return fc.array(items, { minLength, maxLength: Math.max(minLength, maxLength) });
  }

  private stringOf(schema: Schema, property?: string): fc.Arbitrary<unknown> {
    const format = typeof schema.format === "string" ? schema.format : undefined;
    const custom = this.options.stringFor?.({ property, format });
    if (custom) return custom;
    // Enum-like strings that the document writes as an alternation pattern, e.g. "FAILED|FAILED_FINAL".
    if (typeof schema.pattern === "string" && /^[A-Za-z0-9_]+(\|[A-Za-z0-9_]+)+$/.test(schema.pattern)) {
      return this.enumOf(schema.pattern.split("|"));
    }
    switch (format) {
      case "uuid":
        return fc.uuid();
      case "date-time":
        return dateArb().map((d) => d.toISOString());
      case "date":
        return dateArb().map((d) => d.toISOString().slice(0, 10));
      case "uri":
      case "url":
        return fc.webUrl();
      case "email":
        return fc.emailAddress();
      case "byte":
        return fc.base64String({ maxLength: 16 });
    }
    if (typeof schema.pattern === "string") {
      try {
        return fc
          .stringMatching(new RegExp(schema.pattern))
          .filter((s) => s.length <= (schema.maxLength ?? 200));
      } catch {
        // A pattern fast-check cannot generate from: fall back to plain strings.
      }
    }
    const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
    const maxLength = Math.max(
      minLength,
      Math.min(
        typeof schema.maxLength === "number" ? schema.maxLength : DEFAULT_STRING_MAX,
        DEFAULT_STRING_MAX,
      ),
    );
    return fc.oneof(
      { arbitrary: fc.string({ minLength, maxLength }), weight: 4 },
      { arbitrary: fc.string({ minLength, maxLength, unit: "grapheme" }), weight: 1 },
    );
  }

  private integerOf(schema: Schema): fc.Arbitrary<unknown> {
    let min = typeof schema.minimum === "number" ? Math.ceil(schema.minimum) : -1_000_000;
    let max = typeof schema.maximum === "number" ? Math.floor(schema.maximum) : 10_000_000_000;
    if (schema.exclusiveMinimum === true) min += 1;
    if (typeof schema.exclusiveMinimum === "number") min = Math.floor(schema.exclusiveMinimum) + 1;
    if (schema.exclusiveMaximum === true) max -= 1;
    if (typeof schema.exclusiveMaximum === "number") max = Math.ceil(schema.exclusiveMaximum) - 1;
    if (max < min) max = min;
    return fc.oneof(
      fc.integer({ min, max: Math.min(max, min + 100) }),
      fc.maxSafeInteger().map((n) => {
        const span = max - min + 1;
        return min + (Math.abs(n) % span);
      }),
    );
  }

  private numberOf(schema: Schema): fc.Arbitrary<unknown> {
    const min = typeof schema.minimum === "number" ? schema.minimum : -1e9;
    const max = typeof schema.maximum === "number" ? schema.maximum : 1e9;
    return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  }
}

function dateArb(): fc.Arbitrary<Date> {
  return fc.date({
    min: new Date("2000-01-01T00:00:00Z"),
    max: new Date("2035-12-31T00:00:00Z"),
    noInvalidDate: true,
  });
}
