import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./append-worker.mjs', import.meta.url));

export interface WorkerResult {
  worker: number;
  transactions: number;
  seqs: number[];
}

export interface WorkerPlan {
  workers: number;
  eventsEach: number;
  maxBatch: number;
  /** Let the workers create the ledger themselves (racing on the first migration). */
  create?: boolean;
}

/**
 * Starts `workers` OS processes, waits until every one has loaded, then releases them together so
 * their appends overlap; resolves with each worker's report once all have exited successfully.
 */
export async function runAppendWorkers(ledger: string, plan: WorkerPlan): Promise<WorkerResult[]> {
  const children = Array.from({ length: plan.workers }, (_, worker) =>
    spawn(
      process.execPath,
      [
        WORKER,
        ledger,
        String(worker),
        String(plan.eventsEach),
        String(plan.maxBatch),
        ...(plan.create ? ['--create'] : []),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    ),
  );
  const outputs = children.map((child) => {
    let stdout = '';
    let stderr = '';
    let announceReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      announceReady = resolve;
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.startsWith('ready\n')) announceReady();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<WorkerResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (status) => {
        announceReady();
        if (status !== 0) reject(new Error(`append worker exited ${status}:\n${stderr}`));
        else resolve(JSON.parse(stdout.slice('ready\n'.length)) as WorkerResult);
      });
    });
    return { ready, exited };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const child of children) child.stdin.end('go\n');
  return Promise.all(outputs.map((o) => o.exited));
}
