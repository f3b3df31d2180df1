/* The properties panel: what can be set on the selected field, section, tab or on the
 * form itself. Inputs write to the model as the builder types (the canvas follows); rules
 * use the rule editor (rule-editor.js) checked against the fields being designed.
 */
import { el, labelOf, lang } from "./fd-dom.js";
import { numberingInputs } from "./fd-numbering.js";

const COLORS = ["primary", "success", "warning", "danger", "info", "secondary", "dark"];
const RESULT_TYPES = ["text", "integer", "decimal", "boolean", "date", "datetime", "duration"];
const NUMBERS = new Set(["integer", "decimal", "duration"]);
const CAN_REQUIRE = (type) => !["formula", "auto_number"].includes(type);
const HAS_DEFAULT = new Set(["text", "long_text", "integer", "decimal", "boolean", "date", "select"]);
const RULE_TYPES = { boolean: "boolean", number: "decimal", text: "text", date: "date", datetime: "datetime", duration: "duration" };

let counter = 0;
const uid = (name) => "sk-fd-" + name + "-" + ++counter;

export class Properties {
  constructor(root, model, { texts, config, title }) {
    this.root = root;
    this.model = model;
    this.texts = texts;
    this.config = config;
    this.title = title;
    this.path = null;
    this.generation = 0;
  }

  show(path) {
    this.path = path;
    this.generation += 1; // answers for an earlier panel are dropped
    if (!path) return this.formPanel();
    if (path.startsWith("tab:")) return this.tabPanel(+path.slice(4));
    if (/^(t\d+)?s\d+$/.test(path)) return this.sectionPanel(path);
    const field = this.model.find(path);
    if (!field) return this.formPanel();
    return this.fieldPanel(path, field);
  }

  // --- building blocks --------------------------------------------------------------
  input(label, value, onInput, attrs = {}) {
    const id = uid("in");
    return el("div", { class: "mb-2" },
      el("label", { class: "form-label small mb-1", for: id, text: label }),
      el("input", { class: "form-control form-control-sm", id, value: value ?? "", oninput: (e) => onInput(e.target.value, e.target), ...attrs }));
  }

  number(label, value, onInput, attrs = {}) {
    return this.input(label, value, (text) => onInput(text === "" ? undefined : Number(text)), { type: "number", ...attrs });
  }

  check(label, checked, onChange, attrs = {}) {
    const id = uid("ck");
    return el("div", { class: "form-check mb-2" },
      el("input", { class: "form-check-input", type: "checkbox", id, checked: Boolean(checked), onchange: (e) => onChange(e.target.checked), ...attrs }),
      el("label", { class: "form-check-label small", for: id, text: label }));
  }

  choose(label, value, choices, onChange, attrs = {}) {
    const id = uid("sel");
    const select = el("select", { class: "form-select form-select-sm", id, onchange: (e) => onChange(e.target.value), ...attrs },
      choices.map(([v, text]) => el("option", { value: v, selected: v === (value ?? "") ? true : null, text })));
    return el("div", { class: "mb-2" }, el("label", { class: "form-label small mb-1", for: id, text: label }), select);
  }

  rule(label, value, { expect, subform, onChange, onInput, name }) {
    const generation = this.generation;
    const current = () => generation === this.generation;
    const template = document.getElementById("sk-fd-rule-template");
    const node = template.content.firstElementChild.cloneNode(true);
    const id = uid("rule");
    node.id = id;
    node.dataset.expect = expect || "";
    node.dataset.subform = subform || "";
    node.dataset.rule = name;
    const input = node.querySelector(".sk-rule-input");
    input.id = id + "-input";
    input.value = value || "";
    node.querySelector("label").setAttribute("for", input.id);
    node.querySelector("label").textContent = label;
    node.querySelector(".sk-rule-errors").id = id + "-errors";
    node.querySelector(".sk-rule-type").id = id + "-type";
    input.setAttribute("aria-describedby", id + "-errors " + id + "-type");
    // Attach once the node is in the page (the editor measures and paints it).
    queueMicrotask(() => window.SkRuleEditor.attach(node, {
      getFields: () => this.model.body.fields,
      onInput: (text) => current() && onInput && onInput(text),
      onChange: (text, result) => current() && onChange && onChange(text, result),
    }));
    return node;
  }

  labels(get, set, prefix = "label") {
    const current = get();
    return [
      this.input(this.texts[prefix + "Zh"] || this.texts.labelZh, labelOf(current && typeof current === "object" ? current.zh : current, "zh"), (v) => set("zh", v), { "data-prop": prefix + "-zh", maxlength: 200 }),
      this.input(this.texts[prefix + "En"] || this.texts.labelEn, current && typeof current === "object" ? current.en || "" : "", (v) => set("en", v), { "data-prop": prefix + "-en", maxlength: 200 }),
    ];
  }

  mount(title, ...parts) {
    this.title.textContent = title;
    this.root.replaceChildren(...parts.flat(Infinity).filter(Boolean));
  }

  // --- panels -----------------------------------------------------------------------
  formPanel() {
    const body = this.model.body;
    const setLabel = (lang_, text) => {
      const label = body.label && typeof body.label === "object" ? { ...body.label } : {};
      if (text) label[lang_] = text; else delete label[lang_];
      this.model.setFormProp("label", Object.keys(label).length ? label : undefined);
    };
    this.mount(this.texts.formProps,
      el("p", { class: "small text-body-secondary", text: this.texts.nothingSelected }),
      this.labels(() => body.label, setLabel, "formLabel"),
      this.input(this.texts.titleTemplate, body.title || "", (v) => this.model.setFormProp("title", v || undefined), { "data-prop": "title", maxlength: 1000 }),
      numberingInputs(this, {
        numbering: body.numbering, label: this.texts.numbering,
        target: () => ({ field: null, path: "$.numbering" }),
        onChange: (next) => this.model.setFormProp("numbering", next),
      }),
      this.roleAccess(body));
  }

  // One box per app role: without a permission no end user can open the form's records.
  roleAccess(body) {
    const roles = this.config.roles || [];
    if (!roles.length) return null;
    const full = (p) => Boolean(p && p.read && p.create && p.update);
    const toggle = (key, on) => {
      const next = { ...(body.permissions || {}) };
      if (on) next[key] = { ...(next[key] || {}), read: true, create: true, update: true };
      else delete next[key];
      this.model.setFormProp("permissions", Object.keys(next).length ? next : undefined);
    };
    return el("fieldset", { class: "mb-2" },
      el("legend", { class: "form-label small mb-1", text: this.texts.roleAccess }),
      ...roles.map(([key, label]) => this.check(label, full((body.permissions || {})[key]), (v) => toggle(key, v), { "data-prop": `role-${key}` })));
  }

  tabPanel(index) {
    const tab = this.model.body.layout.tabs[index];
    const setLabel = (lang_, text) => this.model.change(() => {
      const label = tab.label && typeof tab.label === "object" ? tab.label : {};
      if (text) label[lang_] = text; else delete label[lang_];
      tab.label = label;
    }, { silent: true });
    this.mount(this.texts.tabProps, this.labels(() => tab.label, setLabel),
      el("p", { class: "small text-body-secondary", text: this.texts.key + ": " + tab.key }));
  }

  sectionPanel(path) {
    const section = this.model.section(path);
    const setLabel = (lang_, text) => {
      const label = section.label && typeof section.label === "object" ? { ...section.label } : {};
      if (text) label[lang_] = text; else delete label[lang_];
      this.model.setSectionProp(path, "label", Object.keys(label).length ? label : undefined);
    };
    this.mount(this.texts.sectionProps,
      this.labels(() => section.label, setLabel),
      this.choose(this.texts.columns, String(section.columns || 1), [["1", "1"], ["2", "2"], ["3", "3"], ["4", "4"]],
        (v) => this.model.setSectionProp(path, "columns", v === "1" ? undefined : Number(v)), { "data-prop": "columns" }),
      this.check(this.texts.collapsed, section.collapsed, (v) => this.model.setSectionProp(path, "collapsed", v || undefined)),
      this.rule(this.texts.visibleIf, section.visible_if, { expect: "boolean", name: "visible_if", onInput: (text) => this.model.setSectionProp(path, "visible_if", text.trim() || undefined) }),
      el("button", { type: "button", class: "btn btn-sm btn-outline-danger", id: "sk-fd-delete-section", text: this.texts.deleteSection, onclick: () => { this.model.removeSection(path); this.onSelectRequest(null); } }));
  }

  fieldPanel(path, field) {
    const set = (name) => (value) => this.model.setProp(this.path, name, value);
    const subform = path.includes(".") ? path.split(".")[0] : null;
    const published = this.model.isPublished(path);
    const keyInput = this.input(this.texts.key, field.key, (value, input) => {
      this.model.autoKeys.delete(this.path);
      const cleaned = value.toLowerCase().replace(/[^a-z0-9_]/g, "").slice(0, 30);
      if (/^[a-z]/.test(cleaned)) this.renameTo(cleaned);
      if (cleaned !== value) input.value = cleaned;
    }, { "data-prop": "key", readonly: published || null, maxlength: 30, pattern: "[a-z][a-z0-9_]*" });
    keyInput.append(el("div", { class: "form-text", text: published ? this.texts.keyFixed : this.texts.keyHelp }));
    const setLabel = (lang_, text) => {
      const before = this.path;
      this.model.setLabel(before, lang_, text);
      this.followRename(before);
    };
    const parts = [
      this.labels(() => field.label, setLabel),
      keyInput,
      CAN_REQUIRE(field.type) ? this.check(this.texts.required, field.required, (v) => set("required")(v || undefined), { "data-prop": "required" }) : null,
      ...this.typeProps(field, set, subform),
      HAS_DEFAULT.has(field.type) ? this.defaultInput(field, set("default")) : null,
      this.helpInputs(field),
      this.rule(this.texts.visibleIf, field.visible_if, { expect: "boolean", subform, name: "visible_if", onInput: (t) => set("visible_if")(t.trim() || undefined) }),
      CAN_REQUIRE(field.type) ? this.rule(this.texts.requiredIf, field.required_if, { expect: "boolean", subform, name: "required_if", onInput: (t) => set("required_if")(t.trim() || undefined) }) : null,
      CAN_REQUIRE(field.type) ? this.rule(this.texts.readonlyIf, field.readonly_if, { expect: "boolean", subform, name: "readonly_if", onInput: (t) => set("readonly_if")(t.trim() || undefined) }) : null,
    ];
    this.mount(this.texts.fieldProps + " · " + ((this.texts.types || {})[field.type] || field.type), parts);
  }

  renameTo(wanted) {
    const before = this.path;
    this.model.rename(before, wanted);
    this.followRename(before);
  }

  // A rename changes the selected path; the canvas and this panel must follow it.
  followRename(before) {
    if (this.model.renamed && this.model.renamed[0] === before) {
      this.path = this.model.renamed[1];
      this.model.renamed = null;
      if (this.onPathChange) this.onPathChange(this.path);
      const keyInput = this.root.querySelector('[data-prop="key"]');
      if (keyInput && document.activeElement !== keyInput) keyInput.value = this.path.split(".").pop();
    }
  }

  helpInputs(field) {
    const setHelp = (lang_, text) => {
      const help = field.help && typeof field.help === "object" ? { ...field.help } : (field.help ? { zh: field.help } : {});
      if (text) help[lang_] = text; else delete help[lang_];
      this.model.setProp(this.path, "help", Object.keys(help).length ? help : undefined);
    };
    return this.labels(() => field.help, setHelp, "help");
  }

  defaultInput(field, set) {
    const label = this.texts.default;
    if (field.type === "boolean") {
      return this.choose(label, field.default === undefined ? "" : String(field.default),
        [["", this.texts.noDefault], ["true", this.texts.yes], ["false", this.texts.no]],
        (v) => set(v === "" ? undefined : v === "true"), { "data-prop": "default" });
    }
    if (field.type === "select") {
      return this.choose(label, field.default || "",
        [["", this.texts.noDefault], ...(field.options || []).map((o) => [o.value, labelOf(o.label, lang()) || o.value])],
        (v) => set(v || undefined), { "data-prop": "default" });
    }
    if (field.type === "integer" || field.type === "decimal") {
      return this.number(label, field.default, set, { "data-prop": "default", step: "any" });
    }
    return this.input(label, field.default || "", (v) => set(v || undefined), { "data-prop": "default", type: field.type === "date" ? "date" : "text" });
  }

  typeProps(field, set, subform) {
    const t = this.texts;
    const parts = [];
    if (field.type === "text") {
      parts.push(this.number(t.maxLength, field.max_length, set("max_length"), { min: 1, max: 100000, "data-prop": "max_length" }));
      parts.push(this.input(t.pattern, field.pattern || "", (v) => set("pattern")(v || undefined), { "data-prop": "pattern", maxlength: 500 }));
    }
    if (NUMBERS.has(field.type)) {
      parts.push(el("div", { class: "row g-2" },
        el("div", { class: "col" }, this.number(t.min, field.min, set("min"), { "data-prop": "min", step: "any" })),
        el("div", { class: "col" }, this.number(t.max, field.max, set("max"), { "data-prop": "max", step: "any" }))));
    }
    if (field.type === "decimal" || (field.type === "formula" && field.result_type === "decimal")) {
      parts.push(this.number(t.scale, field.scale, set("scale"), { min: 0, max: 10, "data-prop": "scale" }));
    }
    if (field.type === "select" || field.type === "multi_select") parts.push(this.optionsEditor(field));
    if (field.type === "lookup") parts.push(...this.lookupInputs(field, set));
    if (field.type === "subform") {
      parts.push(el("p", { class: "small text-body-secondary", text: t.subformColumns }));
      parts.push(el("div", { class: "row g-2" },
        el("div", { class: "col" }, this.number(t.minRows, field.min_rows, set("min_rows"), { min: 0, "data-prop": "min_rows" })),
        el("div", { class: "col" }, this.number(t.maxRows, field.max_rows, set("max_rows"), { min: 1, "data-prop": "max_rows" }))));
    }
    if (field.type === "user") {
      parts.push(this.input(t.role, field.role || "", (v) => set("role")(v || undefined), { "data-prop": "role", maxlength: 30 }));
    }
    if (field.type === "auto_number" && !subform) {
      // Each auto-number field counts on its own sequence, named after its key.
      parts.push(numberingInputs(this, {
        numbering: field.numbering, label: t.fieldNumbering,
        target: () => ({ field: this.path, path: `$.fields[${this.model.body.fields.findIndex((f) => f.key === this.path)}].numbering` }),
        onChange: (next) => set("numbering")(next),
      }));
    }
    if (field.type === "formula") {
      const resultSelect = this.choose(t.resultType, field.result_type || "",
        RESULT_TYPES.map((r) => [r, (t.resultTypes || {})[r] || r]), (v) => { set("result_type")(v); this.show(this.path); }, { "data-prop": "result_type" });
      parts.push(this.rule(t.formula, field.expr, {
        subform, name: "expr",
        onInput: (text) => set("expr")(text.trim() || undefined),
        onChange: (text, result) => {
          // Follow the rule's type unless the builder chose a compatible one.
          const wanted = result && result.ok ? RULE_TYPES[result.type] : null;
          const current = this.model.find(this.path)?.result_type;
          const compatible = wanted === "decimal" ? ["integer", "decimal"].includes(current) : wanted === current;
          if (wanted && !compatible) {
            set("result_type")(wanted);
            resultSelect.querySelector("select").value = wanted;
          }
        },
      }));
      parts.push(resultSelect);
    }
    return parts;
  }

  lookupInputs(field, set) {
    const forms = this.config.forms || {};
    const target = forms[field.form] || { fields: [] };
    return [
      this.choose(this.texts.lookupForm, field.form || "",
        [["", this.texts.chooseForm], ...Object.entries(forms).filter(([k]) => k !== this.config.form).map(([k, f]) => [k, f.label || k])],
        (v) => { this.model.setProp(this.path, "display", undefined); set("form")(v || undefined); this.show(this.path); }, { "data-prop": "form" }),
      this.choose(this.texts.lookupDisplay, field.display || "",
        [["", this.texts.chooseField], ...target.fields.map((f) => [f.key, labelOf(f.label, lang()) || f.key])],
        (v) => set("display")(v || undefined), { "data-prop": "display" }),
    ];
  }

  optionsEditor(field) {
    const list = el("ul", { class: "list-unstyled mb-2 sk-fd-options" });
    const options = () => (this.model.find(this.path).options || []).map((o) => ({ ...o }));
    const save = (next) => this.model.setProp(this.path, "options", next);
    const draw = () => {
      list.replaceChildren(...options().map((option, i) => this.optionRow(option, i, options, save, draw)));
    };
    draw();
    new window.Sortable(list, {
      forceFallback: true,
      handle: ".sk-fd-option-handle",
      animation: 120,
      onEnd: (event) => {
        const next = options();
        const [moved] = next.splice(event.oldIndex, 1);
        next.splice(event.newIndex, 0, moved);
        save(next);
        draw();
      },
    });
    const add = el("button", {
      type: "button", class: "btn btn-sm btn-outline-primary", id: "sk-fd-add-option", text: this.texts.addOption,
      onclick: () => {
        const next = options();
        const taken = new Set(next.map((o) => o.value));
        let n = next.length + 1;
        while (taken.has("option_" + n)) n++;
        next.push({ value: "option_" + n, label: { zh: "选项 " + n, en: "Option " + n } });
        save(next);
        draw();
        const inputs = list.querySelectorAll('[data-prop="option-zh"]');
        if (inputs.length) inputs[inputs.length - 1].focus();
      },
    });
    return el("fieldset", { class: "mb-2" }, el("legend", { class: "form-label small mb-1", text: this.texts.options }), list, add);
  }

  optionRow(option, i, options, save, draw) {
    const update = (change) => { const next = options(); next[i] = { ...next[i], ...change }; save(next); };
    const setLabel = (lang_, text) => {
      const label = option.label && typeof option.label === "object" ? { ...option.label } : {};
      if (text) label[lang_] = text; else delete label[lang_];
      option.label = label;
      update({ label });
    };
    const colors = [["", this.texts.noColor], ...COLORS.map((c) => [c, (this.texts.colors || {})[c] || c])];
    return el("li", { class: "d-flex flex-wrap align-items-center gap-1 mb-1 sk-fd-option", dataset: { value: option.value } },
      el("span", { class: "sk-fd-option-handle text-body-secondary", title: this.texts.dragToReorder, "aria-hidden": "true" }, el("i", { class: "bi bi-grip-vertical" })),
      el("input", { class: "form-control form-control-sm w-auto flex-fill", value: labelOf(option.label && option.label.zh, "zh"), "aria-label": this.texts.labelZh, "data-prop": "option-zh", maxlength: 200, oninput: (e) => setLabel("zh", e.target.value) }),
      el("input", { class: "form-control form-control-sm w-auto flex-fill", value: (option.label && option.label.en) || "", "aria-label": this.texts.labelEn, "data-prop": "option-en", maxlength: 200, oninput: (e) => setLabel("en", e.target.value) }),
      el("input", { class: "form-control form-control-sm", style: "max-width: 7rem", value: option.value, "aria-label": this.texts.optionValue, "data-prop": "option-value", maxlength: 100,
        readonly: this.model.isPublished(this.path) && option.value ? null : null,
        oninput: (e) => update({ value: e.target.value }) }),
      el("select", { class: "form-select form-select-sm w-auto", "aria-label": this.texts.optionColor, "data-prop": "option-color", onchange: (e) => update({ color: e.target.value || undefined }) },
        colors.map(([v, text]) => el("option", { value: v, selected: (option.color || "") === v ? true : null, text }))),
      el("button", { type: "button", class: "btn btn-sm btn-link text-danger p-0", "aria-label": this.texts.removeOption, title: this.texts.removeOption,
        onclick: () => { const next = options(); next.splice(i, 1); save(next); draw(); } }, el("i", { class: "bi bi-x-lg" })));
  }
}
