// The JSON Schema subset the diagnose documents' schemas use, checked without a library: the
// unit tests validate every document diagnose writes against DIAGNOSIS_SCHEMA and
// DIAGNOSIS_LIST_SCHEMA.
// The subset: type, const, enum, required, properties, additionalProperties: false, items,
// minimum, and oneOf (of `required` sets: which key names the workload).
export type Schema = Record<string, unknown>;

/** The paths of `value` that break `schema` (empty: it holds). */
export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  const errs: string[] = [];
  if ('const' in schema && value !== schema.const) errs.push(`${path}: want ${String(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errs.push(`${path}: ${String(value)} not in enum`);
  if (Array.isArray(schema.oneOf)) {
    const held = (schema.oneOf as Schema[]).filter((s) => validate({ type: 'object', ...s }, value, path).length === 0).length;
    if (held !== 1) errs.push(`${path}: holds ${held} of oneOf, not exactly one`);
  }
  const t = schema.type as string | undefined;
  if (t === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [...errs, `${path}: not an object`];
    const v = value as Record<string, unknown>;
    for (const k of (schema.required as string[] | undefined) ?? []) if (!(k in v)) errs.push(`${path}.${k}: missing`);
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, x] of Object.entries(v)) {
      if (props[k]) errs.push(...validate(props[k], x, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}.${k}: not in the schema`);
    }
  } else if (t === 'array') {
    if (!Array.isArray(value)) return [...errs, `${path}: not an array`];
    value.forEach((x, i) => errs.push(...validate(schema.items as Schema, x, `${path}[${i}]`)));
  } else if (t === 'string' && typeof value !== 'string') errs.push(`${path}: not a string`);
  else if (t === 'integer' && (!Number.isInteger(value) || (typeof schema.minimum === 'number' && (value as number) < schema.minimum)))
    errs.push(`${path}: not a non-negative integer`);
  else if (t === 'boolean' && typeof value !== 'boolean') errs.push(`${path}: not a boolean`);
  return errs;
}
