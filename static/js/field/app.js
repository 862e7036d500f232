/* Voces field app: the entry point. Plain modules, no framework.

   The page (kept by the service worker, /field/sw.js) carries its words as JSON: the
   collector's in their language, the form's in each language a signer may read it in. The
   campaigns come from GET /api/v1/field/ and are kept in IndexedDB, so the app works with no
   connection; signatures are kept there too until the server has answered for them. */

const $ = (id) => document.getElementById(id);
const read = (id) => JSON.parse($(id).textContent);
const config = read("field-config");
const strings = read("field-strings");
const forms = read("field-forms");
const locale = config.language;
const pluralRules = new Intl.PluralRules(locale);
const numbers = new Intl.NumberFormat(locale);

function fmt(template, params = {}) {
  return template.replace(/%\((\w+)\)s/g, (match, key) =>
    key in params ? String(params[key]) : match
  );
}

function plural(choices, n, params = {}) {
  const form = choices[pluralRules.select(n)] || choices.other;
  return fmt(form, { ...params, n: numbers.format(n) });
}

/** The plural sentence with its number in bold: [text, <strong>n</strong>, text]. */
function pluralNodes(choices, n, h) {
  const form = choices[pluralRules.select(n)] || choices.other;
  const [before, after = ""] = form.split("%(n)s");
  return [before, h("strong", { class: "count", text: numbers.format(n) }), after];
}

function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const today = new Date().toDateString() === date.toDateString();
  const options = today
    ? { hour: "2-digit", minute: "2-digit" }
    : { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat(locale, options).format(date);
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function unsupported() {
  const box = $("no-app");
  box.replaceChildren(
    Object.assign(document.createElement("p"), { textContent: strings.unsupported })
  );
  box.hidden = false;
  $("app").hidden = true;
}

async function start() {
  if (!("indexedDB" in window)) return unsupported();
  let modules;
  let store;
  try {
    modules = await Promise.all([
      import(config.modules.store),
      import(config.modules.sync),
      import(config.modules.form),
    ]);
    store = await modules[0].Store.open();
  } catch (error) {
    return unsupported();
  }
  const [, { Syncer }, { SignForm, signerLanguages, resolve, h }] = modules;
  $("no-app").hidden = true;
  $("app").hidden = false;

  const ui = {
    data: await store.meta("data"),
    campaign: await store.meta("campaign"),
    signerLanguage: await store.meta("signer_language"),
    country: await store.meta("country"),
    editing: null,
    typed: null,
    dropping: null,
  };
  const user = () => (ui.data ? ui.data.user.username : null);
  const channel = "BroadcastChannel" in window ? new BroadcastChannel("voces-field") : null;
  const changed = () => {
    if (channel) channel.postMessage("changed");
  };

  const syncer = new Syncer({
    store,
    user,
    shellUrl: config.scope,
    batchSize: () => Math.min(config.batch_size, (ui.data && ui.data.max_batch) || 500),
    onChange: () => {
      renderQueue();
      changed();
    },
  });

  // --- The form -------------------------------------------------------------------------

  const form = new SignForm($("sign-form"), {
    onSubmit: (values) => keep(values),
    onCancel: () => {
      ui.editing = null;
      renderMain();
    },
  });
  $("sign-form").addEventListener("input", () => {
    if (!ui.editing) $("saved").hidden = true;
  });

  function campaignOf(slug) {
    return ui.data ? ui.data.campaigns.find((c) => c.slug === slug) : null;
  }

  function signerLanguage(campaign) {
    const options = signerLanguages(campaign, config.languages);
    if (ui.signerLanguage && options.includes(ui.signerLanguage)) return ui.signerLanguage;
    if (options.includes(locale) && (campaign.languages || []).includes(locale)) return locale;
    return options[0];
  }

  function shownFor(campaign, language) {
    return resolve(campaign, language, { forms, collectorLanguage: locale });
  }

  async function keep(values) {
    const editing = ui.editing;
    let record;
    if (editing) {
      record = { ...editing, ...values, state: "waiting", errors: null, corrected_at: new Date().toISOString() };
    } else {
      // The campaign and texts the signer saw, even if the campaigns were refreshed since.
      const { campaign, shown } = form;
      const language = ui.formLanguage;
      record = {
        client_id: uuid(),
        user: user(),
        organisation: campaign.organisation.slug,
        campaign: campaign.slug,
        campaign_title: shown.texts.title,
        batch_url: campaign.batch_url,
        ...values,
        consent: true,
        consent_version: shown.consent ? shown.consent.version : null,
        language: shown.ui,
        shown_language: language,
        collected_at: new Date().toISOString(),
        state: "waiting",
      };
    }
    try {
      await store.put(record);
    } catch (error) {
      notice(fmt(strings.save_failed, { error: error && error.name ? error.name : error }), "error");
      return;
    }
    // Kept on the phone: the signer's details leave the screen at once.
    form.clear();
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
    if (editing) {
      ui.editing = null;
      renderMain();
      notice(strings.corrected);
    } else {
      ui.country = values.country;
      store.setMeta("country", values.country).catch(() => {});
      notice(strings.saved);
    }
    await renderQueue();
    changed();
    soon();
  }

  function notice(message, kind = "ok") {
    const box = $("saved");
    box.textContent = message;
    box.classList.toggle("error", kind === "error");
    box.hidden = false;
    $("signer").scrollIntoView({ block: "start" });
    box.focus({ preventScroll: true });
  }

  // --- Rendering --------------------------------------------------------------------------

  function show(section) {
    for (const id of ["home", "collect"]) $(id).hidden = id !== section;
  }

  /** The collector's own page: the campaigns, what to correct, the last sync. */
  function goHome(focus) {
    ui.editing = null;
    renderHome();
    const target = $(`${focus}-heading`) || $("picker-heading");
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  }

  function renderHome(note) {
    show("home");
    const list = $("campaigns");
    list.replaceChildren();
    $("picker-note").hidden = !note;
    $("picker-note").textContent = note || "";
    const campaigns = ui.data ? ui.data.campaigns : [];
    for (const campaign of campaigns) {
      const texts = shownFor(campaign, locale).texts;
      list.append(
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "campaign-pick",
              "data-slug": campaign.slug,
              "aria-current": campaign.slug === ui.campaign ? "true" : null,
              onclick: () => {
                ui.campaign = campaign.slug;
                store.setMeta("campaign", campaign.slug).catch(() => {});
                renderMain();
                $("campaign-title").focus();
              },
            },
            h("span", { class: "pick-title", text: texts.title }),
            h("span", { class: "pick-org", text: campaign.organisation.name })
          )
        )
      );
    }
    if (ui.data && !campaigns.length && !note) {
      $("picker-note").textContent = strings.no_campaigns;
      $("picker-note").hidden = false;
    }
  }

  function renderCollect(campaign) {
    show("collect");
    const editing = ui.editing;
    const language = editing ? editing.shown_language || editing.language : signerLanguage(campaign);
    const shown = shownFor(campaign, language);
    $("campaign-org").textContent = campaign.organisation.name;
    $("change-campaign").hidden = !!editing;
    const note = $("campaign-note");
    note.hidden = !editing;
    note.textContent = editing
      ? fmt(strings.correcting, { name: editing.name, time: when(editing.collected_at) })
      : "";

    const langs = $("signer-langs");
    for (const old of langs.querySelectorAll("button")) old.remove();
    for (const code of signerLanguages(campaign, config.languages)) {
      langs.append(
        h("button", {
          type: "button",
          class: "lang",
          lang: code,
          "aria-pressed": code === language ? "true" : "false",
          text: config.language_names[code] || code.toUpperCase(),
          onclick: () => {
            // What was typed stays: the signer only asked for other words.
            const typed = form.values();
            if (ui.editing) {
              ui.editing = { ...ui.editing, ...typed, shown_language: code };
            } else {
              ui.signerLanguage = code;
              ui.typed = typed;
              store.setMeta("signer_language", code).catch(() => {});
            }
            renderCollect(campaign);
            langs.querySelector(`[lang="${code}"]`).focus();
          },
        })
      );
    }

    ui.formLanguage = language;
    $("petition").lang = shown.textsLanguage;
    $("campaign-title").textContent = shown.texts.title;
    $("campaign-title").tabIndex = -1;
    $("campaign-summary").textContent = shown.texts.summary || "";
    $("campaign-summary").hidden = !shown.texts.summary;
    $("petition-toggle").textContent = shown.strings.read_petition;
    $("petition-text").textContent = shown.texts.petition_text || "";
    $("petition-details").hidden = !shown.texts.petition_text;
    form.render(formOptions(campaign, language, editing || ui.typed));
    ui.typed = null;
  }

  function formOptions(campaign, language, record) {
    const shown = shownFor(campaign, language);
    const names = (ui.data.countries && ui.data.countries[shown.ui]) || {};
    return {
      campaign,
      shown,
      countries: names,
      country: ui.country,
      record: record || null,
      serverErrors: ui.editing ? ui.editing.errors : null,
      fieldNames: strings.fields,
      editing: ui.editing ? { submit: strings.save_correction, cancel: strings.cancel } : null,
    };
  }

  function renderMain() {
    if (!ui.data) {
      renderHome(strings.no_data);
      return;
    }
    if (ui.editing) {
      const campaign = campaignOf(ui.editing.campaign) || offlineCampaign(ui.editing);
      renderCollect(campaign);
      return;
    }
    const campaign = campaignOf(ui.campaign);
    if (campaign) {
      renderCollect(campaign);
    } else {
      renderHome(ui.campaign ? strings.campaign_gone : null);
    }
  }

  /** A rejected signature of a campaign no longer listed can still be corrected: the form
      asks what the server may want, an email or a phone. */
  function offlineCampaign(record) {
    return {
      slug: record.campaign,
      organisation: { slug: record.organisation, name: "" },
      contact: "email_or_phone",
      countries: [record.country],
      languages: [record.language],
      content_language: record.language,
      texts: { [record.language]: { title: record.campaign_title, summary: "", petition_text: "" } },
      consent: {},
      batch_url: record.batch_url,
    };
  }

  async function renderQueue() {
    let records;
    try {
      records = await store.all();
    } catch (error) {
      return;
    }
    const me = user();
    const mine = records.filter((r) => r.user === me);
    const waiting = mine.filter((r) => r.state === "waiting");
    const rejected = mine.filter((r) => r.state === "rejected");
    const others = records.filter((r) => r.user !== me);
    const count = $("waiting");
    // A live region: changed only when the number does, so it is read out only then.
    if (count.dataset.count !== String(waiting.length)) {
      count.dataset.count = String(waiting.length);
      count.replaceChildren(...pluralNodes(strings.waiting, waiting.length, h));
    }
    const state = syncer.state;
    $("send-now").disabled = !waiting.length || state.phase === "sending";

    const toFix = $("to-fix-count");
    toFix.hidden = !rejected.length;
    toFix.dataset.count = String(rejected.length);
    toFix.firstElementChild.textContent = plural(strings.to_fix, rejected.length);
    $("others").hidden = !others.length;
    $("others").textContent = others.length ? plural(strings.others, others.length) : "";

    renderSyncState(state, waiting.length, rejected.length);
    renderStops();
    renderFix(rejected);
    await renderOutcome(rejected);
  }

  let countdown = null;
  function renderSyncState(state, waiting, rejected) {
    const line = $("sync-state");
    clearInterval(countdown);
    countdown = null;
    let text = "";
    if (state.phase === "sending") {
      text = strings.sending;
    } else if (waiting && !navigator.onLine) {
      text = strings.offline;
    } else if (state.phase === "retry") {
      const tick = () => {
        const seconds = Math.max(1, Math.ceil((state.retryAt - Date.now()) / 1000));
        line.textContent = plural(state.limited ? strings.rate_limited : strings.retry, seconds);
      };
      tick();
      // Counting down out loud every second would drown the screen reader: the live region
      // is told once, the number on screen moves.
      countdown = setInterval(() => {
        line.setAttribute("aria-live", "off");
        tick();
      }, 1000);
      line.setAttribute("aria-live", "polite");
      line.dataset.phase = state.phase;
      return;
    } else if (!waiting && !rejected && state.answered) {
      text = strings.all_sent;
    }
    line.setAttribute("aria-live", "polite");
    line.dataset.phase = state.phase;
    if (line.textContent !== text) line.textContent = text;
  }

  let stopsShown = "";
  function renderStops() {
    const box = $("stop");
    const stops = syncer.stops;
    // An alert: written again only when it says something new.
    const key = JSON.stringify(stops);
    if (key === stopsShown) return;
    stopsShown = key;
    const parts = [];
    if (stops.login) {
      parts.push(
        h("p", { text: strings.login_needed }),
        h("p", {}, h("a", { class: "button", href: config.login, text: strings.login_again }))
      );
    }
    for (const stop of Object.values(stops.organisations)) {
      parts.push(h("p", { class: "stop-why" }, h("strong", { text: strings.stopped }), " ", stop.message));
    }
    for (const stop of Object.values(stops.campaigns)) {
      parts.push(
        h(
          "p",
          { class: "stop-why" },
          h("strong", { text: fmt(strings.refused, { campaign: stop.campaign }) }),
          " ",
          stop.message
        )
      );
    }
    if (parts.length && !stops.login) parts.push(h("p", { text: strings.kept }));
    box.dataset.reason = stops.login
      ? "login"
      : Object.values(stops.organisations).some((s) => s.revoked)
        ? "revoked"
        : parts.length
          ? "refused"
          : "";
    box.replaceChildren(...parts);
    box.hidden = !parts.length;
  }

  let fixShown = "";
  function renderFix(rejected) {
    const section = $("fix");
    const list = $("fix-list");
    section.hidden = !rejected.length;
    // Rebuilt only when it changed: a sync of other signatures leaves the focus where it is.
    const key = JSON.stringify([rejected.map((r) => [r.client_id, r.errors, r.name]), ui.dropping]);
    if (key === fixShown) return;
    fixShown = key;
    list.replaceChildren();
    for (const record of rejected) {
      const reasons = Object.entries(record.errors || {}).map(([field, messages]) =>
        h("li", {}, h("strong", { text: `${strings.fields[field] || field}: ` }), [].concat(messages).join(" "))
      );
      const item = h(
        "li",
        { class: "fix-item", "data-client-id": record.client_id },
        h("p", { class: "fix-who" }, h("strong", { text: record.name || "?" }), " · ", fmt(strings.collected, { time: when(record.collected_at) })),
        h("ul", { class: "reasons" }, reasons)
      );
      if (ui.dropping === record.client_id) {
        item.append(
          h(
            "div",
            { class: "confirm-drop", role: "group" },
            h("p", { text: fmt(strings.drop_confirm, { name: record.name || "?" }) }),
            h(
              "div",
              { class: "actions" },
              h("button", {
                type: "button",
                class: "drop-yes",
                text: strings.drop_yes,
                onclick: async () => {
                  ui.dropping = null;
                  await store.remove(record.client_id);
                  await renderQueue();
                  changed();
                  $("sync-state").textContent = strings.dropped;
                  $("waiting").focus();
                },
              }),
              h("button", {
                type: "button",
                class: "secondary drop-no",
                text: strings.drop_no,
                onclick: () => {
                  ui.dropping = null;
                  renderQueue().then(() => {
                    const button = list.querySelector(`[data-client-id="${record.client_id}"] .drop`);
                    if (button) button.focus();
                  });
                },
              })
            )
          )
        );
      } else {
        item.append(
          h(
            "div",
            { class: "actions" },
            h("button", {
              type: "button",
              class: "fix-button",
              text: strings.fix,
              onclick: () => {
                ui.editing = record;
                renderMain();
                $("signer").scrollIntoView({ block: "start" });
                const first = $("sign-form").querySelector("[aria-invalid]") || $("f-name");
                if (first) first.focus();
              },
            }),
            h("button", {
              type: "button",
              class: "secondary drop",
              text: strings.drop,
              onclick: () => {
                ui.dropping = record.client_id;
                renderQueue().then(() => {
                  const yes = list.querySelector(".drop-no");
                  if (yes) yes.focus();
                });
              },
            })
          )
        );
      }
      list.append(item);
    }
  }

  async function renderOutcome(rejected) {
    const outcome = await store.meta("outcome");
    const section = $("outcome");
    section.hidden = !outcome || !outcome.at;
    $("last-sync").hidden = section.hidden;
    if (section.hidden) return;
    const parts = [plural(strings.created, outcome.created)];
    if (outcome.duplicate) parts.push(plural(strings.duplicate, outcome.duplicate));
    if (outcome.rejected) parts.push(plural(strings.rejected, outcome.rejected));
    const summary = $("outcome-summary");
    summary.textContent = `${when(outcome.at)}: ${parts.join(", ")}`;
    $("last-sync").hidden = false;
    $("last-sync-link").textContent = fmt(strings.last_sync, {
      time: when(outcome.at),
      summary: parts.join(", "),
    });
    summary.dataset.created = String(outcome.created);
    summary.dataset.duplicate = String(outcome.duplicate);
    summary.dataset.rejected = String(outcome.rejected);
    const still = new Set(rejected.map((r) => r.client_id));
    const items = outcome.items
      .filter((item) => item.result === "duplicate" || still.has(item.client_id))
      .map((item) => {
        const text = fmt(item.result === "duplicate" ? strings.duplicate_item : strings.rejected_item, {
          name: item.name,
          time: when(item.collected_at),
        });
        return h("li", { class: `outcome-${item.result}`, "data-result": item.result }, text);
      });
    $("outcome-list").replaceChildren(...items);
  }

  function renderReadiness() {
    const line = $("readiness");
    const controlled = "serviceWorker" in navigator && !!navigator.serviceWorker.controller;
    const ready = controlled && !!ui.data;
    $("app").dataset.offline = ready ? "ready" : "not-ready";
    const parts = [];
    if (ready) parts.push(strings.ready_offline);
    else if ("serviceWorker" in navigator && navigator.onLine) parts.push(strings.getting_ready);
    if (ui.data && ui.data.fetched_at) parts.push(fmt(strings.updated, { time: when(ui.data.fetched_at) }));
    line.textContent = parts.join(" ");
  }

  // --- The network ------------------------------------------------------------------------

  async function refresh() {
    let response;
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), 20000);
    try {
      response = await fetch(config.api, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
        signal: controller.signal,
      });
    } catch (error) {
      return; // no connection: work from what is kept
    } finally {
      clearTimeout(timeout);
    }
    if (response.status === 401 || response.status === 403) {
      syncer.stops.login = true;
      renderQueue();
      return;
    }
    if (!response.ok) return;
    let body;
    try {
      body = await response.json();
    } catch (error) {
      return; // a captive portal's page, say
    }
    if (!body || !Array.isArray(body.campaigns)) return;
    body.fetched_at = new Date().toISOString();
    ui.data = body;
    try {
      await store.setMeta("data", body);
    } catch (error) {
      // Kept for this page only; the next load asks again.
    }
    syncer.stops.login = false;
    if (!ui.editing) renderMain();
    renderReadiness();
    await renderQueue();
  }

  let soonTimer = null;
  function soon() {
    clearTimeout(soonTimer);
    soonTimer = setTimeout(() => {
      if (navigator.onLine) syncer.run();
    }, 5000);
  }

  $("send-now").addEventListener("click", () => syncer.run({ manual: true }));
  $("change-campaign").addEventListener("click", () => goHome("picker"));
  for (const link of document.querySelectorAll("[data-home]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      goHome(link.dataset.home);
    });
  }
  window.addEventListener("online", () => {
    renderQueue();
    refresh().finally(() => syncer.wake());
  });
  window.addEventListener("offline", () => renderQueue());
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && navigator.onLine) syncer.run();
  });
  setInterval(() => {
    if (navigator.onLine) syncer.run();
  }, 30000);
  if (channel) channel.onmessage = () => renderQueue();

  let installPrompt = null;
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    installPrompt = event;
    $("install").hidden = false;
  });
  $("install").addEventListener("click", async () => {
    if (!installPrompt) return;
    installPrompt.prompt();
    await installPrompt.userChoice.catch(() => null);
    installPrompt = null;
    $("install").hidden = true;
  });

  renderMain();
  renderReadiness();
  await renderQueue();

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("controllerchange", renderReadiness);
    navigator.serviceWorker
      .register(config.sw, { scope: config.scope, updateViaCache: "none" })
      .then(() => navigator.serviceWorker.ready)
      .then(renderReadiness)
      .catch(() => renderReadiness());
  }
  await refresh();
  if (navigator.onLine) syncer.run();
}

start();
