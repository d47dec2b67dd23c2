import { CliError, exitCodes } from '../api-client.ts';
import type { ParsedArgs } from '../command.ts';

export function bugIdArg(args: ParsedArgs, usage: string): number {
  if (args.positionals.length !== 1) throw new CliError(`usage: ${usage}`, exitCodes.usage);
  const raw = args.positionals[0].replace(/^#/, '');
  if (!/^\d{1,15}$/.test(raw)) throw new CliError(`"${args.positionals[0]}" is not a bug id (a positive number)`, exitCodes.usage);
  return Number(raw);
}

export function noPositionals(args: ParsedArgs, usage: string): void {
  if (args.positionals.length > 0) throw new CliError(`unexpected "${args.positionals[0]}"; usage: ${usage}`, exitCodes.usage);
}

export const stringOption = (values: ParsedArgs['values'], name: string): string | undefined => {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
};
