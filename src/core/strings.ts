/**
 * Everything the bot says comes from content/<locale>/strings/*.yaml. A file `setup.yaml` holding
 * `step: { done: Done }` gives the key `setup.step.done`. Placeholders are `{name}`.
 */
export type Vars = Record<string, string | number>;

export interface Strings {
  readonly locale: string;
  t(key: string, vars?: Vars): string;
  has(key: string): boolean;
  /** All keys, for the content check. */
  keys(): string[];
}

export class MissingStringError extends Error {}

export function makeStrings(locale: string, table: Record<string, string>): Strings {
  return {
    locale,
    t(key, vars) {
      const template = table[key];
      if (template === undefined) throw new MissingStringError(`No text for "${key}" in ${locale}`);
      if (!vars) return template;
      return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
    },
    has: (key) => key in table,
    keys: () => Object.keys(table),
  };
}

/** Flattens nested YAML maps into dotted keys under `prefix`. Non-string leaves are reported. */
export function flattenStrings(prefix: string, value: unknown, out: Record<string, string>, problems: string[]): void {
  if (typeof value === 'string') {
    out[prefix] = value;
  } else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenStrings(`${prefix}.${k}`, v, out, problems);
  } else {
    problems.push(`${prefix}: must be text or a map of texts`);
  }
}
