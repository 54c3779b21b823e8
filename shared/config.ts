// One config and error kit for the camera, the dock and the central store: a config file is JSON
// checked by a zod schema, and a bad one is a ConfigError naming every bad field as `config.<path>`;
// each program's entry exits EX_CONFIG (78, sysexits EX_CONFIG) for it.
import { readFileSync } from 'node:fs';
import type * as core from 'zod/v4/core';

export const EX_CONFIG = 78;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Issue = { path: readonly PropertyKey[]; message: string };

/** One zod issue as every program words it: `<path>: <message>`, `root` when the path is empty. */
export function issueText(i: Issue, root = '(root)'): string {
  return `${i.path.map(String).join('.') || root}: ${i.message}`;
}

/** `<prefix>.<path>: <message>` for each issue, joined by '; ' (zod's message names unknown keys itself). */
export function formatIssues(issues: readonly Issue[], prefix = 'config'): string {
  return issues.map((i) => `${prefix}.${issueText(i)}`).join('; ');
}

/** A zod schema of either API (classic `zod` or `zod/mini`, shared/zod-mini.ts). */
export type Schema = core.$ZodType & { safeParse(raw: unknown): { success: true; data: unknown } | { success: false; error: { issues: readonly Issue[] } } };

/** Validate an already-parsed object against `schema`; throws ConfigError naming every bad field. */
export function parseConfigWith<S extends Schema>(schema: S, raw: unknown): core.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new ConfigError(formatIssues(r.error.issues));
  return r.data as core.output<S>;
}

/** The JSON of a config file; an unreadable or malformed file is a ConfigError. */
export function readConfigFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`config: cannot read ${file} as JSON (${(err as Error).message})`);
  }
}

export function loadConfig<S extends Schema>(schema: S, file: string): core.output<S> {
  return parseConfigWith(schema, readConfigFile(file));
}

/** The exit code for an error before a program runs: 78 for a bad config, 1 otherwise. */
export const startFailureCode = (err: unknown): number => (err instanceof ConfigError ? EX_CONFIG : 1);
