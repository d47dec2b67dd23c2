import type { ParseArgsConfig } from 'node:util';
import type { ApiClient } from './api-client.ts';
import type { CliEnv } from './env.ts';

export type CliContext = {
  api: ApiClient;
  env: CliEnv;
  json: boolean;
  now: () => Date;
  print: (text: string) => void;
};

export type ParsedArgs = { values: Record<string, string | boolean | undefined>; positionals: string[] };

export type Command = {
  name: string;
  usage: string;
  summary: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  /** Resolves to the exit code; 0 when omitted. */
  run(ctx: CliContext, args: ParsedArgs): Promise<number | void>;
};
