import type { Health } from '../api-schemas.js';
import { jsonReply } from '../reply.js';
import type { Handler } from '../serve-app.js';

/**
 * GET /healthz: the ledger head and the last chain verification (run at start-up; `?verify=1`
 * runs another unless one finished in the last few seconds). 200 while the chain verified intact,
 * 503 once a verification found tampering, so a load balancer takes a tampered server out.
 */
export const health: Handler = async (app, request) => {
  const wanted = request.query.get('verify');
  if (wanted === '1' || wanted === 'true') await app.health.refresh();
  const last = app.health.last;
  const head = request.snapshot.head;
  const status = last === null ? 'unverified' : last.ok ? 'ok' : 'failing';
  const body: Health = {
    status,
    ledger: { head },
    verification:
      last === null
        ? null
        : {
            ...last,
            // Events appended since the verification have not been checked yet.
            covers_head: last.head.seq === head.seq && last.head.hash === head.hash,
          },
    verifying: app.health.running,
  };
  return jsonReply(body, { 'Cache-Control': 'no-store' }, status === 'failing' ? 503 : 200);
};
