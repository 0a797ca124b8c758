// Demo page: plain DOM code, no build step. Every image comes from the card-art endpoints.
// The "Manage cards" screen lives in tokens.js (loaded after this file, using element, getJson and showStatus);
// the "Push to wallet" screen in push.js.

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

