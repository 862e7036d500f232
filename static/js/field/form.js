/* Voces field app: the sign-up form, in the signer's language. It checks on the phone what
   it can (required fields, an email's shape, the consent box); the server decides the rest
   when the signature is sent, and the collector sees its reasons if it refuses one. */

/** Build an element: h("p", {class: "x"}, "text", child, ...). */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "text") element.textContent = value;
    else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (value === true) element.setAttribute(key, "");
    else element.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE_CHARACTERS = /^[0-9+\s().\-/]*$/;
const POSTAL_CODE = /^[\p{L}\p{N}\- ]*$/u;
const LIMITS = { name: 200, email: 254, phone: 40, postal_code: 20 };

/** The languages a signer may read the form in: the campaign's first, then the interface's. */
export function signerLanguages(campaign, interfaceLanguages) {
  const codes = [...(campaign.languages || []), ...interfaceLanguages];
  return [...new Set(codes.map((code) => code.toLowerCase()))];
}

/** What to show for a language: the form's words (in an interface language: the language
    itself, else the campaign's first interface language, else the collector's), and the
    campaign's texts and consent text, falling back as the API does. */
export function resolve(campaign, language, { forms, collectorLanguage }) {
  const base = language.split("-")[0];
  const ui =
    (forms[language] && language) ||
    (forms[base] && base) ||
    (campaign.languages || []).find((code) => forms[code]) ||
    (forms[collectorLanguage] && collectorLanguage) ||
    Object.keys(forms)[0];
  const textsLanguage = [language, base, campaign.content_language].find(
    (code) => campaign.texts[code]
  );
  const texts = campaign.texts[textsLanguage] ||
    Object.values(campaign.texts)[0] || { title: campaign.slug, summary: "", petition_text: "" };
  const consent =
    campaign.consent[language] ||
    campaign.consent[base] ||
    campaign.consent[ui] ||
    campaign.consent.en ||
    Object.values(campaign.consent)[0];
  return { ui, texts, textsLanguage: textsLanguage || ui, consent, strings: forms[ui] };
}

function sortedCountries(names, codes, ui) {
  return codes
    .filter((code) => names[code])
    .map((code) => [code, names[code]])
    .sort((a, b) => a[1].localeCompare(b[1], ui));
}

export class SignForm {
  /** form: the <form> element; onSubmit(values) resolves when the signature is kept. */
  constructor(form, { onSubmit, onCancel }) {
    this.form = form;
    this.onSubmit = onSubmit;
    this.onCancel = onCancel;
    this.busy = false;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    // A field's error goes as soon as the signer changes it (it is checked again on "Sign").
    form.addEventListener("input", (event) => {
      const name = event.target.name;
      if (!name) return;
      const pair = this.contact === "email_or_phone" && (name === "email" || name === "phone");
      for (const each of pair ? ["email", "phone"] : [name]) this.clearField(each);
      if (!this.general && !this.form.querySelector("[aria-invalid]")) this.summary.hidden = true;
    });
  }

  clearField(name) {
    const input = this.form.elements.namedItem(name);
    const box = document.getElementById(`f-${name}-error`);
    if (!input || !box || box.hidden) return;
    box.hidden = true;
    box.textContent = "";
    input.removeAttribute("aria-invalid");
    const hint = document.getElementById(`f-${name}-hint`);
    if (hint) input.setAttribute("aria-describedby", hint.id);
    else input.removeAttribute("aria-describedby");
    const wrapper = input.closest(".field");
    if (wrapper) wrapper.classList.remove("invalid");
  }

  /**
   * campaign, language (the signer's), shown: resolve()'s answer, countries: {code: name} in
   * the form's language, country: the one to preselect, record: a signature to correct (its
   * values), serverErrors: its reasons, labels: the collector's field names, editing:
   * {submit, cancel} labels when correcting.
   */
  render({ campaign, shown, countries, country, record, serverErrors, fieldNames, editing }) {
    const s = shown.strings;
    this.campaign = campaign;
    this.shown = shown;
    this.strings = s;
    this.form.lang = shown.ui;
    this.form.replaceChildren();
    const values = record || {};
    const contact = campaign.contact === "email_or_phone" ? "email_or_phone" : "email";
    this.contact = contact;

    this.summary = h("div", { class: "errors", role: "alert", hidden: true, tabindex: "-1" });
    this.form.append(h("h2", { text: s.heading }), this.summary);

    const field = (name, label, input, hint) => {
      input.id = `f-${name}`;
      input.name = name;
      const hintId = hint ? `f-${name}-hint` : null;
      if (hintId) input.setAttribute("aria-describedby", hintId);
      return h(
        "div",
        { class: "field", "data-field": name },
        h("label", { for: input.id, text: label }),
        input,
        hint ? h("p", { class: "hint", id: hintId, text: hint }) : null,
        h("p", { class: "error", id: `f-${name}-error`, hidden: true })
      );
    };
    const text = (name, type, extra = {}) =>
      h("input", {
        type,
        value: values[name] || "",
        maxlength: LIMITS[name],
        autocomplete: "off",
        autocapitalize: "off",
        spellcheck: "false",
        ...extra,
      });

    this.form.append(
      field(
        "name",
        s.name,
        text("name", "text", { required: true, autocapitalize: "words", enterkeyhint: "next" })
      )
    );
    const email = field(
      "email",
      s.email,
      text("email", "email", { inputmode: "email", required: contact === "email" }),
      contact === "email" ? s.email_hint : null
    );
    if (contact === "email_or_phone") {
      const phone = field(
        "phone",
        s.phone,
        text("phone", "tel", { inputmode: "tel" }),
        s.phone_hint
      );
      this.form.append(
        h(
          "fieldset",
          { class: "contact", "aria-describedby": "f-contact-hint" },
          h("legend", { text: s.email_or_phone }),
          h("p", { class: "hint", id: "f-contact-hint", text: s.email_or_phone_hint }),
          email,
          phone
        )
      );
    } else {
      this.form.append(email);
    }

    const ours = sortedCountries(countries, campaign.countries || [], shown.ui);
    const ourCodes = new Set(ours.map(([code]) => code));
    const others = sortedCountries(
      countries,
      Object.keys(countries).filter((code) => !ourCodes.has(code)),
      shown.ui
    );
    const chosen = values.country || country || (ours.length === 1 ? ours[0][0] : "");
    const option = ([code, name]) =>
      h("option", { value: code, selected: code === chosen }, name);
    const select = h(
      "select",
      { required: true, autocomplete: "off" },
      h("option", { value: "", selected: !chosen }, s.choose_country),
      ours.length ? h("optgroup", { label: s.ours }, ours.map(option)) : null,
      h("optgroup", { label: ours.length ? s.all : s.country }, others.map(option))
    );
    this.form.append(field("country", s.country, select));
    this.form.append(
      field("postal_code", s.postal_code, text("postal_code", "text", { enterkeyhint: "done" }))
    );

    const consent = h("input", {
      type: "checkbox",
      id: "f-consent",
      name: "consent",
      value: "true",
      required: true,
      checked: values.consent === true,
    });
    this.form.append(
      h(
        "div",
        { class: "field consent", "data-field": "consent" },
        consent,
        h("label", { for: "f-consent", text: shown.consent ? shown.consent.text : "" })
      ),
      h("p", { class: "error consent-error", id: "f-consent-error", hidden: true })
    );

    const buttons = h("div", { class: "form-buttons" });
    this.submitButton = h("button", {
      type: "submit",
      class: "sign-button",
      text: editing ? editing.submit : s.submit,
    });
    buttons.append(this.submitButton);
    if (editing) {
      buttons.append(
        h("button", {
          type: "button",
          class: "secondary",
          text: editing.cancel,
          onclick: () => this.onCancel && this.onCancel(),
        })
      );
    }
    this.form.append(buttons, h("p", { class: "privacy", text: s.privacy }));

    if (serverErrors) this.showErrors(serverErrors, fieldNames || {});
  }

  values() {
    const get = (name) => {
      const input = this.form.elements.namedItem(name);
      return input ? input.value.trim() : "";
    };
    return {
      name: get("name"),
      email: get("email"),
      phone: this.contact === "email_or_phone" ? get("phone") : "",
      country: get("country"),
      postal_code: get("postal_code"),
      consent: this.form.elements.namedItem("consent").checked,
    };
  }

  validate(values) {
    const s = this.strings;
    const errors = {};
    if (!values.name) errors.name = [s.required];
    if (values.email && (!EMAIL.test(values.email) || values.email.length > LIMITS.email)) {
      errors.email = [s.email_invalid];
    }
    if (values.phone) {
      const digits = values.phone.replace(/\D/g, "").length;
      if (!PHONE_CHARACTERS.test(values.phone) || digits < 6 || digits > 15) {
        errors.phone = [s.phone_invalid];
      }
    }
    if (!values.email && !errors.phone) {
      if (this.contact === "email") errors.email = [s.required];
      else if (!values.phone) errors.email = errors.phone = [s.contact_missing];
    }
    if (!values.country) errors.country = [s.required];
    if (values.postal_code && !POSTAL_CODE.test(values.postal_code)) {
      errors.postal_code = [s.postal_invalid];
    }
    if (!values.consent) errors.consent = [s.consent_missing];
    return errors;
  }

  clearErrors() {
    this.summary.hidden = true;
    this.summary.replaceChildren();
    this.general = 0;
    for (const name of ["name", "email", "phone", "country", "postal_code", "consent"]) {
      this.clearField(name);
    }
  }

  /** Errors keyed by field; those of no field on the form go in the summary at the top. */
  showErrors(errors, fieldNames = {}) {
    this.clearErrors();
    const general = [];
    let first = null;
    for (const [name, messages] of Object.entries(errors)) {
      const input = this.form.elements.namedItem(name);
      const box = document.getElementById(`f-${name}-error`);
      const message = [].concat(messages).join(" ");
      if (!input || !box || input instanceof RadioNodeList) {
        general.push(fieldNames[name] ? `${fieldNames[name]}: ${message}` : message);
        continue;
      }
      box.textContent = message;
      box.hidden = false;
      input.setAttribute("aria-invalid", "true");
      const described = [input.getAttribute("aria-describedby"), box.id].filter(Boolean);
      input.setAttribute("aria-describedby", described.join(" "));
      const wrapper = input.closest(".field");
      if (wrapper) wrapper.classList.add("invalid");
      first = first || input;
    }
    this.general = general.length;
    this.summary.replaceChildren(
      h("p", { text: this.strings.check_fields }),
      ...general.map((message) => h("p", { text: message }))
    );
    this.summary.hidden = false;
    (first || this.summary).focus();
  }

  async submit() {
    if (this.busy) return;
    const values = this.values();
    const errors = this.validate(values);
    if (Object.keys(errors).length) {
      this.showErrors(errors);
      return;
    }
    this.clearErrors();
    this.busy = true;
    this.submitButton.disabled = true;
    try {
      await this.onSubmit(values);
    } finally {
      this.busy = false;
      this.submitButton.disabled = false;
    }
  }

  /** Empty every field the signer filled (the country stays: the next signer is likely from
      the same place). */
  clear() {
    this.clearErrors();
    for (const name of ["name", "email", "phone", "postal_code"]) {
      const input = this.form.elements.namedItem(name);
      if (input) input.value = "";
    }
    this.form.elements.namedItem("consent").checked = false;
  }
}
