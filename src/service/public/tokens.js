// Merchant "Manage cards": the saved cards are tokens, loaded by reference from GET /v1/tokens/{tokenUniqueReference}.
// "New card art from the issuer" has the embedded simulator send a real Notify Token Updated; the card is then
// polled until its art URL changes and redrawn, with no reload. Uses element, getJson and showStatus from app.js.
const TOKEN_CARD_WIDTHS = [384, 768];
const NEW_ART_LABEL = 'New card art from the issuer';
const POLL_INTERVAL_MS = 250;
const POLL_ATTEMPTS = 40;

function cardArtAtWidth(cardArtUrl, width) {
  const url = new URL(cardArtUrl, window.location.origin);
  url.searchParams.set('width', String(width));
  return `${url.pathname}${url.search}`;
}

function drawTokenCard(img, token) {
  img.dataset.cardArtUrl = token.cardArtUrl ?? '';
  if (!token.cardArtUrl) return;
  img.srcset = TOKEN_CARD_WIDTHS.map((w) => `${cardArtAtWidth(token.cardArtUrl, w)} ${w}w`).join(', ');
  img.src = cardArtAtWidth(token.cardArtUrl, TOKEN_CARD_WIDTHS[0]);
}

const tokenUrl = (reference) => `/v1/tokens/${encodeURIComponent(reference)}`;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function askIssuerForNewArt(reference, img, button) {
  const before = img.dataset.cardArtUrl;
  button.disabled = true;
  button.textContent = 'Waiting for the issuer…';
  try {
    const response = await fetch(`/demo/tokens/${encodeURIComponent(reference)}/new-card-art`, { method: 'POST' });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body?.error?.message ?? `the simulator answered ${response.status}`);
    for (let attempt = 0; attempt < POLL_ATTEMPTS; attempt += 1) {
      const token = await getJson(tokenUrl(reference));
      if (token.cardArtUrl !== before) {
        drawTokenCard(img, token);
        showStatus('cards-status', '');
        return;
      }
      await pause(POLL_INTERVAL_MS);
    }
    showStatus('cards-status', 'The issuer has not sent new art yet.', true);
  } catch (error) {
    showStatus('cards-status', `Could not get new card art: ${error.message}`, true);
  } finally {
    button.disabled = false;
    button.textContent = NEW_ART_LABEL;
  }
}

async function showTokenCards() {
  const list = document.getElementById('cards');
  try {
    const demoTokens = await getJson('/demo/tokens.json');
    const tokens = await Promise.all(demoTokens.map(({ tokenUniqueReference }) => getJson(tokenUrl(tokenUniqueReference))));
    tokens.forEach((token, index) => {
      const { name } = demoTokens[index];
      const item = element('li', 'card');
      item.dataset.token = token.tokenUniqueReference;
      const img = element('img');
      img.alt = `${name} card`;
      img.decoding = 'async';
      img.sizes = '(max-width: 860px) 90vw, 320px';
      drawTokenCard(img, token);
      const button = element('button', 'new-art', NEW_ART_LABEL);
      button.type = 'button';
      button.addEventListener('click', () => askIssuerForNewArt(token.tokenUniqueReference, img, button));
      const digits = token.accountPanSuffix ? `•••• ${token.accountPanSuffix}` : '';
      item.append(img, element('span', 'name', name), element('span', 'digits', digits), button);
      list.append(item);
    });
    showStatus('cards-status', tokens.length ? '' : 'No demo cards.');
  } catch (error) {
    showStatus('cards-status', `Could not load the cards: ${error.message}`, true);
  }
}

showTokenCards();
