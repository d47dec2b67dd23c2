import { CliError, exitCodes } from './api-client.ts';
import { runCli } from './run.ts';

// `log-center bugs | head` closes the pipe early; that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

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
