// Demo "Push to wallet" (issuer app): push provisioning and pull provisioning through MDES Token Connect.
// Card numbers are test numbers from /demo/push-cards.json; they go from this page to POST /v1/push-provisioning
// only. Nothing but the last four digits is kept in the page's session storage.
(() => {
  const LOGO_SIZES = [96, 192];
  const CARD_WIDTH = 384;
  const FLOW_KEY = 'card-art-push-flow';
  const PRODUCT_CONFIG_FIELDS = ['cardBackgroundCombinedAssetId', 'cardBackgroundAssetId', 'brandLogoAssetId', 'issuerLogoAssetId', 'coBrandLogoAssetId', 'foregroundColor', 'isCoBranded'];
  const STATUS_TEXT = {
    APPROVED: 'added',
    REQUIRE_ADDITIONAL_AUTHENTICATION: 'added, needs verification',
    AUTHENTICATED: 'added and verified',
    DECLINED: 'declined',
    CANCELLED: 'cancelled',
    ERROR: 'failed',
    DUPLICATE_REQUEST: 'already added',
    DELETED: 'removed',
  };

  const $ = (id) => document.getElementById(id);
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  async function call(url, init) {
    const response = await fetch(url, { ...init, headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}) } });
    const body = await response.json().catch(() => ({}));
    return { status: response.status, body };
  }
  function status(message, isError = false) {
    const node = $('push-status');
    node.textContent = message;
    node.classList.toggle('error', isError);
  }
  const nameOf = (requestor) => requestor.consumerFacingEntityName || requestor.name;
  const suffixOf = (card) => card.accountNumber.slice(-4);
  function cardArtUrl(card) {
    const params = new URLSearchParams();
    for (const field of PRODUCT_CONFIG_FIELDS) {
      const value = card.productConfig?.[field];
      if (value !== undefined && value !== null && value !== '') params.set(field, String(value));
    }
    params.set('text', `•••• ${suffixOf(card)}`);
    params.set('width', String(CARD_WIDTH));
    return `/v1/card-art?${params}`;
  }
  function logo(requestor, size = 48) {
    const img = element('img');
    img.alt = `${nameOf(requestor)} logo`;
    img.width = size;
    img.height = size;
    img.src = `${requestor.logoUrl}?format=png&size=${LOGO_SIZES[0]}`;
    img.srcset = LOGO_SIZES.map((s, i) => `${requestor.logoUrl}?format=png&size=${s} ${i + 1}x`).join(', ');
    return img;
  }
  const webUri = (requestor) => (requestor.availablePushMethods || []).find((method) => method.type === 'WEB')?.uri;

  let cards = [];

  function showCardPicker() {
    const list = $('push-cards');
    list.replaceChildren();
    cards.forEach((card, index) => {
      const item = element('li', 'push-card');
      const label = element('label');
      const box = element('input');
      box.type = 'checkbox';
      box.value = String(index);
      box.checked = index === 0;
      box.setAttribute('aria-label', `${card.name} •••• ${suffixOf(card)}`);
      const img = element('img');
      img.alt = `${card.name} card`;
      img.src = cardArtUrl(card);
      img.decoding = 'async';
      label.append(box, img, element('span', 'name', card.name), element('span', 'digits', `•••• ${suffixOf(card)}`));
      item.append(label);
      list.append(item);
    });
  }
  const pickedCards = () => Array.from(document.querySelectorAll('#push-cards input:checked')).map((box) => cards[Number(box.value)]);

  /** Asks for receipts, lists what cannot be pushed, and offers to continue to the requestor with the rest. */
  async function push(requestor, extra = {}) {
    const picked = pickedCards();
    if (picked.length === 0) return status('Pick at least one card first.', true);
    status(`Asking Mastercard for receipts for ${picked.length} card(s)…`);
    const { status: code, body } = await call('/v1/push-provisioning', {
      method: 'POST',
      body: JSON.stringify({
        tokenRequestorId: requestor.tokenRequestorId,
        pushMethod: 'WEB',
        accounts: picked.map(({ accountNumber, expiryMonth, expiryYear, accountHolderData }) => ({ accountNumber, expiryMonth, expiryYear, accountHolderData })),
        callbackURL: `${location.origin}/?pushReturn=1`,
        locale: 'en_US',
        completeIssuerAppActivation: false,
        completeWebsiteActivation: true,
        ...(requestor.clickToPay === true ? { extFlow: true } : {}),
        ...extra,
      }),
    });
    const summary = $('push-summary');
    summary.replaceChildren();
    const ineligible = code === 200 ? body.ineligible : body?.error?.ineligible;
    if (ineligible?.length) {
      const title = code === 200 ? `Not eligible for ${nameOf(requestor)}:` : `None of these cards can be added to ${nameOf(requestor)}:`;
      const list = element('ul', 'ineligible');
      list.id = 'push-ineligible';
      for (const entry of ineligible) list.append(element('li', '', `•••• ${entry.accountPanSuffix} — ${entry.description || entry.reasonCode}`));
      summary.append(element('p', '', title), list);
    }
    if (code !== 200) return status(body?.error?.message || `The push failed (${code}).`, true);
    const names = new Map(picked.map((card) => [suffixOf(card), card.name]));
    sessionStorage.setItem(
      FLOW_KEY,
      JSON.stringify({ requestor: nameOf(requestor), cards: body.pushed.map((p) => ({ receipt: p.pushAccountReceipt, suffix: p.accountPanSuffix, name: names.get(p.accountPanSuffix) || '' })) }),
    );
    const ready = element('p', '', `Ready for ${nameOf(requestor)}: ${body.pushed.map((p) => `•••• ${p.accountPanSuffix}`).join(', ')}${body.signed ? ' (signed)' : ''}.`);
    const go = element('a', 'button', `Continue to ${nameOf(requestor)}`);
    go.id = 'push-continue';
    go.href = body.redirectUrl;
    summary.append(ready, go);
    status('');
  }

  function showRequestorPicker(tokenRequestors) {
    const list = $('requestors');
    for (const requestor of tokenRequestors) {
      const item = element('li', 'requestor');
      item.dataset.tokenRequestorId = requestor.tokenRequestorId;
      const label = element('div');
      label.append(element('div', 'name', nameOf(requestor)), element('div', 'type', requestor.tokenRequestorType === 'WALLET' ? 'Wallet' : 'Merchant'));
      const uri = webUri(requestor);
      const home = uri && /\/requestors\/\d{11}\/push(\?.*)?$/.test(uri) ? uri.replace(/\/push(\?.*)?$/, '') : undefined;
      if (home) {
        const start = element('a', 'start-pull', 'start from the wallet');
        start.href = `${home}?issuer=${encodeURIComponent(`${location.origin}/`)}`;
        label.append(start);
      }
      const button = element('button', '', uri ? 'Add card' : 'App only');
      button.type = 'button';
      button.disabled = !uri;
      if (!uri) button.title = 'This requestor takes pushed cards in its mobile app only';
      button.addEventListener('click', () => push(requestor));
      item.append(logo(requestor), label, button);
      list.append(item);
    }
  }

  async function showResults() {
    const params = new URLSearchParams(location.search);
    if (![...params.keys()].some((key) => key.startsWith('results['))) return false;
    const flow = JSON.parse(sessionStorage.getItem(FLOW_KEY) || '{}');
    const { status: code, body } = await call(`/v1/push-provisioning/results?${location.search.slice(1)}`);
    const panel = $('push-results');
    panel.hidden = false;
    panel.replaceChildren(element('h3', '', flow.requestor ? `Back from ${flow.requestor}` : 'Back from the token requestor'));
    if (code !== 200) {
      panel.append(element('p', 'status error', body?.error?.message || `Could not read the results (${code}).`));
    } else {
      const list = element('ul', 'results');
      for (const result of body.results) {
        const known = flow.cards?.find((card) => card.receipt === result.pushAccountReceipt);
        const suffix = result.accountPanSuffix || known?.suffix || '????';
        const item = element('li', `result ${result.status.toLowerCase()}`);
        item.dataset.status = result.status;
        item.append(element('span', 'digits', `${known?.name ? `${known.name} ` : ''}•••• ${suffix}`), element('strong', '', STATUS_TEXT[result.status] || result.status));
        if (result.tokenUniqueReference) item.append(element('code', 'token-ref', result.tokenUniqueReference));
        list.append(item);
      }
      panel.append(list);
    }
    sessionStorage.removeItem(FLOW_KEY);
    history.replaceState(null, '', '/');
    return true;
  }

  /** Entered from a requestor (`?trid=&sessionId=&locale=&userInterface=`): its name and logo, no picker. */
  async function showPull(params) {
    const query = new URLSearchParams({ trid: params.get('trid') || '', sessionId: params.get('sessionId') || '', locale: params.get('locale') || '', userInterface: params.get('userInterface') || '' });
    const { status: code, body } = await call(`/v1/pull-provisioning?${query}`);
    if (code !== 200) return status(body?.error?.message || `This request from a token requestor is not valid (${code}).`, true);
    const { tokenRequestor: requestor, sessionId, locale, userInterface } = body;
    const panel = $('pull');
    panel.hidden = false;
    const head = element('div', 'pull-head');
    head.append(logo(requestor, 64), element('h3', '', `${requestor.consumerFacingEntityName} asks to add your cards`));
    const go = element('button', '', 'Continue');
    go.type = 'button';
    go.id = 'pull-continue';
    go.addEventListener('click', () => push(requestor, { tokenRequestorSessionId: sessionId, locale }));
    const cancel = element('button', 'secondary', 'Cancel');
    cancel.type = 'button';
    cancel.id = 'pull-cancel';
    cancel.addEventListener('click', async () => {
      const back = new URLSearchParams({ trid: requestor.tokenRequestorId, sessionId, userInterface, status: 'CANCELLED' });
      const answer = await call(`/v1/pull-provisioning/return-url?${back}`);
      if (answer.status === 200) location.assign(answer.body.redirectUrl);
      else status(answer.body?.error?.message || 'Could not return to the requestor.', true);
    });
    panel.replaceChildren(head, element('p', 'hint', 'Pick the cards below, then continue.'), go, cancel);
    $('requestors').hidden = true;
    $('requestors-status').textContent = '';
  }

  async function start() {
    try {
      const [cardList, ranges] = await Promise.all([call('/demo/push-cards.json'), call('/demo/account-ranges.json')]);
      cards = Array.isArray(cardList.body) ? cardList.body : [];
      showCardPicker();
      const returned = await showResults();
      const params = new URLSearchParams(location.search);
      if (!returned && params.has('trid')) return showPull(params);
      const { status: code, body } = await call(`/v1/token-requestors?${new URLSearchParams({ accountRanges: (ranges.body.accountRanges || []).join(',') })}`);
      if (code !== 200) throw new Error(body?.error?.message || `token requestors answered ${code}`);
      showRequestorPicker(body.tokenRequestors);
      $('requestors-status').textContent = body.tokenRequestors.length ? '' : 'No eligible token requestors.';
    } catch (error) {
      $('requestors-status').textContent = `Could not load token requestors: ${error.message}`;
      $('requestors-status').classList.add('error');
    }
  }

  start();
})();
