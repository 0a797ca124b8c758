// Demo page: plain DOM code, no build step. Every image comes from the card-art endpoints.
// The "Manage cards" screen lives in tokens.js (loaded after this file, using element, getJson and showStatus).
const LOGO_SIZES = [96, 192];

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
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

async function showRequestors() {
  const list = document.getElementById('requestors');
  try {
    const { accountRanges } = await getJson('/demo/account-ranges.json');
    const query = new URLSearchParams({ accountRanges: accountRanges.join(',') });
    const { tokenRequestors } = await getJson(`/v1/token-requestors?${query}`);
    for (const requestor of tokenRequestors) {
      const item = element('li', 'requestor');
      const img = element('img');
      const name = requestor.consumerFacingEntityName || requestor.name;
      img.alt = `${name} logo`;
      img.src = `${requestor.logoUrl}?format=png&size=${LOGO_SIZES[0]}`;
      img.srcset = LOGO_SIZES.map((s, i) => `${requestor.logoUrl}?format=png&size=${s} ${i + 1}x`).join(', ');
      const label = element('div');
      label.append(element('div', 'name', name), element('div', 'type', requestor.tokenRequestorType === 'WALLET' ? 'Wallet' : 'Merchant'));
      const button = element('button', '', 'Add card');
      button.type = 'button';
      button.addEventListener('click', () => {
        button.textContent = 'Requested';
        button.disabled = true;
      });
      item.append(img, label, button);
      list.append(item);
    }
    showStatus('requestors-status', tokenRequestors.length ? '' : 'No eligible token requestors.');
  } catch (error) {
    showStatus('requestors-status', `Could not load token requestors: ${error.message}`, true);
  }
}

showRequestors();
