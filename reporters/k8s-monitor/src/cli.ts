import { KubeConfig } from '@kubernetes/client-node';
import cron from 'node-cron';
import { kubeApis, runOnce } from './monitor.ts';
import { parseOptions, UsageError, usage } from './options.ts';

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`k8s-monitor: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (options === 'help') {
    console.log(usage);
    return 0;
  }

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const apis = kubeApis(kubeConfig);
  const io = { out: (line: string) => process.stdout.write(`${line}\n`), log: (line: string) => console.error(line) };

  if (options.mode.kind === 'once') return (await runOnce(apis, options, io)).ok ? 0 : 1;

  const scheduled = options;
  await runOnce(apis, scheduled, io);
  const task = cron.schedule(scheduled.mode.kind === 'every' ? scheduled.mode.cron : '', () => runOnce(apis, scheduled, io), {
    name: 'k8s-monitor',
    noOverlap: true,
  });
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
  });
  await task.stop();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error('k8s-monitor:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
