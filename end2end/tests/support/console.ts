import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

// A console of a test's own, for settings the suite's shared console does
// not have (token sign-in, the default list sharing): the same binary the
// suite runs (`E2E_CONSOLE_BIN`, set by `make e2e` and `make e2e-release`),
// the same site files, its own built-in simulator and its own audit log,
// all on free loopback ports.

const root = path.resolve(__dirname, '../../..');

/** `n` distinct free loopback ports, all held until all are known. */
async function freePorts(n: number): Promise<number[]> {
  const held = await Promise.all(
    Array.from({ length: n }, () => {
      return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    }),
  );
  const ports = held.map((s) => (s.address() as { port: number }).port);
  await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

// Consoles still running when the worker process ends (a hook that timed
// out) are stopped with it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export type OwnConsole = {
  base: string;
  /** The simulator's base URL and token, for its control endpoints. */
  sim: { base: string; token: string };
  /** The console's log so far (for a failure message). */
  log: () => string;
  stop: () => Promise<void>;
};

export async function startConsole(env: Record<string, string>): Promise<OwnConsole> {
  const bin = process.env.E2E_CONSOLE_BIN;
  if (!bin) throw new Error('E2E_CONSOLE_BIN is not set: run the suite through `make e2e`');
  const [port, simPort] = await freePorts(2);
  const simToken = 'own-console-simulator';
  const dir = mkdtempSync(path.join(tmpdir(), 'own-console-'));
  const child: ChildProcess = spawn(path.resolve(root, bin), [], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LEPTOS_OUTPUT_NAME: 'everai_console',
      LEPTOS_SITE_ROOT: 'target/site',
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      EVERAI_SIM_ADDR: `127.0.0.1:${simPort}`,
      EVERAI_SIM_TOKEN: simToken,
      CONSOLE_DATABASE_URL: `sqlite://${dir}/audit.sqlite3`,
      RUST_LOG: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  let failed: Error | undefined;
  child.once('error', (e) => (failed = e));
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  const alive = () => child.exitCode === null && child.signalCode === null && !failed;
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (!alive()) throw new Error(`the console stopped at start (${failed ?? child.exitCode ?? child.signalCode}):\n${output}`);
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1_000) });
      // Answered, and by this console: it is still running (a console that
      // lost the port race would have exited).
      if (res.ok && alive()) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the console did not answer within 20 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    base,
    sim: { base: `http://127.0.0.1:${simPort}`, token: simToken },
    log: () => output,
    stop: async () => {
      if (!alive()) return;
      child.kill('SIGTERM');
      // It lets requests in progress finish; there are none, so a few
      // seconds is plenty before it is made to stop.
      const killed = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killed);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The simulator's API calls so far, by kind; with `user`, only those made with that user's token. */
export async function simCalls(own: OwnConsole, user?: string): Promise<Record<string, number>> {
  const query = user ? `?user=${encodeURIComponent(user)}` : '';
  const res = await fetch(`${own.sim.base}/_sim/calls${query}`, {
    headers: { Authorization: `Bearer ${own.sim.token}` },
  });
  if (!res.ok) throw new Error(`/_sim/calls: ${res.status}`);
  return (await res.json()) as Record<string, number>;
}
