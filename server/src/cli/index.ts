import { CliError, exitCodes } from './api-client.ts';
import { runCli } from './run.ts';

try {
  process.exitCode = await runCli(process.argv.slice(2), process.env, (text) => process.stdout.write(`${text}\n`));
} catch (error) {
  if (error instanceof CliError) {
    process.stderr.write(`log-center: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`log-center: unexpected error: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = exitCodes.failure;
  }
}
