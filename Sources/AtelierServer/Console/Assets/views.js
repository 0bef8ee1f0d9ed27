// Turns API data into DOM. Text always goes in as text (never as HTML), so a listing's title
// cannot inject markup.

/** `el("a", {href: "…", class: "x"}, "text", child)` */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Only http(s) links from listings become hrefs; app deep links keep their own scheme. */
function safeURL(value, { appLink = false } = {}) {
  if (!value) return null;
  try {
    const url = new URL(value, location.href);
    if (url.protocol === "http:" || url.protocol === "https:") return url.href;
    if (appLink && !["javascript:", "data:", "vbscript:", "blob:", "file:"].includes(url.protocol)) return url.href;
  } catch {
    return null;
  }
  return null;
}

export function price(amount, currency) {
  const value = Number(amount);
  if (!Number.isFinite(value)) return `${amount} ${currency}`;
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(value);
  } catch {
    return `${amount} ${currency}`;
  }
}

/** One search hit as a card: photo, title, price, facts and the links to buy it. */
export function resultCard(hit) {
  const listing = hit.listing;
  const image = safeURL(listing.thumb_url || listing.image_url);
  const facts = [listing.brand, listing.size && `size ${listing.size}`, listing.condition, listing.marketplace].filter(Boolean);
  const link = safeURL(listing.url);
  const deepLink = safeURL(listing.deep_link, { appLink: true });
  return el("li", { class: "result", dataset: { listingId: listing.id } },
    image ? el("img", { src: image, alt: listing.title, loading: "lazy", width: 240, height: 300 }) : el("div", { class: "no-photo" }, "No photo"),
    el("div", { class: "result-body" },
      el("h4", {}, listing.title),
      el("p", { class: "price" }, price(listing.price, listing.currency)),
      el("p", { class: "facts" }, facts.join(" · ")),
      el("p", { class: "score" }, `Match ${Math.round(hit.score * 100)} %`),
      el("p", { class: "links" },
        link ? el("a", { href: link, target: "_blank", rel: "noopener noreferrer", "aria-label": `View listing: ${listing.title}` }, "View listing") : null,
        deepLink ? el("a", { href: deepLink, class: "secondary-link", "aria-label": `Open in app: ${listing.title}` }, "Open in app") : null)));
}

/** One of my photos, with buttons to search with it or to run a processor on it. */
export function mediaCard(asset, { onUse }) {
  const thumb = asset.variants && (asset.variants.thumb || asset.variants.display);
  const when = new Date(asset.created_at).toLocaleString();
  const button = el("button", { type: "button", "aria-label": `Use this photo, uploaded ${when}` }, "Use this photo");
  button.addEventListener("click", () => onUse(asset));
  return el("li", { class: "media", dataset: { mediaId: asset.id } },
    thumb ? el("img", { src: thumb.url, alt: `Photo uploaded ${when}`, loading: "lazy", width: thumb.width, height: thumb.height }) : null,
    el("p", { class: "facts" }, `${asset.width} × ${asset.height} ${asset.format}, ${when}`),
    button);
}

export function processorRow(processor) {
  return el("tr", { dataset: { processor: processor.name } },
    el("th", { scope: "row" }, processor.title, el("br"), el("code", {}, processor.name)),
    el("td", {}, processor.description),
    el("td", {}, processor.cost === 1 ? "1 credit" : `${processor.cost} credits`),
    el("td", {}, processor.queue),
    el("td", {}, processor.premium ? "Premium" : "Everyone"));
}

export function ledgerRow(entry) {
  const delta = entry.delta > 0 ? `+${entry.delta}` : String(entry.delta);
  const why = entry.job_id ? `${entry.reason} ${entry.job_id.slice(0, 8)}` : entry.reason;
  return el("tr", {},
    el("td", {}, new Date(entry.created_at).toLocaleString()),
    el("td", { class: entry.delta < 0 ? "debit" : "credit" }, delta),
    el("td", {}, why),
    el("td", {}, String(entry.balance_after)));
}

/** Replaces a list's children. */
export function fill(container, nodes) {
  container.replaceChildren(...nodes);
}
