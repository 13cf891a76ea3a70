import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

// A console of a test's own, for settings the suite's shared console does
// not have (token sign-in, the default list sharing): the same binary the
// suite runs (`E2E_CONSOLE_BIN`, set by `make e2e` and `make e2e-release`),
// the same site files, its own built-in simulator and its own audit log,
// all on free loopback ports.

const root = path.resolve(__dirname, '../../..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

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
  const [port, simPort] = [await freePort(), await freePort()];
  const simToken = 'own-console-simulator';
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
      CONSOLE_DATABASE_URL: `sqlite://${mkdtempSync(path.join(tmpdir(), 'own-console-'))}/audit.sqlite3`,
      RUST_LOG: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the console stopped at start:\n${output}`);
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) break;
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
      child.kill('SIGTERM');
      await exited;
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
