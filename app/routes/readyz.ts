import { json } from "@remix-run/node";
import { pingDatabase } from "@db/client.server";
import { isDraining } from "~/health.server";

/**
 * Readiness for load balancers (ADR 028): 503 while this process drains after SIGTERM or while
 * the database cannot be reached, 200 when it should be given requests. Liveness is /healthz.
 */
export async function loader() {
  const headers = { "Cache-Control": "no-store" };
  if (isDraining()) return json({ ready: false, reason: "draining" }, { status: 503, headers });
  if (!(await pingDatabase())) return json({ ready: false, reason: "database unreachable" }, { status: 503, headers });
  return json({ ready: true }, { headers });
}
