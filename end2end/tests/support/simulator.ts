import { expect, type APIRequestContext } from '@playwright/test';

// The console's built-in simulator, driven directly: `make e2e` starts the
// console with EVERAI_SIM_ADDR and EVERAI_SIM_TOKEN so tests can reach the
// simulator's control endpoints on loopback.
const addr = process.env.EVERAI_SIM_ADDR ?? '127.0.0.1:3302';
const token = process.env.EVERAI_SIM_TOKEN ?? 'e2e-simulator';
const base = `http://${addr}`;
const auth = { Authorization: `Bearer ${token}` };

export type Faults = {
  latency_ms?: number;
  error_rate?: number;
  error_status?: number;
  retry_after_secs?: number;
  truncate_rate?: number;
  html_rate?: number;
  /** `namespace/app` names; empty or absent: every API request. */
  apps?: string[];
};

/** Replaces the simulator's fault injection (`{}` switches it off). */
export async function setFaults(request: APIRequestContext, faults: Faults) {
  const res = await request.put(`${base}/_sim/faults`, { headers: auth, data: faults });
  expect(res.status(), await res.text()).toBe(200);
}

/** How the app's next launches go: seconds to RUNNING, share that fail. */
export async function tuneLaunch(
  request: APIRequestContext,
  namespace: string,
  app: string,
  settings: { secs?: [number, number]; failure?: number },
) {
  const res = await request.put(`${base}/_sim/apps/${namespace}/${app}/launch`, { headers: auth, data: settings });
  expect(res.status(), await res.text()).toBe(200);
}
