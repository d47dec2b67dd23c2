// Realistic ~1 KB reports over a fixed set of fingerprints, across all three sources.
export function benchReports(projectId: string, fingerprints: number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const f = i % fingerprints;
    const kind = f % 20;
    let report: Record<string, unknown>;
    if (kind < 12) {
      report = {
        project_id: projectId,
        level: f % 7 === 0 ? 'critical' : 'error',
        error_type: ['TypeError', 'RangeError', 'DatabaseError', 'TimeoutError'][f % 4],
        message: `Cannot read properties of undefined (reading 'id') while handling order ${100_000 + i}`,
        file_path: `src/services/module-${f}.ts`,
        line_number: 10 + (f % 300),
        environment: f % 3 === 0 ? 'staging' : 'production',
        release: `2026.11.${f % 30}`,
        stack_trace: [
          `TypeError: Cannot read properties of undefined (reading 'id')`,
          `    at handle (/app/src/services/module-${f}.ts:${10 + (f % 300)}:17)`,
          '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
          '    at async Router.dispatch (/app/node_modules/hono/dist/hono-base.js:210:23)',
          '    at async Server.<anonymous> (/app/node_modules/@hono/node-server/dist/index.js:420:13)',
        ].join('\n'),
        tags: { region: ['eu-west-1', 'us-east-1'][f % 2], service: `svc-${f % 17}` },
        context: { request_id: `req-${i}`, user_id: i % 5000, route: `/api/orders/${i}`, method: 'POST' },
      };
    } else if (kind < 17) {
      report = {
        project_id: projectId,
        source: 'cicd',
        error_type: ['TestFailure', 'NpmBuildError', 'LintError'][f % 3],
        message: `Step 'npm test' failed in job build-${f}`,
        context: {
          workflow: 'CI',
          job_name: `build-${f}`,
          step_name: 'npm test',
          run_id: String(900_000 + i),
          run_number: i,
          commit_sha: 'a3f9c2e4b1d07f6e5a4b3c2d1e0f9a8b7c6d5e4f',
          branch: 'main',
          repository: 'acme/shop',
          log_tail: `FAIL src/orders.test.ts\n  ● order total › rounds half up\n    expected 10.5, received 10.4\n`.repeat(5),
        },
      };
    } else {
      report = {
        project_id: projectId,
        source: 'deployment',
        level: 'CRITICAL',
        error_type: f % 2 ? 'OOMKilled' : 'CrashLoopBackOff',
        message: `Container api in pod api-${f}-7d9f8 restarted ${i % 50} times`,
        context: {
          namespace: 'prod',
          pod_name: `api-${f}-7d9f8-${i % 1000}`,
          container_name: 'api',
          deployment_name: `api-${f}`,
          restart_count: i % 50,
          reason: 'OOMKilled',
          exit_code: 137,
          node: 'worker-3',
          logs: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n'.repeat(6),
        },
      };
    }
    out.push(JSON.stringify(report));
  }
  return out;
}
