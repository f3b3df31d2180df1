/* The canvas: the form as it will look (tabs, sections, rows of fields, subform columns),
 * drawn from the model after every change. Dragging uses SortableJS in its fallback mode
 * (the same under test automation as by hand); a drop is read as "this field (or palette
 * type) to that place at that index", applied to the model, and the canvas redrawn.
 */
import { el, icon, labelOf, lang } from "./fd-dom.js";
import { MAX_ROW } from "./fd-model.js";

const GROUP = "sk-fields";
const SORTABLE = {
  forceFallback: true,
  fallbackOnBody: true,
  animation: 120,
  draggable: ".sk-fd-field, .sk-fd-palette-item",
  filter: ".sk-fd-field-actions button",
  preventOnFilter: false,
  swapThreshold: 0.65,
  emptyInsertThreshold: 12,
  // While dragging, the gaps between rows open up so they can be aimed at.
  onStart: () => document.body.classList.add("sk-fd-dragging"),
  onEnd: () => document.body.classList.remove("sk-fd-dragging"),
};

const MOCK = {
  text: () => el("input", { class: "form-control form-control-sm", disabled: true }),
  long_text: () => el("textarea", { class: "form-control form-control-sm", rows: 2, disabled: true }),
  rich_text: () => el("textarea", { class: "form-control form-control-sm", rows: 2, disabled: true }),
  boolean: () => el("div", { class: "form-check form-switch" }, el("input", { class: "form-check-input", type: "checkbox", disabled: true })),
  date: () => el("input", { class: "form-control form-control-sm", type: "date", disabled: true }),
  datetime: () => el("input", { class: "form-control form-control-sm", type: "datetime-local", disabled: true }),
};

export class Canvas {
  constructor(root, model, { texts, onSelect }) {
    this.root = root;
    this.model = model;
    this.texts = texts;
    this.onSelect = onSelect;
    this.selected = null;
    this.activeTab = 0;
    this.sortables = [];
  }

  select(path) {
    this.selected = path;
    this.root.querySelectorAll(".sk-fd-selected").forEach((n) => n.classList.remove("sk-fd-selected"));
    if (path) {
      const node = this.root.querySelector(`[data-path="${CSS.escape(path)}"]`);
      if (node) node.classList.add("sk-fd-selected");
    }
  }

  render() {
    this.sortables.forEach((s) => s.destroy());
    this.sortables = [];
    const layout = this.model.body.layout;
    const parts = [];
    if (Array.isArray(layout.tabs)) {
      this.activeTab = Math.min(this.activeTab, layout.tabs.length - 1);
      parts.push(this.tabStrip(layout.tabs));
      const tab = layout.tabs[this.activeTab];
      tab.sections.forEach((s, i) => parts.push(this.section(s, "t" + this.activeTab + "s" + i)));
    } else {
      layout.sections.forEach((s, i) => parts.push(this.section(s, "s" + i)));
    }
    if (!this.model.body.fields.length) {
      parts.unshift(el("p", { class: "text-body-secondary small mb-2", text: this.texts.emptyForm }));
    }
    this.root.replaceChildren(...parts);
    this.root.querySelectorAll("[data-place]").forEach((list) => this.sortable(list));
    this.select(this.selected);
  }

  tabStrip(tabs) {
    const items = tabs.map((tab, i) =>
      el("li", { class: "nav-item", dataset: { place: "tab:" + i } },
        el("button", {
          type: "button",
          class: "nav-link" + (i === this.activeTab ? " active" : ""),
          dataset: { tab: String(i), path: "tab:" + i },
          onclick: () => { this.activeTab = i; this.render(); this.onSelect("tab:" + i); },
        }, labelOf(tab.label, lang()) || tab.key))
    );
    return el("ul", { class: "nav nav-tabs mb-2 sk-fd-tabs" }, items);
  }

  section(section, path) {
    const columns = section.columns || 1;
    // Before each row a thin gap: dropping there makes a new row at that place.
    const rows = section.rows.flatMap((row, r) => [
      el("div", { class: "sk-fd-gap", dataset: { place: "gap:" + path + ":" + r } }),
      el("div", {
        class: "sk-fd-row d-flex flex-wrap flex-sm-nowrap gap-2 mb-2",
        dataset: { place: "row:" + path + ":" + r },
      }, row.map((key) => this.fieldCard(this.model.find(key), key, row.length))),
    ]);
    rows.push(el("div", {
      class: "sk-fd-row sk-fd-newrow mb-2",
      dataset: { place: "newrow:" + path, hint: this.texts.dropRow },
    }));
    const title = labelOf(section.label, lang());
    return el("section", { class: "card mb-2 sk-fd-section", dataset: { path: path, section: section.key } },
      el("div", {
        class: "card-header py-1 px-2 d-flex align-items-center gap-2 sk-fd-section-head",
        role: "button",
        tabindex: "0",
        onclick: () => this.onSelect(path),
        onkeydown: (e) => { if (e.key === "Enter") this.onSelect(path); },
      },
        el("span", { class: "fw-semibold small me-auto", text: title || section.key }),
        columns > 1 ? el("span", { class: "badge text-bg-light", text: columns + " ⫼" }) : null),
      el("div", { class: "card-body p-2 sk-fd-rows" }, rows));
  }

  fieldCard(field, path, rowLength) {
    const name = (this.texts.types || {})[field.type] || field.type;
    const label = labelOf(field.label, lang()) || field.key;
    const actions = el("div", { class: "sk-fd-field-actions btn-group btn-group-sm" },
      el("button", { type: "button", class: "btn btn-light sk-fd-duplicate", title: this.texts.duplicate, "aria-label": this.texts.duplicate + " " + label, onclick: (e) => { e.stopPropagation(); this.onSelect(this.model.duplicate(path)); } }, icon("copy")),
      el("button", { type: "button", class: "btn btn-light sk-fd-delete", title: this.texts.delete, "aria-label": this.texts.delete + " " + label, onclick: (e) => { e.stopPropagation(); this.onDelete(path); } }, icon("trash")));
    const head = el("div", { class: "d-flex align-items-center gap-1 small" },
      el("span", { class: "sk-fd-field-label fw-semibold text-truncate", text: label }),
      field.required ? el("span", { class: "text-danger", title: this.texts.required, text: "*" }) : null,
      el("span", { class: "badge text-bg-light ms-1 text-truncate", text: name }),
      el("span", { class: "ms-auto" }), actions);
    const card = el("div", {
      class: "sk-fd-field card card-body p-2 flex-fill",
      dataset: { path: path, key: field.key, type: field.type },
      style: rowLength > 1 ? `flex-basis: ${Math.floor(100 / rowLength)}%` : null,
      tabindex: "0",
      role: "button",
      "aria-label": label,
      onclick: () => this.onSelect(path),
      onkeydown: (e) => { if (e.key === "Enter" && e.target === card) this.onSelect(path); },
    }, head, this.mock(field, path));
    return card;
  }

  mock(field, path) {
    if (field.type === "subform") {
      const columns = (field.fields || []).map((child) => this.fieldCard(child, path + "." + child.key, 1));
      // The columns, then an empty strip that adds a column at the end (easy to aim at).
      return el("div", { class: "p-2 mt-1 border rounded bg-body-tertiary", onclick: (e) => e.stopPropagation() },
        el("div", { class: "sk-fd-subfields d-flex flex-wrap gap-2", dataset: { place: "sub:" + field.key } }, columns),
        el("div", {
          class: "sk-fd-subnew mt-2",
          dataset: { place: "sub:" + field.key + ":end", hint: this.texts.dropColumns },
        }));
    }
    if (field.type === "select" || field.type === "multi_select") {
      return el("div", { class: "d-flex flex-wrap gap-1 mt-1" },
        (field.options || []).map((o) => el("span", {
          class: "badge " + (o.color && !o.color.startsWith("#") ? "text-bg-" + o.color : "text-bg-secondary"),
          style: o.color && o.color.startsWith("#") ? "background:" + o.color : null,
          text: labelOf(o.label, lang()) || o.value,
        })));
    }
    if (field.type === "formula") {
      return el("code", { class: "small d-block text-truncate mt-1", text: "= " + (field.expr || "") });
    }
    const make = MOCK[field.type];
    const input = make ? make() : el("input", { class: "form-control form-control-sm", disabled: true });
    return el("div", { class: "mt-1 sk-fd-mock", "aria-hidden": "true" }, input);
  }

  sortable(list) {
    const place = list.dataset.place;
    const isSub = place.startsWith("sub:");
    const isTab = place.startsWith("tab:");
    const options = {
      ...SORTABLE,
      group: {
        name: GROUP,
        pull: !isTab,
        put: (to, from, item) => {
          const type = item.dataset.type;
          if (isSub && type === "subform") return false; // subforms cannot nest
          if (place.startsWith("row:") && from !== to && to.el.children.length >= MAX_ROW) return false;
          return true;
        },
      },
      sort: !isTab,
      onAdd: (event) => this.dropped(event),
      onUpdate: (event) => this.dropped(event),
    };
    this.sortables.push(new window.Sortable(list, options));
  }

  // Sortable has moved DOM nodes; apply the same change to the model and redraw.
  dropped(event) {
    const to = event.to.dataset.place;
    const item = event.item;
    let index = event.newDraggableIndex ?? event.newIndex;
    let place = to;
    if (to.endsWith(":end")) {
      place = to.slice(0, -4);
      index = Infinity; // after the last column
    }
    if (to.startsWith("tab:")) {
      // Dropped on a tab: to the end of that tab's first section.
      this.activeTab = +to.slice(4);
      place = "newrow:t" + this.activeTab + "s0";
      index = 0;
    }
    queueMicrotask(() => {
      let path;
      if (item.classList.contains("sk-fd-palette-item")) {
        item.remove();
        path = this.model.add(item.dataset.type, place, index);
      } else {
        path = this.model.move(item.dataset.path, place, index);
        if (!path) this.render();
      }
      if (path) this.onSelect(path);
    });
  }
}
