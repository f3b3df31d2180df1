/* The rule editor: a text box for a rule-language expression that the server checks as
 * the builder types (debounced), with errors underlined where they are, "did you mean"
 * fixes, the result type, a field picker that inserts {Label}, and a preview value.
 *
 * Markup comes from the Jinja macro designer/forms/_rule_editor.html. Any designer can
 * use it:   SkRuleEditor.attach(element, {getFields, onChange})   (or attachAll(root)).
 *   getFields()        -> current field list to check against (else the saved form's)
 *   onInput(text)      -> called on every edit (store the text at once)
 *   onChange(text, r)  -> called after each check with the text and the server's answer
 */
(function () {
  "use strict";

  const DELAY_MS = 300;

  const csrfToken = () => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  };

  // Offsets from the server count code points; JavaScript strings count UTF-16 units.
  const unitIndex = (text, codePoints) => {
    let units = 0;
    let seen = 0;
    for (const ch of text) {
      if (seen >= codePoints) break;
      units += ch.length;
      seen += 1;
    }
    return units;
  };

  const labelOf = (label, lang) => {
    if (label && typeof label === "object") {
      return label[lang] || label.en || label.zh || "";
    }
    return label ? String(label) : "";
  };

  class RuleEditor {
    constructor(root, options) {
      this.root = root;
      this.options = options || {};
      this.input = root.querySelector(".sk-rule-input");
      this.backdrop = root.querySelector(".sk-rule-backdrop");
      this.picker = root.querySelector(".sk-rule-fields");
      this.typeBadge = root.querySelector(".sk-rule-type");
      this.errorList = root.querySelector(".sk-rule-errors");
      this.valueBox = root.querySelector(".sk-rule-value");
      this.previewButton = root.querySelector(".sk-rule-preview");
      this.texts = JSON.parse(root.dataset.texts || "{}");
      this.lang = document.documentElement.lang.startsWith("zh") ? "zh" : "en";
      this.seq = 0;
      this.timer = null;
      this.result = null;
      this.input.addEventListener("input", () => this.changed());
      this.input.addEventListener("scroll", () => this.syncScroll());
      if (this.picker) {
        this.picker.addEventListener("focus", () => this.refreshPicker());
        this.picker.addEventListener("mousedown", () => this.refreshPicker());
        this.picker.addEventListener("change", () => this.pick());
      }
      if (this.previewButton) {
        this.previewButton.addEventListener("click", () => this.check({ sample: true }));
      }
      this.refreshPicker();
      this.paint([]);
      if (this.input.value.trim()) this.check();
      root.skRuleEditor = this;
    }

    get value() {
      return this.input.value;
    }

    set value(text) {
      this.input.value = text || "";
      this.paint([]);
      this.check();
    }

    text(name, fallback) {
      return this.texts[name] || fallback;
    }

    fields() {
      return this.options.getFields ? this.options.getFields() : null;
    }

    // The picker lists the fields a rule here can read: a subform's columns, then the form's.
    refreshPicker() {
      const fields = this.fields();
      if (!this.picker || !fields) return;
      const subform = this.root.dataset.subform;
      let listed = fields;
      if (subform) {
        const parent = fields.find((f) => f.key === subform);
        listed = [...((parent && parent.fields) || []), ...fields];
      }
      const first = this.picker.options[0];
      this.picker.replaceChildren(first);
      for (const field of listed) {
        if (!field || !field.key) continue;
        const option = document.createElement("option");
        const label = labelOf(field.label, this.lang) || field.key;
        option.value = "{" + label + "}";
        option.textContent = label + " (" + field.key + ")";
        this.picker.append(option);
      }
    }

    pick() {
      const token = this.picker.value;
      this.picker.selectedIndex = 0;
      if (!token) return;
      const input = this.input;
      const start = input.selectionStart ?? input.value.length;
      const end = input.selectionEnd ?? input.value.length;
      const before = input.value.slice(0, start);
      const spacer = before && !/[\s(\[,]$/.test(before) ? " " : "";
      input.value = before + spacer + token + input.value.slice(end);
      const caret = start + spacer.length + token.length;
      input.focus();
      input.setSelectionRange(caret, caret);
      this.changed();
    }

    changed() {
      if (this.options.onInput) this.options.onInput(this.input.value);
      this.root.dataset.state = "checking";
      this.paint([]); // old marks would sit at the wrong place while the text changes
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.check(), DELAY_MS);
    }

    syncScroll() {
      this.backdrop.scrollTop = this.input.scrollTop;
      this.backdrop.scrollLeft = this.input.scrollLeft;
    }

    // Draw the text again behind the (transparent) text box, with errors in <mark>s.
    paint(errors) {
      const text = this.input.value;
      const spans = errors
        .map((e) => [unitIndex(text, e.start), unitIndex(text, Math.max(e.end, e.start + 1))])
        .sort((a, b) => a[0] - b[0]);
      const parts = [];
      let at = 0;
      for (const [start, rawEnd] of spans) {
        if (start < at) continue;
        const end = Math.min(rawEnd, text.length);
        parts.push(document.createTextNode(text.slice(at, start)));
        const mark = document.createElement("mark");
        mark.className = "sk-rule-error";
        // An error at the very end (a missing operand) marks a blank.
        mark.textContent = end > start ? text.slice(start, end) : " ";
        parts.push(mark);
        at = Math.max(end, start);
      }
      parts.push(document.createTextNode(text.slice(at) + "\n"));
      this.backdrop.replaceChildren(...parts);
      this.syncScroll();
    }

    async check(extra) {
      const seq = ++this.seq;
      const text = this.input.value;
      const payload = {
        form: this.root.dataset.form,
        rule: text,
        expect: this.root.dataset.expect || null,
        subform: this.root.dataset.subform || null,
        ...(extra || {}),
      };
      const fields = this.fields();
      if (fields) payload.fields = fields;
      let result;
      try {
        const response = await fetch(this.root.dataset.checkUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "X-CSRFToken": csrfToken(),
          },
          body: JSON.stringify(payload),
        });
        result = await response.json();
        if (!response.ok) {
          result = { ok: false, errors: [{ message: result.error || response.statusText }] };
        }
      } catch (error) {
        result = { ok: false, offline: true, errors: [{ message: error.message }] };
      }
      if (seq !== this.seq || text !== this.input.value) return; // a newer check is coming
      this.show(result, Boolean(extra && extra.sample));
      if (this.options.onChange) this.options.onChange(text, result);
    }

    show(result, withValue) {
      this.result = result;
      const errors = (result.errors || []).filter((e) => e.start !== undefined);
      this.paint(errors);
      this.root.dataset.state = result.ok ? "ok" : result.empty ? "empty" : "error";
      this.input.setAttribute("aria-invalid", result.ok || result.empty ? "false" : "true");
      this.typeBadge.hidden = !result.ok;
      if (result.ok) {
        const names = this.text("types", {});
        const shown = names[result.type] ? names[result.type] + " · " + result.type : result.type;
        this.typeBadge.textContent = this.text("type", "Type") + ": " + shown;
        this.typeBadge.dataset.type = result.type;
      }
      this.errorList.replaceChildren(...(result.errors || []).map((e) => this.errorItem(e)));
      if (this.valueBox) {
        this.valueBox.hidden = !withValue;
        if (withValue) this.showValue(result);
      }
    }

    errorItem(error) {
      const item = document.createElement("li");
      item.className = "sk-rule-message";
      const where = error.line ? this.text("at", "line {line}, column {column}")
        .replace("{line}", error.line).replace("{column}", error.column) + ": " : "";
      const fixable = error.suggestion && error.replacement !== undefined;
      // The fix button says "did you mean"; the message need not say it twice.
      const message = fixable ? error.message.replace(/ \(did you mean .+\?\)$/, "") : error.message;
      item.append(document.createTextNode(where + message));
      if (fixable) {
        const fix = document.createElement("button");
        fix.type = "button";
        fix.className = "btn btn-link btn-sm p-0 ms-2 align-baseline sk-rule-fix";
        fix.textContent = this.text("didYouMean", "Did you mean {name}?")
          .replace("{name}", error.suggestion);
        fix.addEventListener("click", () => this.applyFix(error));
        item.append(fix);
      }
      return item;
    }

    applyFix(error) {
      const text = this.input.value;
      const start = unitIndex(text, error.replace_start);
      const end = unitIndex(text, error.replace_end);
      this.input.value = text.slice(0, start) + error.replacement + text.slice(end);
      this.input.focus();
      const caret = start + error.replacement.length;
      this.input.setSelectionRange(caret, caret);
      this.changed();
    }

    showValue(result) {
      if (!result.ok) {
        this.valueBox.textContent = "";
      } else if (result.value_error) {
        this.valueBox.textContent = this.text("valueError", "Could not evaluate: ") + result.value_error;
      } else if (!("value" in result)) {
        this.valueBox.textContent = this.text("noSample", "No record to try the rule on yet.");
      } else {
        const on = result.sample ? " (" + result.sample + ")" : "";
        this.valueBox.textContent = this.text("value", "Value") + on + ": " + JSON.stringify(result.value);
      }
    }
  }

  const attach = (element, options) => element.skRuleEditor || new RuleEditor(element, options);
  const attachAll = (root, options) =>
    Array.from((root || document).querySelectorAll("[data-sk-rule]")).map((el) => attach(el, options));

  window.SkRuleEditor = { attach, attachAll, RuleEditor };
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-sk-rule][data-auto]").forEach((el) => attach(el));
  });
})();
