// The Atelier web console: sign in, find listings by photo or words, run processors with live
// progress, see my photos, the processor catalogue and my credits. Plain ES modules, no build.
import { Api, ApiError, queryString } from "./api.js";
import { followJob } from "./progress.js";
import { el, fill, ledgerRow, mediaCard, processorRow, resultCard } from "./views.js";

const api = new Api();
const $ = (id) => document.getElementById(id);
const views = ["auth", "search", "media", "processors", "credits"];
// `?transport=sse` (or `websocket`) pins how job progress is followed; the default tries both.
const transport = new URLSearchParams(location.search).get("transport") || "auto";
let currentPhoto = null;
let mediaCursor = null;

// Messages -------------------------------------------------------------------------------------

function showError(error) {
  const words = error instanceof ApiError ? error.words : `Something went wrong in the page: ${error.message}`;
  const alert = $("alert");
  alert.textContent = words;
  alert.hidden = false;
  if (!(error instanceof ApiError)) console.error(error);
}

function clearError() {
  $("alert").hidden = true;
  $("alert").textContent = "";
}

function announce(text) {
  $("status").textContent = text;
}

/** Runs an action from a form or button: clears the last error, disables the control meanwhile. */
function action(control, work) {
  return async (event) => {
    if (event) event.preventDefault();
    clearError();
    const buttons = control.querySelectorAll ? [...control.querySelectorAll("button"), control] : [control];
    buttons.forEach((button) => button.setAttribute("aria-busy", "true"));
    if (control.tagName === "BUTTON") control.disabled = true;
    try {
      await work(event);
    } catch (error) {
      showError(error);
    } finally {
      buttons.forEach((button) => button.removeAttribute("aria-busy"));
      if (control.tagName === "BUTTON") control.disabled = false;
    }
  };
}

// Views ----------------------------------------------------------------------------------------

function show(name, { focus = true } = {}) {
  if (!api.signedIn) name = "auth";
  if (!views.includes(name) || name === "auth" && api.signedIn) name = "search";
  for (const view of views) $(`view-${view}`).hidden = view !== name;
  $("nav").hidden = !api.signedIn;
  $("who").hidden = !api.signedIn;
  $("who-email").textContent = api.user ? api.user.email : "";
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.view === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const heading = $(`view-${name}`).querySelector("h2");
  if (focus && heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
  const load = { media: loadMedia, processors: loadProcessors, credits: loadCredits }[name];
  if (load) load().catch(showError);
}

function route() {
  show(location.hash.slice(1) || "search");
}

// Accounts -------------------------------------------------------------------------------------

$("auth-form").addEventListener("submit", action($("auth-form"), async (event) => {
  const email = $("auth-email").value.trim();
  const password = $("auth-password").value;
  if (!email || !password) throw new ApiError(422, "VALIDATION_FAILED", "Enter your email and a password.");
  const register = event.submitter && event.submitter.value === "register";
  if (register) await api.register(email, password);
  else await api.login(email, password);
  $("auth-password").value = "";
  announce(register ? `Account created for ${email}.` : `Signed in as ${email}.`);
  if (location.hash === "#search") route();
  else location.hash = "#search";
  await Promise.all([loadProcessors(), refreshBalance()]);
}));

$("sign-out").addEventListener("click", action($("sign-out"), async () => {
  await api.logout();
  currentPhoto = null;
  $("photo-panel").hidden = true;
  fill($("results"), []);
  announce("Signed out.");
  show("auth");
}));

// Search ---------------------------------------------------------------------------------------

function list(id) {
  return $(id).value.split(",").map((item) => item.trim()).filter(Boolean);
}

function filters() {
  return {
    price_max: $("filter-price-max").value,
    currency: $("filter-currency").value.toUpperCase(),
    size: list("filter-size"),
    brand: list("filter-brand"),
    category: list("filter-category"),
  };
}

/** Old results go as a search starts, so what shows afterwards is always this search's. */
function searching() {
  fill($("results"), []);
  $("results-summary").textContent = "Searching…";
}

function showResults(hits, what) {
  fill($("results"), hits.map(resultCard));
  const summary = hits.length === 0 ? `No listings match ${what}.` : `${hits.length} listing${hits.length === 1 ? "" : "s"} like ${what}.`;
  $("results-summary").textContent = summary;
  announce(summary);
  if (hits.length > 0) performance.mark("atelier:first-result");
}

async function searchWithPhoto(asset) {
  const body = { media_id: asset.id, limit: 24, filters: {} };
  for (const [name, value] of Object.entries(filters())) {
    if (Array.isArray(value) ? value.length : value) body.filters[name] = value;
  }
  searching();
  showResults(await api.request("POST", "/api/v1/search/image", { json: body }), "your photo");
}

function usePhoto(asset) {
  currentPhoto = asset;
  const display = asset.variants && (asset.variants.display || asset.variants.thumb);
  if (display) $("photo-preview").src = display.url;
  $("photo-panel").hidden = false;
  $("job").hidden = true;
}

$("photo-form").addEventListener("submit", action($("photo-form"), async () => {
  const file = $("photo-file").files[0];
  if (!file) throw new ApiError(422, "VALIDATION_FAILED", "Choose a photo first.");
  const form = new FormData();
  form.append("file", file, file.name);
  searching();
  announce("Uploading your photo…");
  const asset = await api.request("POST", "/api/v1/media", { body: form });
  usePhoto(asset);
  await searchWithPhoto(asset);
}));

$("text-form").addEventListener("submit", action($("text-form"), async () => {
  const q = $("text-q").value.trim();
  if (!q) throw new ApiError(422, "VALIDATION_FAILED", "Type a few words to search for.");
  searching();
  const hits = await api.request("GET", `/api/v1/search${queryString({ q, limit: 24, ...filters() })}`);
  showResults(hits, `“${q}”`);
}));

// Processors and jobs --------------------------------------------------------------------------

async function loadProcessors() {
  const processors = await api.request("GET", "/api/v1/processors");
  fill($("processors-table").querySelector("tbody"), processors.map(processorRow));
  const select = $("run-processor");
  const chosen = select.value || "image.enhance";
  const usable = processors.filter((processor) => processor.inputs.media_min <= 1 && processor.inputs.media_max >= 1);
  fill(select, usable.map((processor) => el("option", { value: processor.name },
    `${processor.title} (${processor.name}), ${processor.cost} credit${processor.cost === 1 ? "" : "s"}${processor.premium ? ", premium" : ""}`)));
  if (usable.some((processor) => processor.name === chosen)) select.value = chosen;
}

function showProgress(event, via) {
  const percent = Math.round((event.progress || 0) * 100);
  $("job-progress").value = percent;
  $("job-progress").setAttribute("aria-valuetext", `${percent} %`);
  const step = event.step ? `, ${event.step}` : "";
  $("job-text").textContent = `${percent} % — ${event.state}${step} (live over ${via})`;
  $("job").dataset.state = event.state;
  $("job").dataset.transport = via;
}

$("run-form").addEventListener("submit", action($("run-form"), async () => {
  if (!currentPhoto) throw new ApiError(422, "VALIDATION_FAILED", "Upload or choose a photo first.");
  const processor = $("run-processor").value;
  $("job").hidden = false;
  $("job-result").hidden = true;
  $("job-progress").value = 0;
  $("job-text").textContent = "Starting…";
  const job = await api.request("POST", "/api/v1/jobs", {
    json: { processor, media_ids: [currentPhoto.id] },
    headers: { "Idempotency-Key": crypto.randomUUID() },
  });
  refreshBalance().catch(() => {});
  showProgress(job, "HTTP");
  const last = await followJob(api, job.id, showProgress, transport);
  refreshBalance().catch(() => {});
  if (last.state !== "succeeded") {
    const reason = last.error && last.error.message ? last.error.message : `The job ended ${last.state}.`;
    throw new ApiError(0, (last.error && last.error.code) || "JOB_FAILED", `${processor} did not finish: ${reason}`);
  }
  const resultID = last.result && last.result.media_ids && last.result.media_ids[0];
  if (!resultID) {
    $("job-text").textContent = `Done: ${JSON.stringify(last.result)}`;
    return;
  }
  const asset = await api.request("GET", `/api/v1/media/${encodeURIComponent(resultID)}`);
  const display = asset.variants.display || asset.variants.thumb;
  $("job-result-image").src = display.url;
  $("job-result-caption").textContent = `Result of ${processor}: ${asset.width} × ${asset.height} ${asset.format}.`;
  $("job-result").hidden = false;
  announce(`${processor} finished; the result is shown.`);
}));

// My media and credits -------------------------------------------------------------------------

async function loadMedia({ more = false } = {}) {
  const page = await api.request("GET", `/api/v1/media${queryString({ limit: 24, cursor: more ? mediaCursor : "" })}`, { envelope: true });
  const cards = page.data.map((asset) => mediaCard(asset, {
    onUse: (chosen) => {
      usePhoto(chosen);
      location.hash = "#search";
      searchWithPhoto(chosen).catch(showError);
    },
  }));
  if (more) $("media-list").append(...cards);
  else fill($("media-list"), cards);
  mediaCursor = page.meta.next_cursor || null;
  $("media-more").hidden = !mediaCursor;
  const count = $("media-list").children.length;
  $("media-summary").textContent = count === 0 ? "No photos yet: upload one under Search." : `${count} photo${count === 1 ? "" : "s"}.`;
}

$("media-more").addEventListener("click", action($("media-more"), () => loadMedia({ more: true })));

async function loadCredits() {
  const credits = await api.request("GET", "/api/v1/credits?limit=50");
  $("credits-balance").textContent = String(credits.balance);
  $("who-balance").textContent = `${credits.balance} credits`;
  fill($("ledger-table").querySelector("tbody"), credits.ledger.map(ledgerRow));
}

async function refreshBalance() {
  const credits = await api.request("GET", "/api/v1/credits?limit=1");
  $("who-balance").textContent = `${credits.balance} credits`;
}

// Start ----------------------------------------------------------------------------------------

api.onSessionChange = (session) => {
  if (!session) show("auth", { focus: false });
};
window.addEventListener("hashchange", route);
window.addEventListener("unhandledrejection", (event) => showError(event.reason));
show(location.hash.slice(1) || "search", { focus: false });
if (api.signedIn) {
  Promise.all([loadProcessors(), refreshBalance()]).catch(showError);
}
document.documentElement.dataset.ready = "true";
