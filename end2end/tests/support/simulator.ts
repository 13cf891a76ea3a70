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
  /** Kinds of call (`list_queue`, `list_events`, `get_app`, …); empty or absent: every kind. */
  calls?: string[];
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

/**
 * An app of this test's own, in the simulator's `e2e` namespace: made (or
 * made anew) with `live` running workers, so a test that changes an app
 * changes one that no other test, nor the other project's run of this
 * test, reads. Its launches take 1-2 s and never fail.
 */
export async function ownApp(
  request: APIRequestContext,
  testInfo: { title: string; project: { name: string } },
  settings: { live: number; maxWorkers?: number },
): Promise<{ namespace: string; app: string }> {
  const slug = `${testInfo.project.name}-${testInfo.title}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  // Names are at most 63 characters; a hash keeps cut ones apart.
  let hash = 0;
  for (const c of slug) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  const app = `${slug.slice(0, 52).replace(/-$/, '')}-${hash.toString(36)}`;
  const namespace = 'e2e';
  const res = await request.put(`${base}/_sim/apps/${namespace}/${app}`, { headers: auth, data: settings });
  expect(res.status(), await res.text()).toBe(200);
  await tuneLaunch(request, namespace, app, { secs: [1, 2], failure: 0 });
  return { namespace, app };
}
