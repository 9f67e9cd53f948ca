/**
 * Items hold exactly the fields of their record, nothing more: a caller's object that carries an extra
 * property (a value, by mistake) never reaches the table, and key or lock attributes never come back
 * out. A field map is a `Record<keyof T, …>`, so the compiler insists every field is listed.
 */
export type FieldMap<T> = { readonly [K in keyof T]-?: true };

/** Copies the listed fields that are defined, in the map's order. */
export function pickFields<T extends object>(source: object, fields: FieldMap<T>): T {
  const picked: Record<string, unknown> = {};
  const from = source as Record<string, unknown>;
  for (const field of Object.keys(fields)) {
    if (from[field] !== undefined) picked[field] = from[field];
  }
  return picked as T;
}
