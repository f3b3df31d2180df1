/* Sections, tabs and form-level properties of the model: added to FormModel's prototype so
 * the canvas and panel call them like the field operations. */
import { FormModel } from "./fd-model.js";

const layoutOps = {
  addSection(tabIndex) {
    return this.change((body) => {
      const n = this.sections().length + 1;
      const section = {
        key: this.uniqueKey("section_" + n, body.fields),
        label: {
          zh: this.texts.sectionZh.replace("{n}", n),
          en: (this.texts.sectionEn || "Section {n}").replace("{n}", n),
        },
        rows: [],
      };
      if (Array.isArray(body.layout.tabs)) body.layout.tabs[tabIndex || 0].sections.push(section);
      else body.layout.sections.push(section);
    });
  },

  addTab() {
    return this.change((body) => {
      const layout = body.layout;
      const label = (n) => ({
        zh: this.texts.tabZh.replace("{n}", n),
        en: (this.texts.tabEn || "Tab {n}").replace("{n}", n),
      });
      if (!Array.isArray(layout.tabs)) {
        body.layout = { tabs: [{ key: "tab_1", label: label(1), sections: layout.sections }] };
      }
      const tabs = body.layout.tabs;
      const n = tabs.length + 1;
      const key = this.uniqueKey("tab_" + n, tabs);
      const sectionKey = this.uniqueKey("section_" + (this.sections().length + 1), body.fields);
      tabs.push({ key, label: label(n), sections: [{ key: sectionKey, rows: [] }] });
      return tabs.length - 1;
    });
  },

  // A section's fields move to a neighbour; the last section of a form stays.
  removeSection(path) {
    return this.change((body) => {
      const match = /^(?:t(\d+))?s(\d+)$/.exec(path);
      const list = match[1] !== undefined ? body.layout.tabs[+match[1]].sections : body.layout.sections;
      if (this.sections().length <= 1) return;
      const [gone] = list.splice(+match[2], 1);
      const heir = list[Math.max(0, +match[2] - 1)] || this.sections()[0];
      heir.rows.push(...gone.rows);
      if (match[1] !== undefined && !list.length) body.layout.tabs.splice(+match[1], 1);
      if (Array.isArray(body.layout.tabs) && body.layout.tabs.length === 1) {
        body.layout = { sections: body.layout.tabs[0].sections };
      }
    });
  },

  setSectionProp(path, name, value) {
    return this.change(() => {
      const section = this.section(path);
      if (!section) return;
      if (value === undefined || value === "" || value === null) delete section[name];
      else section[name] = value;
    }, { silent: true, coalesce: path + "/" + name });
  },

  setFormProp(name, value) {
    return this.change((body) => {
      if (value === undefined || value === "" || value === null) delete body[name];
      else body[name] = value;
    }, { silent: true, coalesce: "form/" + name });
  },
};

Object.assign(FormModel.prototype, layoutOps);
