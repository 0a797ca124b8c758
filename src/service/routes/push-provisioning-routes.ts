import { Router } from 'express';
import { requireBearerToken } from '../bearer-auth.ts';
import { PROVISIONING_ERROR_MESSAGES } from '../push-provisioning/contract-errors.ts';
import type { ProvisioningService } from '../push-provisioning/provisioning-service.ts';
import { clientGoneSignal } from '../request-signal.ts';

/** Answers carry receipts and session data: never cached by browsers or proxies. */
const NO_STORE = 'no-store';

/** POST /v1/push-provisioning, GET /v1/push-provisioning/results, GET /v1/pull-provisioning(/return-url), behind API_TOKENS. */
export function pushProvisioningRoutes(deps: { provisioning: ProvisioningService; apiTokens: readonly string[] | undefined }): Router {
  const { provisioning } = deps;
  const router = Router();
  const auth = requireBearerToken(deps.apiTokens);

  router.post('/v1/push-provisioning', auth, async (req, res) => {
    const outcome = await provisioning.push(req.body, clientGoneSignal(res));
    res.setHeader('Cache-Control', NO_STORE);
    if (outcome.ok) {
      res.json(outcome.answer);
      return;
    }
    res.status(422).json({
      error: { code: 'NO_ELIGIBLE_ACCOUNTS', message: PROVISIONING_ERROR_MESSAGES.NO_ELIGIBLE_ACCOUNTS, ineligible: outcome.ineligible },
    });
  });

  router.get('/v1/push-provisioning/results', auth, async (req, res) => {
    // Read from the raw URL: the keys are `results[<receipt>]`, which a nested query parser would reshape.
    const raw = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    const answer = await provisioning.results(raw);
    res.setHeader('Cache-Control', NO_STORE);
    res.json(answer);
  });

  router.get('/v1/pull-provisioning', auth, async (req, res) => {
    const answer = await provisioning.pull(req.query, clientGoneSignal(res));
    res.setHeader('Cache-Control', NO_STORE);
    res.json(answer);
  });

  router.get('/v1/pull-provisioning/return-url', auth, async (req, res) => {
    const answer = await provisioning.pullReturnUrl(req.query, clientGoneSignal(res));
    res.setHeader('Cache-Control', NO_STORE);
    res.json(answer);
  });

  return router;
}
