// The shape of one flag of `kubectl paas`: what plugin/commands/table.ts declares for every
// command and plugin/lib/connection-flags.ts for kubectl's connection flags. Data only.

/** What a flag's value is: how yargs reads it and how shell completion offers it. */
export const ValueKind = {
  /** A boolean flag: takes no separate value (--watch, --watch=false). */
  none: 'none',
  /** A string with nothing to offer (a duration, a selector, an id). */
  free: 'free',
  /** A number (a revision, a count of lines). */
  number: 'number',
  /** One of a fixed list (`values`). */
  choice: 'choice',
  /** A file path (`extensions` narrows it). */
  file: 'file',
  /** A kubeconfig context, cluster or user name; a namespace of the cluster. */
  context: 'context',
  cluster: 'cluster',
  user: 'user',
  namespace: 'namespace',
} as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

/** One flag. */
export interface FlagSpec {
  name: string;
  short?: string;
  describe: string;
  value: ValueKind;
  values?: readonly string[];
  extensions?: readonly string[];
  default?: string | number | boolean;
  /** Each use adds a value (kubectl's stringArray); completion offers it again. */
  repeat?: boolean;
  required?: boolean;
}
