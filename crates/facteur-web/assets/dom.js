// Building the page without ever parsing a string as HTML: every element is made with createElement and
// every text goes in with textContent, so nothing from a message or a server can become markup.

/** An element with properties (`class`, `dataset`, `on*` listeners, anything else set as an attribute or
 * property) and children (nodes, or strings that become text nodes). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Removes every child of `node`. */
export function clear(node) {
  node.replaceChildren();
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

/** Shows or hides an element through the `hidden` attribute (which the CSS honours everywhere). */
export function show(node, visible = true) {
  node.hidden = !visible;
}

// http(s) and www. addresses in plain text, ending before trailing punctuation that is usually the sentence's.
const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"]+[^\s<>".,;:!?)\]}'’]/gi;

/** Plain text as text nodes, with its web addresses as links that open in a new tab, knowing nothing of us. */
export function linkify(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const href = match[0].toLowerCase().startsWith('www.') ? `https://${match[0]}` : match[0];
    let url;
    try {
      url = new URL(href);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    fragment.append(text.slice(last, match.index));
    fragment.append(el('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer' }, match[0]));
    last = match.index + match[0].length;
  }
  fragment.append(text.slice(last));
  return fragment;
}
