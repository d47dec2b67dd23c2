import http from 'node:http';
import https from 'node:https';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  createConfiguration,
  type KubeConfig,
  type Middleware,
  ServerConfiguration,
} from '@kubernetes/client-node';
import { type SenderOptions, sendReports } from '../../shared/report-sender.ts';
import { defaultDetectOptions } from './detect.ts';
import type { MonitorOptions } from './options.ts';
import { type KubeApis, reportBatches, scanCluster } from './scan.ts';

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
  /** Listing pods and reading their owners. */
  scanMs: number;
  /** Reading logs and sending (or printing) the reports. */
  reportMs: number;
  durationMs: number;
};

/** Reports per round of log reads and sends; bounds the logs held in memory at once. */
const reportBatchSize = 50;

/**
 * client-node gives every request a new Agent, so every call opened a connection (and a TLS handshake);
 * one keep-alive agent per run, with the same TLS options, reuses them.
 */
function connectionReuse(): { middleware: Middleware; release: () => void } {
  let shared: http.Agent | undefined;
  return {
    middleware: {
      pre: async (context) => {
        const agent = context.getAgent();
        const Plain = agent?.constructor === http.Agent ? http.Agent : agent?.constructor === https.Agent ? https.Agent : undefined;
        if (agent && Plain) {
          shared ??= new Plain({ ...(agent as http.Agent & { options: http.AgentOptions }).options, keepAlive: true, maxSockets: 16 });
          context.setAgent(shared);
        }
        return context;
      },
      post: async (response) => response,
    },
    release: () => {
      shared?.destroy();
      shared = undefined;
    },
  };
}

export function kubeApis(kubeConfig: KubeConfig): KubeApis {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const reuse = connectionReuse();
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [reuse.middleware],
  });
  return {
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    batch: new BatchV1Api(configuration),
    release: reuse.release,
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
  const summary: RunSummary = {
    ok: false,
    podsScanned: 0,
    brokenPods: 0,
    reports: 0,
    accepted: 0,
    rejected: 0,
    scanMs: 0,
    reportMs: 0,
    durationMs: 0,
  };
  const finish = () => {
    summary.durationMs = Math.round(performance.now() - started);
    summary.reportMs = Math.max(0, summary.durationMs - summary.scanMs);
    io.log(
      `k8s-monitor: ${summary.ok ? 'ok' : 'FAILED'}; ${summary.podsScanned} pods scanned, ${summary.brokenPods} broken, ` +
        `${summary.reports} reports${options.dryRun ? ' (dry run)' : `, ${summary.accepted} accepted`} in ${summary.durationMs} ms ` +
        `(scan ${summary.scanMs} ms, logs and ${options.dryRun ? 'output' : 'send'} ${summary.reportMs} ms)`,
    );
    return summary;
  };

  try {
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
    summary.scanMs = Math.round(performance.now() - started);
    Object.assign(summary, { podsScanned: scan.podsScanned, brokenPods: scan.brokenPods, reports: scan.pending.length });
    for (const warning of scan.warnings) io.log(`k8s-monitor: warning: ${warning}`);

    let failed = false;
    let offset = 0;
    for await (const reports of reportBatches(apis, scan.pending, { batchSize: reportBatchSize, concurrency: 8 })) {
      if (options.dryRun) {
        for (const report of reports) io.out(JSON.stringify(report));
      } else {
        try {
          const sent = await sendReports(reports, {
            url: options.url as string,
            apiKey: options.apiKey as string,
            onRetry: ({ attempt, delayMs, reason }) =>
              io.log(`k8s-monitor: send attempt ${attempt} failed (${reason}); retrying in ${delayMs} ms`),
            ...io.sender,
          });
          summary.accepted += sent.accepted;
          summary.rejected += sent.rejected.length;
          for (const rejection of sent.rejected) {
            const report = reports[rejection.index];
            io.log(
              `k8s-monitor: report ${offset + rejection.index} (${report?.error_type} for ${report?.project_id}) rejected: ` +
                `${rejection.status} ${rejection.message}`,
            );
          }
        } catch (error) {
          // Log Center is down or refuses the key: the next batches would fail the same way.
          io.log(`k8s-monitor: send failed: ${errorText(error)}`);
          failed = true;
          break;
        }
      }
      offset += reports.length;
    }
    summary.ok = !failed && summary.rejected === 0;
    return finish();
  } finally {
    apis.release?.();
  }
}
