// The -o/--output flag's values: text, json or yaml (each command's front door reads it: plugin/commands/front-door.ts).

export const OutputFormat = { text: 'text', json: 'json', yaml: 'yaml' } as const;
export type OutputFormat = (typeof OutputFormat)[keyof typeof OutputFormat];

/**
 * The format an -o value names; undefined when the flag is absent (`policy apply` then writes
 * YAML, the other commands text). kubectl's `wide` and an empty value read as text. Throws an
 * Error naming the flag and the value when it is none of these.
 */
export function parseOutputFlag(value: string | undefined): OutputFormat | undefined {
  if (value === undefined) return undefined;
  if (value === '' || value === OutputFormat.text || value === 'wide') return OutputFormat.text;
  if (value === OutputFormat.json || value === OutputFormat.yaml) return value;
  throw new Error(`invalid value "${value}" for -o/--output: use text, json or yaml`);
}
