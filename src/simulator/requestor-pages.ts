import { randomBytes, randomUUID, type JsonWebKey } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jwsKeyId, verifyCompactJws } from './compact-jws.ts';
import type { PushAccountsSimulator } from './push-accounts-simulator.ts';
import { findSimulatedRequestor, type SimulatedRequestor } from './simulated-requestors.ts';

/** Where the simulated token requestors' web pages live on the simulator (outside the `/mdes` API). */
export const REQUESTOR_PAGES_PREFIX = '/requestors/';
/** The pages have no script; the form may post only to the simulator (its answer redirects to the issuer). */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";
const RESULT_CHOICES = ['APPROVED', 'DECLINED', 'REQUIRE_ADDITIONAL_AUTHENTICATION', 'ERROR'] as const;

interface CheckedPush {
  receipts: Array<{ receipt: string; accountPanSuffix: string }>;
  callbackURL: string;
  locale: string | undefined;
  signed: boolean;
  sessionId: string | undefined;
}

/**
 * The web side of each sample token requestor: the page its WEB uri opens checks what the issuer sent
 * (the JWS against the JWK Get Asset serves, or the receipts against the ones the simulator issued), lets the person
 * approve or cancel, and returns to `callbackURL` with `results[<receipt>]=<STATUS>|<tokenUniqueReference>`.
 */
export function createRequestorPages(opts: { assetDir: string; origin: () => string; push: PushAccountsSimulator; now?: () => number }) {
  const now = opts.now ?? Date.now;

  function check(requestor: SimulatedRequestor, query: URLSearchParams): CheckedPush | string {
    const signatureSupport = requestor.tokenRequestorSignatureSupport === true;
    let receiptIds: string[];
    let callbackURL: unknown;
    let locale: unknown;
    let sessionId: unknown;
    const pushAccountData = query.get('pushAccountData');
    if (pushAccountData !== null) {
      if (!signatureSupport) return 'This token requestor expects pushAccountReceipts, not signed pushAccountData.';
      // The key is looked up by its kid exactly as Get Asset publishes it (one application/jwk+json entry).
      const jwk = publishedJwk(opts.push, jwsKeyId(pushAccountData));
      if (!jwk) return 'The signature names a key (kid) Mastercard does not publish.';
      const payload = verifyCompactJws(pushAccountData, jwk) as Record<string, unknown> | undefined;
      if (!payload) return 'The pushAccountData signature does not verify.';
      if (typeof payload.exp !== 'number' || payload.exp * 1000 < now()) return 'The signed push data has expired.';
      receiptIds = Array.isArray(payload.pushAccountReceipts) ? payload.pushAccountReceipts.map(String) : [];
      ({ callbackURL, locale } = payload);
      sessionId = payload.tokenRequestorSessionId;
    } else {
      if (signatureSupport) return 'This token requestor only accepts signed pushAccountData.';
      receiptIds = (query.get('pushAccountReceipts') ?? '').split(',').filter(Boolean);
      callbackURL = query.get('callbackURL') ?? undefined;
      locale = query.get('locale') ?? undefined;
    }
    if (receiptIds.length === 0) return 'No push account receipts were sent.';
    if (receiptIds.length > 1 && requestor.supportsMultiplePushedCards !== true) return 'This token requestor takes one card at a time.';
    if (typeof callbackURL !== 'string' || !isReturnableUrl(callbackURL)) return 'The callbackURL is missing or not a URL we can return to.';
    const receipts: CheckedPush['receipts'] = [];
    for (const receipt of receiptIds) {
      const issued = opts.push.receipts.get(receipt);
      if (!issued || issued.tokenRequestorId !== requestor.tokenRequestorId) return `Receipt ${receipt} was not issued for ${displayName(requestor)}.`;
      if (issued.expiresAt < now()) return `Receipt ${receipt} has expired.`;
      if (issued.used) return `Receipt ${receipt} was already used.`;
      receipts.push({ receipt, accountPanSuffix: issued.accountPanSuffix });
    }
    return {
      receipts,
      callbackURL,
      locale: typeof locale === 'string' ? locale : undefined,
      signed: pushAccountData !== null,
      sessionId: typeof sessionId === 'string' ? sessionId : undefined,
    };
  }

  function pushPage(requestor: SimulatedRequestor, query: URLSearchParams): string {
    const returned = query.get('status');
    if (returned !== null) {
      const detail = query.get('errDescription');
      return page(requestor, `<p id="issuer-returned">The issuer returned <strong>${escapeHtml(returned)}</strong>${detail ? ` (${escapeHtml(detail)})` : ''} for session <code>${escapeHtml(query.get('sessionId') ?? '')}</code>.</p>`);
    }
    const checked = check(requestor, query);
    if (typeof checked === 'string') return page(requestor, `<p id="check-failed" class="bad">${escapeHtml(checked)}</p>`);
    const rows = checked.receipts
      .map(
        ({ receipt, accountPanSuffix }) => `<li class="card" data-receipt="${escapeHtml(receipt)}"><span>Card •••• ${escapeHtml(accountPanSuffix)}</span>
<select name="result:${escapeHtml(receipt)}" aria-label="Result for card ending ${escapeHtml(accountPanSuffix)}">${RESULT_CHOICES.map((choice) => `<option value="${choice}">${choice}</option>`).join('')}</select></li>`,
      )
      .join('\n');
    const verified = checked.signed
      ? `<p id="check-ok" class="ok">Signature verified (RS256, kid <code>${escapeHtml(opts.push.jwsKey.kid)}</code>); ${checked.receipts.length} receipt(s) issued by MDES for us.</p>`
      : `<p id="check-ok" class="ok">${checked.receipts.length} receipt(s) checked with MDES: issued for us, unexpired, unused.</p>`;
    const hidden = [
      ['receipts', checked.receipts.map((r) => r.receipt).join(',')],
      ['callbackURL', checked.callbackURL],
    ]
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value!)}">`)
      .join('');
    return page(
      requestor,
      `${verified}
<p>Add these cards to ${escapeHtml(displayName(requestor))}${checked.locale ? ` (locale ${escapeHtml(checked.locale)})` : ''}${checked.sessionId ? ` for session <code>${escapeHtml(checked.sessionId)}</code>` : ''}?</p>
<form method="post" action="${REQUESTOR_PAGES_PREFIX}${requestor.tokenRequestorId}/push/complete">${hidden}
<ul class="cards">${rows}</ul>
<button type="submit" name="action" value="approve" id="approve">Add cards</button>
<button type="submit" name="action" value="cancel" id="cancel">Cancel</button>
</form>`,
    );
  }

  function completion(requestor: SimulatedRequestor, form: URLSearchParams): { location?: string; error?: string } {
    const callbackURL = form.get('callbackURL') ?? '';
    if (!isReturnableUrl(callbackURL)) return { error: 'The callbackURL is not a URL we can return to.' };
    const cancel = form.get('action') === 'cancel';
    const parts: string[] = [];
    for (const receipt of (form.get('receipts') ?? '').split(',').filter(Boolean)) {
      const issued = opts.push.receipts.get(receipt);
      if (!issued || issued.tokenRequestorId !== requestor.tokenRequestorId || issued.used) {
        return { error: `Receipt ${receipt} is not usable.` };
      }
      issued.used = true;
      const chosen = form.get(`result:${receipt}`);
      const status = cancel ? 'CANCELLED' : (RESULT_CHOICES as readonly string[]).includes(chosen ?? '') ? chosen! : 'APPROVED';
      const tokenUniqueReference = status === 'APPROVED' || status === 'REQUIRE_ADDITIONAL_AUTHENTICATION' ? newTokenUniqueReference() : '';
      parts.push(`${encodeURIComponent(`results[${receipt}]`)}=${encodeURIComponent(`${status}|${tokenUniqueReference}`)}`);
    }
    return { location: `${callbackURL}${callbackURL.includes('?') ? '&' : '?'}${parts.join('&')}` };
  }

  function homePage(requestor: SimulatedRequestor, query: URLSearchParams): string {
    const issuer = query.get('issuer');
    if (!issuer || !/^https?:$/.test(safeProtocol(issuer))) {
      return page(requestor, '<p>Open this page with <code>?issuer=&lt;the issuer page URL&gt;</code> to start adding a card from your bank.</p>');
    }
    const start = new URL(issuer);
    start.searchParams.set('trid', requestor.tokenRequestorId);
    start.searchParams.set('sessionId', randomUUID());
    start.searchParams.set('locale', 'en_US');
    start.searchParams.set('userInterface', 'WEB');
    return page(requestor, `<p>Your wallet has no cards yet.</p><p><a id="start-pull" href="${escapeHtml(start.toString())}">Add a card from your bank</a></p>`);
  }

  return {
    /** Handles a request under REQUESTOR_PAGES_PREFIX; the body (form posts) is already read. */
    async handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
      const url = new URL(req.url ?? '/', 'http://simulator');
      const match = /^\/requestors\/(\d{11})(\/push(?:\/complete)?)?\/?$/.exec(url.pathname);
      const requestor = match ? await findSimulatedRequestor(opts.assetDir, opts.origin(), match[1]!) : undefined;
      if (!match || !requestor) return sendHtml(res, 404, '<!doctype html><title>Not found</title><p>No such token requestor.</p>');
      const sub = match[2];
      if (req.method === 'POST' && sub === '/push/complete') {
        const result = completion(requestor, new URLSearchParams(body));
        if (result.error) return sendHtml(res, 400, page(requestor, `<p id="check-failed" class="bad">${escapeHtml(result.error)}</p>`));
        res.writeHead(303, { Location: result.location!, 'Content-Length': 0, 'Cache-Control': 'no-store' });
        res.end();
        return;
      }
      if (req.method !== 'GET') return sendHtml(res, 405, page(requestor, '<p>Method not allowed.</p>'));
      if (sub === '/push') return sendHtml(res, 200, pushPage(requestor, url.searchParams));
      if (sub === undefined) return sendHtml(res, 200, homePage(requestor, url.searchParams));
      return sendHtml(res, 404, page(requestor, '<p>Not found.</p>'));
    },
  };
}

function publishedJwk(push: PushAccountsSimulator, kid: string | undefined): JsonWebKey | undefined {
  const body = kid === undefined ? undefined : push.jwkAssetBody(kid);
  if (body === undefined) return undefined;
  const entry = (JSON.parse(body) as { mediaContents: Array<{ type: string; data: string }> }).mediaContents[0];
  return entry?.type === 'application/jwk+json' ? (JSON.parse(Buffer.from(entry.data, 'base64').toString('utf8')) as JsonWebKey) : undefined;
}

/** `https:`/`http:` URLs or an app scheme; never `javascript:`, `data:`, `file:` or similar. */
function isReturnableUrl(value: string): boolean {
  const protocol = safeProtocol(value);
  return protocol !== '' && !['javascript:', 'data:', 'file:', 'vbscript:', 'blob:'].includes(protocol);
}

function safeProtocol(value: string): string {
  try {
    return new URL(value).protocol;
  } catch {
    return '';
  }
}

/** Shaped like MDES token references: `DWSPMC` + 32 hex digits. */
function newTokenUniqueReference(): string {
  return `DWSPMC${randomBytes(16).toString('hex').toUpperCase()}`;
}

function displayName(requestor: SimulatedRequestor): string {
  return String(requestor.consumerFacingEntityName ?? requestor.name ?? requestor.tokenRequestorId);
}

function page(requestor: SimulatedRequestor, content: string): string {
  const name = escapeHtml(displayName(requestor));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name} (simulated token requestor)</title>
<style>body{font:16px/1.45 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1f24}header{background:#1b365d;color:#fff;padding:16px 24px}
main{max-width:640px;margin:24px auto;background:#fff;border-radius:12px;padding:20px 24px;box-shadow:0 1px 4px #0002}
.ok{color:#0b6b2b}.bad{color:#a4262c}ul.cards{list-style:none;padding:0}li.card{display:flex;justify-content:space-between;align-items:center;padding:8px 0;border-bottom:1px solid #eee}
button{font:inherit;padding:8px 16px;margin-right:8px;border-radius:8px;border:1px solid #1b365d;background:#1b365d;color:#fff}button#cancel{background:#fff;color:#1b365d}</style></head>
<body><header><strong>${name}</strong> · simulated token requestor ${escapeHtml(requestor.tokenRequestorId)}</header><main>${content}</main></body></html>`;
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Content-Security-Policy': PAGE_CSP,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(html);
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
