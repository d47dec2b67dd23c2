import { AppsV1Api, BatchV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { type SenderOptions, sendReports } from '../../shared/report-sender.ts';
import { defaultDetectOptions } from './detect.ts';
import type { MonitorOptions } from './options.ts';
import { type KubeApis, scanCluster } from './scan.ts';

export type RunIo = {
  /** Dry-run output: one JSON report per line. */
  out: (line: string) => void;
  log: (line: string) => void;
  now?: () => Date;
  sender?: Partial<SenderOptions>;
};

export type RunSummary = {
  ok: boolean;
  podsScanned: number;
  brokenPods: number;
  reports: number;
  accepted: number;
  rejected: number;
  durationMs: number;
};

export function kubeApis(kubeConfig: KubeConfig): KubeApis {
  return {
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    batch: kubeConfig.makeApiClient(BatchV1Api),
  };
}

const errorText = (error: unknown) => {
  const code = (error as { code?: number }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'number' ? `HTTP ${code}: ${message.split('\n')[0]}` : message;
};

/** One scan and one send; never throws, the summary says whether the run worked. */
export async function runOnce(apis: KubeApis, options: MonitorOptions, io: RunIo): Promise<RunSummary> {
  const started = performance.now();
  const summary: RunSummary = { ok: false, podsScanned: 0, brokenPods: 0, reports: 0, accepted: 0, rejected: 0, durationMs: 0 };
  const finish = () => {
    summary.durationMs = Math.round(performance.now() - started);
    io.log(
      `k8s-monitor: ${summary.ok ? 'ok' : 'FAILED'}; ${summary.podsScanned} pods scanned, ${summary.brokenPods} broken, ` +
        `${summary.reports} reports${options.dryRun ? ' (dry run)' : `, ${summary.accepted} accepted`} in ${summary.durationMs} ms`,
    );
    return summary;
  };

  let scan;
  try {
    scan = await scanCluster(apis, {
      ...defaultDetectOptions,
      namespaces: options.namespaces,
      excludeNamespaces: options.excludeNamespaces,
      labelSelector: options.labelSelector,
      minRestarts: options.minRestarts,
      imagePullGraceMs: options.imagePullGraceMs,
      pageSize: 500,
      concurrency: 8,
      now: io.now ?? (() => new Date()),
    });
  } catch (error) {
    io.log(`k8s-monitor: scan failed: ${errorText(error)}`);
    return finish();
  }
  Object.assign(summary, { podsScanned: scan.podsScanned, brokenPods: scan.brokenPods, reports: scan.reports.length });
  for (const warning of scan.warnings) io.log(`k8s-monitor: warning: ${warning}`);

  if (options.dryRun) {
    for (const report of scan.reports) io.out(JSON.stringify(report));
    summary.ok = true;
    return finish();
  }
  if (scan.reports.length === 0) {
    summary.ok = true;
    return finish();
  }
  try {
    const sent = await sendReports(scan.reports, {
      url: options.url as string,
      apiKey: options.apiKey as string,
      onRetry: ({ attempt, delayMs, reason }) =>
        io.log(`k8s-monitor: send attempt ${attempt} failed (${reason}); retrying in ${delayMs} ms`),
      ...io.sender,
    });
    summary.accepted = sent.accepted;
    summary.rejected = sent.rejected.length;
    for (const rejection of sent.rejected) {
      const report = scan.reports[rejection.index];
      io.log(`k8s-monitor: report ${report?.error_type} for ${report?.project_id} rejected: ${rejection.status} ${rejection.message}`);
    }
    summary.ok = sent.rejected.length === 0;
  } catch (error) {
    io.log(`k8s-monitor: send failed: ${errorText(error)}`);
  }
  return finish();
}
