// The console's only way to the server: JSON envelopes in, ApiError out, access tokens refreshed
// once on a 401. Tokens live in memory and in sessionStorage (gone when the tab closes).

const STORAGE_KEY = "atelier.session";

/** An error the server answered with (its envelope), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, code, message, requestId) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }

  /** The words to show a person: the server's message, and its request id when it has one. */
  get words() {
    return this.requestId ? `${this.message} (${this.code}, request ${this.requestId})` : this.message;
  }
}

export class Api {
  constructor(base = "") {
    this.base = base;
    this.session = null;
    this.onSessionChange = () => {};
    this.refreshing = null;
    try {
      this.session = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    } catch {
      this.session = null;
    }
  }

  get signedIn() {
    return Boolean(this.session && this.session.access_token);
  }

  get user() {
    return this.session ? this.session.user : null;
  }

  setSession(session) {
    this.session = session;
    if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else sessionStorage.removeItem(STORAGE_KEY);
    this.onSessionChange(session);
  }

  async register(email, password) {
    this.setSession(await this.request("POST", "/api/v1/auth/register", { json: { email, password }, auth: false }));
  }

  async login(email, password) {
    this.setSession(await this.request("POST", "/api/v1/auth/login", { json: { email, password }, auth: false }));
  }

  async logout() {
    const token = this.session && this.session.refresh_token;
    this.setSession(null);
    if (token) {
      await this.request("POST", "/api/v1/auth/logout", { json: { refresh_token: token }, auth: false }).catch(() => {});
    }
  }

  /** The access token, for the one call that cannot go through `request` (a streamed body). */
  authorization() {
    return this.session ? `Bearer ${this.session.access_token}` : "";
  }

  /** One refresh at a time, however many calls found their token expired. */
  async refresh() {
    if (!this.refreshing) {
      const token = this.session && this.session.refresh_token;
      this.refreshing = (async () => {
        try {
          if (!token) throw new ApiError(401, "UNAUTHORIZED", "Please sign in again.");
          const session = await this.request("POST", "/api/v1/auth/refresh", { json: { refresh_token: token }, auth: false });
          this.setSession(session);
        } catch (error) {
          this.setSession(null);
          throw error;
        } finally {
          this.refreshing = null;
        }
      })();
    }
    return this.refreshing;
  }

  /**
   * Sends a request and answers the envelope's `data` (or the whole envelope with `envelope:
   * true`). `json` is sent as JSON, `body` as is (FormData, Blob).
   */
  async request(method, path, { json, body, headers = {}, auth = true, envelope = false, retried = false } = {}) {
    const init = { method, headers: { Accept: "application/json", ...headers } };
    if (json !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(json);
    } else if (body !== undefined) {
      init.body = body;
    }
    if (auth && this.session) init.headers.Authorization = this.authorization();
    let response;
    try {
      response = await fetch(this.base + path, init);
    } catch (error) {
      throw new ApiError(0, "NETWORK", `The server could not be reached (${error.message}).`);
    }
    if (response.status === 401 && auth && !retried && this.session && this.session.refresh_token) {
      await this.refresh();
      return this.request(method, path, { json, body, headers, auth, envelope, retried: true });
    }
    if (response.status === 204) return null;
    let parsed = null;
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      const error = (parsed && parsed.error) || {};
      const requestId = (parsed && parsed.meta && parsed.meta.request_id) || response.headers.get("X-Request-ID");
      throw new ApiError(response.status, error.code || `HTTP_${response.status}`,
        error.message || `The server answered ${response.status} ${response.statusText}.`, requestId);
    }
    return envelope ? parsed : parsed && parsed.data;
  }
}

/** `?a=1&size=M&size=L` from an object of strings and arrays, skipping empty values. */
export function queryString(values) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null && String(item).trim() !== "") query.append(name, String(item).trim());
    }
  }
  const text = query.toString();
  return text ? `?${text}` : "";
}
