import type { FullConfig } from '@playwright/test';

// `cargo leptos end-to-end` starts the tests as soon as it has launched the
// server, not when the server listens: wait here until it answers.
export default async function globalSetup(config: FullConfig) {
  const baseURL = config.projects[0].use.baseURL as string;
  const deadline = Date.now() + 120_000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(baseURL + '/', { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the console at ${baseURL} did not answer within 120 s: ${last}`);
}
