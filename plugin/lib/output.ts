// The -o/--output flag, parsed once: text (default), json or yaml.

export const OutputFormat = { text: 'text', json: 'json', yaml: 'yaml' } as const;
export type OutputFormat = (typeof OutputFormat)[keyof typeof OutputFormat];

/** The format for an -o value; throws an Error naming the flag and value when unknown. */
export function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === '' || value === 'text' || value === 'wide') return 'text';
  if (value === 'json' || value === 'yaml') return value;
  throw new Error(`invalid value "${value}" for -o/--output: use text, json or yaml`);
}
