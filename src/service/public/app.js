// Demo page: plain DOM code, no build step. Every image comes from the card-art endpoints.
const CARD_WIDTHS = [384, 768];
const PRODUCT_CONFIG_FIELDS = [
  'cardBackgroundCombinedAssetId',
  'cardBackgroundAssetId',
  'brandLogoAssetId',
  'issuerLogoAssetId',
  'coBrandLogoAssetId',
  'foregroundColor',
  'isCoBranded',
];

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function cardArtUrl(productConfig, text, width) {
  const params = new URLSearchParams();
  for (const field of PRODUCT_CONFIG_FIELDS) {
    const value = productConfig[field];
    if (value !== undefined && value !== null && value !== '') params.set(field, String(value));
  }
  if (text) params.set('text', text);
  params.set('width', String(width));
  return `/v1/card-art?${params}`;
}

/** "•••• 1234" from whatever the demo file holds (full text or just digits). */
function maskedDigits(text) {
  const digits = String(text ?? '').replace(/\D/g, '').slice(-4);
  return digits ? `•••• ${digits}` : '';
}

async function getJson(url) {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body?.error?.message ?? `${url} answered ${response.status}`);
  return body;
}

function showStatus(id, message, isError = false) {
  const status = document.getElementById(id);
  status.textContent = message;
  status.classList.toggle('error', isError);
}

async function showCards() {
  const list = document.getElementById('cards');
  try {
    const cards = await getJson('/demo/cards.json');
    for (const card of cards) {
      const text = maskedDigits(card.text);
      const item = element('li', 'card');
      const img = element('img');
      img.alt = `${card.name} card`;
      img.decoding = 'async';
      img.sizes = '(max-width: 860px) 90vw, 320px';
      img.srcset = CARD_WIDTHS.map((w) => `${cardArtUrl(card.productConfig, text, w)} ${w}w`).join(', ');
      img.src = cardArtUrl(card.productConfig, text, CARD_WIDTHS[0]);
      item.append(img, element('span', 'name', card.name), element('span', 'digits', text));
      list.append(item);
    }
    showStatus('cards-status', cards.length ? '' : 'No demo cards.');
  } catch (error) {
    showStatus('cards-status', `Could not load the cards: ${error.message}`, true);
  }
}

showCards();
// The "Push to wallet" screen lives in push.js.
