/* Voces field app: sending what waits on the phone, in batches, to
   POST /api/v1/campaigns/<slug>/signatures/batch/.

   A signature leaves the phone only when the server has answered 200 for it, with "created"
   or "duplicate". A cut connection, a timeout, a 5xx, a 401, 403 or 409 change nothing on the
   phone: the same batch (the same client_ids) is sent again later, and the server answers what
   it answered the first time, storing nothing twice. */

const BASE_DELAY_MS = 2000;
const MAX_DELAY_MS = 5 * 60 * 1000;
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;
const REQUEST_TIMEOUT_MS = 60 * 1000;

/** Exponential backoff with jitter: between half and all of base × 2^attempt, capped. */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Retry-After in seconds or as an HTTP date, in milliseconds (1 s to an hour). */
export function retryAfterDelay(header, now = Date.now()) {
  let ms = NaN;
  if (header && /^\s*\d+\s*$/.test(header)) ms = Number(header) * 1000;
  else if (header) ms = Date.parse(header) - now;
  if (!Number.isFinite(ms)) ms = BASE_DELAY_MS * 15;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(1000, ms));
}

/** The first word of a name: all the phone keeps of a signer once the server has answered. */
export function givenName(name) {
  return (name || "").trim().split(/\s+/)[0] || "?";
}

export function payload(record) {
  const item = {
    client_id: record.client_id,
    name: record.name,
    country: record.country,
    consent: record.consent === true,
    collected_at: record.collected_at,
    language: record.language,
  };
  if (record.email) item.email = record.email;
  if (record.phone) item.phone = record.phone;
  if (record.postal_code) item.postal_code = record.postal_code;
  if (record.consent_version !== null && record.consent_version !== undefined) {
    item.consent_version = record.consent_version;
  }
  return item;
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function readJson(response) {
  if (!(response.headers.get("Content-Type") || "").includes("json")) return null;
  try {
    return await response.json();
  } catch (error) {
    return null;
  }
}

export class Syncer {
  /**
   * store: the Store; user(): the logged-in username; batchSize(): how many per request;
   * shellUrl: fetched to get a fresh CSRF cookie; onChange(state): after every step.
   */
  constructor({ store, user, batchSize, shellUrl, onChange, fetcher = (...a) => fetch(...a) }) {
    this.store = store;
    this.user = user;
    this.batchSize = batchSize;
    this.shellUrl = shellUrl;
    this.onChange = onChange;
    this.fetcher = fetcher;
    this.attempt = 0;
    this.retryAt = 0;
    this.timer = null;
    this.running = null;
    this.sizeCap = Infinity;
    // Why sending stopped, until the collector presses "Send now" (or logs in again):
    // {login: true} or {organisations: {slug: message}}.
    this.stops = { login: false, organisations: {}, campaigns: {} };
    this.state = { phase: "idle" };
  }

  stopped() {
    return (
      this.stops.login ||
      Object.keys(this.stops.organisations).length > 0 ||
      Object.keys(this.stops.campaigns).length > 0
    );
  }

  /** Send what waits. `manual`: the collector asked (clears the stops and the backoff). */
  run({ manual = false } = {}) {
    if (this.running) return this.running;
    if (manual) {
      this.stops = { login: false, organisations: {}, campaigns: {} };
      this.retryAt = 0;
      this.attempt = 0;
    } else if (this.stops.login || Date.now() < this.retryAt) {
      return Promise.resolve();
    }
    clearTimeout(this.timer);
    this.timer = null;
    const work = async () => {
      const lock = navigator.locks && navigator.locks.request;
      // One tab sends at a time (sending twice would be harmless, only wasteful).
      if (lock) {
        await navigator.locks.request("voces-field-sync", { ifAvailable: true }, async (held) => {
          if (held) await this.runLocked();
        });
      } else {
        await this.runLocked();
      }
    };
    this.running = work().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** The connection came back: try at once, whatever the backoff said. */
  wake() {
    this.retryAt = 0;
    this.attempt = 0;
    return this.run();
  }

  set(state) {
    this.state = state;
    this.onChange(state);
  }

  /** What this account may send now: waiting, and not held back by a stop. */
  async sendable(user) {
    return (await this.store.all()).filter(
      (r) =>
        r.user === user &&
        r.state === "waiting" &&
        !(r.organisation in this.stops.organisations) &&
        !(r.campaign in this.stops.campaigns)
    );
  }

  async runLocked() {
    const user = this.user();
    if (!user) return;
    // Nothing to send: nothing changes on the screen (the timer runs every 30 s).
    if (!(await this.sendable(user)).length) return;
    const outcome = (await this.store.meta("outcome")) || null;
    // A sync that a failure cut short goes on adding to the same outcome.
    let current =
      outcome && outcome.open
        ? outcome
        : { at: null, open: true, created: 0, duplicate: 0, rejected: 0, items: [] };
    const tried = new Set();
    let csrfRenewed = false;
    let answered = false;
    let result = { kind: "done" };
    this.set({ phase: "sending" });
    try {
      for (;;) {
        const mine = (await this.store.all()).filter(
          (r) => r.user === user && r.state === "waiting"
        );
        const eligible = mine.filter(
          (r) =>
            !tried.has(r.client_id) &&
            !(r.organisation in this.stops.organisations) &&
            !(r.campaign in this.stops.campaigns)
        );
        if (!eligible.length) break;
        const slug = eligible[0].campaign;
        const size = Math.max(1, Math.min(this.batchSize(), this.sizeCap));
        const batch = eligible.filter((r) => r.campaign === slug).slice(0, size);
        const organisation = batch[0].organisation;
        const waiting = mine.filter(
          (r) => r.organisation === organisation && !batch.includes(r)
        ).length;
        result = await this.send(batch, waiting);
        if (result.kind === "answered") {
          answered = true;
          this.attempt = 0;
          for (const record of batch) tried.add(record.client_id);
          current.at = new Date().toISOString();
          for (const answer of result.answers) {
            if (!answer.record) continue;
            current[answer.result] += 1;
            if (answer.result !== "created") {
              current.items.push({
                result: answer.result,
                name: givenName(answer.record.name),
                collected_at: answer.record.collected_at,
                campaign: answer.record.campaign_title,
                client_id: answer.result === "rejected" ? answer.record.client_id : null,
              });
            }
          }
          await this.store.setMeta("outcome", current);
          this.set({ phase: "sending" });
          continue;
        }
        if (result.kind === "too_large" && batch.length > 1) {
          // Long comments, say: smaller batches from now on.
          this.sizeCap = Math.floor(batch.length / 2);
          continue;
        }
        if (result.kind === "csrf") {
          // The cookie went missing or is stale (a new login rotates it): renew it once.
          if (csrfRenewed || !(await this.freshCsrf())) {
            this.stops.login = true;
            result = { kind: "login" };
            break;
          }
          csrfRenewed = true;
          continue;
        }
        if (result.kind === "login") {
          this.stops.login = true;
          break;
        }
        if (result.kind === "revoked" || result.kind === "refused_organisation") {
          this.stops.organisations[organisation] = {
            message: result.message,
            revoked: result.kind === "revoked",
            campaign: batch[0].campaign_title,
          };
          continue;
        }
        if (result.kind === "refused" || result.kind === "too_large") {
          this.stops.campaigns[slug] = { message: result.message, campaign: batch[0].campaign_title };
          continue;
        }
        // Cut connection, timeout, 5xx, 429: the same batch again, later.
        break;
      }
    } finally {
      const left = (await this.store.all()).filter(
        (r) => r.user === user && r.state === "waiting"
      ).length;
      if (current.open && answered && (left === 0 || result.kind !== "retry")) {
        current.open = false;
        await this.store.setMeta("outcome", current);
      }
      if (result.kind === "retry") {
        const delay =
          result.retryAfter !== undefined ? result.retryAfter : backoffDelay(this.attempt);
        this.attempt += 1;
        this.retryAt = Date.now() + delay;
        // With no connection at all, the `online` event starts the next try instead.
        this.timer = setTimeout(() => {
          if (navigator.onLine !== false) this.run();
        }, delay);
        this.set({ phase: "retry", retryAt: this.retryAt, limited: result.retryAfter !== undefined });
      } else {
        this.set({ phase: "idle", answered });
      }
    }
  }

  /** Ask the app's page again: Django sets a fresh CSRF cookie with it. */
  async freshCsrf() {
    try {
      const response = await this.fetcher(this.shellUrl, {
        credentials: "same-origin",
        cache: "no-store",
        redirect: "manual",
      });
      return response.ok && !!csrfToken();
    } catch (error) {
      return false;
    }
  }

  /** One request. Returns what happened; changes the phone's store only for an answer. */
  async send(batch, waiting) {
    const url = batch[0].batch_url;
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    let response;
    try {
      response = await this.fetcher(url, {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        redirect: "error",
        signal: controller.signal,
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken(),
        },
        body: JSON.stringify({
          waiting,
          sent_at: new Date().toISOString(),
          signatures: batch.map(payload),
        }),
      });
    } catch (error) {
      return { kind: "retry" }; // no answer at all: offline, cut, refused, timed out
    } finally {
      clearTimeout(timeout);
    }
    const body = await readJson(response);
    const status = response.status;
    if (status === 200) {
      // A captive portal or a proxy answers 200 with a page of its own: not an answer.
      if (!body || !Array.isArray(body.results)) return { kind: "retry" };
      const byId = new Map(batch.map((record) => [record.client_id, record]));
      const answers = body.results
        .filter((answer) => answer && byId.has(answer.client_id))
        .map((answer) => ({ ...answer, record: byId.get(answer.client_id) }));
      try {
        await this.store.settle(answers);
      } catch (error) {
        // The phone could not write the answers: the next send asks again, and the server
        // answers the same.
        return { kind: "retry" };
      }
      return { kind: "answered", answers };
    }
    const detail = (body && (body.detail || (body.non_field_errors || [])[0])) || "";
    if (status === 401) return { kind: "login" };
    if (status === 403) {
      if (body && body.code === "collector_inactive") return { kind: "revoked", message: detail };
      if (/csrf/i.test(detail)) return { kind: "csrf" };
      return { kind: "refused_organisation", message: detail };
    }
    if (status === 404) return { kind: "refused_organisation", message: detail };
    if (status === 413) return { kind: "too_large", message: detail };
    if (status === 429) {
      return { kind: "retry", retryAfter: retryAfterDelay(response.headers.get("Retry-After")) };
    }
    if (status === 409 || (status >= 400 && status < 500)) {
      return { kind: "refused", message: detail || (body ? JSON.stringify(body) : String(status)) };
    }
    return { kind: "retry" }; // 5xx: the server will be back
  }
}
