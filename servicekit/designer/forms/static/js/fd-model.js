/* The form being designed: the draft body plus the operations the canvas and panel apply
 * to it (add, move, duplicate, delete, undo). Every change goes through `change()`, which
 * keeps an undo snapshot and tells the listeners (canvas, panel, autosave).
 *
 * Places on the canvas are written as strings:
 *   "row:<path>:<r>"   row r of a section      "newrow:<path>"  a new row at the end
 *   "gap:<path>:<r>"   a new row before row r
 *   "sub:<key>"        the columns of subform <key>
 * where <path> is "s<i>" (a section) or "t<j>s<i>" (section i of tab j).
 */

import { renameInRules, slug } from "./fd-keys.js";

const MAX_UNDO = 100;
export const MAX_ROW = 4;

const clone = (value) => JSON.parse(JSON.stringify(value));

export class FormModel {
  constructor(body, { publishedKeys = [], texts = {} } = {}) {
    this.published = new Set(publishedKeys);
    this.texts = texts;
    this.autoKeys = new Set(); // keys still made from the label
    this.undoStack = [];
    this.listeners = [];
    this.body = this.normalized(body);
  }

  onChange(cb) {
    this.listeners.push(cb);
  }

  // A body the canvas can draw: a layout that lists every top-level field exactly once.
  normalized(raw) {
    const body = clone(raw && typeof raw === "object" ? raw : {});
    // A new form starts with its key as its name, so it is valid from the first field on.
    if (!body.label && body.key) body.label = { zh: body.key, en: body.key };
    if (!Array.isArray(body.fields)) body.fields = [];
    body.fields = body.fields.filter((f) => f && typeof f === "object" && f.key);
    let layout = body.layout;
    if (!layout || (!Array.isArray(layout.sections) && !Array.isArray(layout.tabs))) {
      layout = { sections: [{ key: "main", rows: [] }] };
    }
    body.layout = layout;
    const known = new Set(body.fields.map((f) => f.key));
    const seen = new Set();
    for (const section of this.sections(body)) {
      section.rows = (section.rows || [])
        .map((row) => (row || []).filter((k) => known.has(k) && !seen.has(k) && seen.add(k)))
        .filter((row) => row.length);
    }
    const sections = this.sections(body);
    if (!sections.length) {
      body.layout = { sections: [{ key: "main", rows: [] }] };
    }
    const last = this.sections(body).slice(-1)[0];
    for (const field of body.fields) {
      if (!seen.has(field.key)) last.rows.push([field.key]);
    }
    return body;
  }

  sections(body = this.body) {
    const layout = body.layout || {};
    if (Array.isArray(layout.tabs)) return layout.tabs.flatMap((t) => t.sections || []);
    return layout.sections || [];
  }

  section(path) {
    const match = /^(?:t(\d+))?s(\d+)$/.exec(path);
    if (!match) return null;
    const layout = this.body.layout;
    const list = match[1] !== undefined ? (layout.tabs[+match[1]] || {}).sections : layout.sections;
    return (list || [])[+match[2]] || null;
  }

  // --- reading ----------------------------------------------------------------------
  allKeys() {
    const keys = new Set();
    for (const f of this.body.fields) {
      keys.add(f.key);
      for (const c of f.fields || []) keys.add(f.key + "." + c.key);
    }
    return keys;
  }

  find(key) {
    // "key" for a top-level field, "parent.key" for a subform column.
    const [first, second] = String(key).split(".");
    const top = this.body.fields.find((f) => f.key === first);
    if (!second) return top || null;
    return top && (top.fields || []).find((c) => c.key === second) || null;
  }

  isPublished(path) {
    return this.published.has(path);
  }

  uniqueKey(base, siblings) {
    const taken = new Set(siblings.map((f) => f.key));
    for (const s of this.sections()) taken.add(s.key);
    let key = base || "field";
    let n = 2;
    while (taken.has(key)) key = (base || "field").slice(0, 26) + "_" + n++;
    return key;
  }

  // --- changing ---------------------------------------------------------------------
  change(fn, { silent = false, coalesce = null } = {}) {
    const before = JSON.stringify(this.body);
    const result = fn(this.body);
    this.cleanRows();
    if (JSON.stringify(this.body) === before) return result;
    // Typing into one input is one step to undo, not one step per keystroke.
    const now = Date.now();
    const same = coalesce && this.lastCoalesce === coalesce && now - this.lastChange < 2000;
    if (!same) this.undoStack.push(before);
    this.lastCoalesce = coalesce;
    this.lastChange = now;
    if (this.undoStack.length > MAX_UNDO) this.undoStack.shift();
    this.emit(silent ? "props" : "all");
    return result;
  }

  emit(what) {
    this.listeners.forEach((cb) => cb(what));
  }

  undo() {
    const before = this.undoStack.pop();
    if (!before) return;
    this.body = JSON.parse(before);
    this.emit("all");
  }

  cleanRows() {
    for (const section of this.sections()) {
      section.rows = (section.rows || []).filter((row) => row.length);
    }
    // Fields in the order they appear on the form, so the JSON reads like the form.
    const order = new Map();
    this.sections().forEach((s) => s.rows.flat().forEach((k) => order.has(k) || order.set(k, order.size)));
    this.body.fields.sort((a, b) => (order.get(a.key) ?? 1e9) - (order.get(b.key) ?? 1e9));
  }

  newField(type, siblings) {
    const zh = (this.texts.newFieldZh || "{type}").replace("{type}", (this.texts.typesZh || {})[type] || type);
    const en = (this.texts.newFieldEn || "New {type}").replace("{type}", ((this.texts.typesEn || {})[type] || type).toLowerCase());
    const field = { key: this.uniqueKey(slug(en), siblings), type, label: { zh, en } };
    if (type === "select" || type === "multi_select") {
      field.options = [{ value: "option_1", label: { zh: "选项 1", en: "Option 1" } }];
    } else if (type === "decimal") {
      field.scale = 2;
    } else if (type === "formula") {
      field.expr = "1";
      field.result_type = "decimal";
    } else if (type === "subform") {
      field.fields = [{ key: "item", type: "text", label: { zh: "项目", en: "Item" } }];
    } else if (type === "lookup") {
      const forms = Object.keys(this.forms || {});
      field.form = forms[0] || "customer";
    }
    return field;
  }

  // Take a field out of wherever it is; returns the field object.
  detach(body, key) {
    const [first, second] = key.split(".");
    if (second) {
      const parent = body.fields.find((f) => f.key === first);
      const index = parent.fields.findIndex((c) => c.key === second);
      return parent.fields.splice(index, 1)[0];
    }
    for (const section of this.sections(body)) {
      for (const row of section.rows) {
        const at = row.indexOf(key);
        if (at >= 0) row.splice(at, 1);
      }
    }
    const index = body.fields.findIndex((f) => f.key === key);
    return index >= 0 ? body.fields.splice(index, 1)[0] : null;
  }

  // Put a field object at a place; keys stay unique among their new neighbours.
  attach(body, field, place, index) {
    const [kind, where, rowText] = place.split(":");
    if (kind === "sub") {
      const parent = body.fields.find((f) => f.key === where);
      if (!parent || field.type === "subform") return null;
      parent.fields = parent.fields || [];
      field.key = this.uniqueKey(field.key, parent.fields);
      parent.fields.splice(Math.min(index, parent.fields.length), 0, field);
      return where + "." + field.key;
    }
    const section = this.section(where);
    if (!section) return null;
    field.key = this.uniqueKey(field.key, body.fields);
    body.fields.push(field);
    if (kind === "newrow") {
      section.rows.push([field.key]);
    } else if (kind === "gap") {
      section.rows.splice(+rowText, 0, [field.key]);
    } else {
      const row = section.rows[+rowText];
      if (row && row.length < MAX_ROW) row.splice(Math.min(index, row.length), 0, field.key);
      else section.rows.splice(+rowText + 1, 0, [field.key]);
    }
    return field.key;
  }

  add(type, place, index) {
    return this.change((body) => {
      const siblings = place.startsWith("sub:")
        ? (body.fields.find((f) => f.key === place.slice(4)) || {}).fields || []
        : body.fields;
      const field = this.newField(type, siblings);
      const path = this.attach(body, field, place, index);
      if (path) this.autoKeys.add(path);
      return path;
    });
  }

  move(key, place, index) {
    return this.change((body) => {
      const wasAuto = this.autoKeys.delete(key);
      const field = this.detach(body, key);
      if (!field) return null;
      const oldKey = field.key;
      const path = this.attach(body, field, place, index);
      if (!path) {
        // Refused (a subform into a subform): put it back where it was.
        this.attach(body, field, "newrow:" + this.firstSectionPath(), 0);
        return null;
      }
      if (wasAuto || field.key !== oldKey) this.autoKeys.add(path);
      return path;
    });
  }

  firstSectionPath() {
    return Array.isArray(this.body.layout.tabs) ? "t0s0" : "s0";
  }

  // The place (and index in it) where a field sits now.
  placeOf(key) {
    const [first, second] = key.split(".");
    if (second) {
      const parent = this.find(first);
      return ["sub:" + first, parent.fields.findIndex((c) => c.key === second)];
    }
    const layout = this.body.layout;
    const visit = (sections, prefix) => {
      for (let i = 0; i < sections.length; i++) {
        const rows = sections[i].rows;
        for (let r = 0; r < rows.length; r++) {
          const at = rows[r].indexOf(first);
          if (at >= 0) return ["row:" + prefix + "s" + i + ":" + r, at];
        }
      }
      return null;
    };
    if (Array.isArray(layout.tabs)) {
      for (let t = 0; t < layout.tabs.length; t++) {
        const found = visit(layout.tabs[t].sections, "t" + t);
        if (found) return found;
      }
      return null;
    }
    return visit(layout.sections, "");
  }

  duplicate(key) {
    return this.change((body) => {
      const original = this.find(key);
      if (!original) return null;
      const copy = clone(original);
      const label = copy.label && typeof copy.label === "object" ? copy.label : { zh: String(copy.label || "") };
      copy.label = Object.fromEntries(
        Object.entries(label).map(([lang, text]) => [lang, (lang === "en" ? this.texts.copyEn : this.texts.copyZh).replace("{label}", text)])
      );
      copy.key = (copy.key + "_copy").slice(0, 30);
      const [place, index] = this.placeOf(key);
      let target = place;
      if (place.startsWith("row:")) {
        const [, where, r] = place.split(":");
        const row = this.section(where).rows[+r];
        if (row.length >= MAX_ROW) {
          // No room beside it: a new row right below.
          copy.key = this.uniqueKey(copy.key, body.fields);
          body.fields.push(copy);
          this.section(where).rows.splice(+r + 1, 0, [copy.key]);
          return copy.key;
        }
        target = place;
      }
      return this.attach(body, copy, target, index + 1);
    });
  }

  remove(key) {
    return this.change((body) => {
      this.autoKeys.delete(key);
      return this.detach(body, key);
    });
  }

  // Set one property (undefined or "" removes it). Used by the properties panel.
  setProp(key, name, value) {
    return this.change((body) => {
      const field = this.find(key);
      if (!field) return;
      if (value === undefined || value === "" || value === null) delete field[name];
      else field[name] = value;
    }, { silent: true, coalesce: key + "/" + name });
  }

  setLabel(key, lang, text) {
    return this.change(() => {
      const field = this.find(key);
      if (!field) return;
      const label = field.label && typeof field.label === "object" ? field.label : { zh: field.label || "" };
      if (text) label[lang] = text;
      else delete label[lang];
      field.label = Object.keys(label).length ? label : undefined;
      if (lang === "en" && this.autoKeys.has(key)) {
        const derived = slug(text);
        if (derived) this.renameIn(key, derived);
      }
    }, { silent: true, coalesce: key + "/label/" + lang });
  }

  // Rename a field's key (refused once published); layout and rules follow.
  rename(key, wanted) {
    let result = key;
    this.change(() => {
      result = this.renameIn(key, wanted);
    }, { silent: true });
    return result;
  }

  renameIn(key, wanted) {
    if (this.isPublished(key) || !wanted) return key;
    const [first, second] = key.split(".");
    const field = this.find(key);
    const siblings = second ? this.find(first).fields : this.body.fields;
    const newKey = this.uniqueKey(wanted, siblings.filter((f) => f !== field));
    if (newKey === field.key) return key;
    const old = field.key;
    field.key = newKey;
    if (!second) {
      for (const section of this.sections()) {
        section.rows = section.rows.map((row) => row.map((k) => (k === old ? newKey : k)));
      }
    }
    renameInRules(this.body, old, newKey);
    const path = second ? first + "." + newKey : newKey;
    if (this.autoKeys.delete(key)) this.autoKeys.add(path);
    this.renamed = [key, path];
    return path;
  }
}
