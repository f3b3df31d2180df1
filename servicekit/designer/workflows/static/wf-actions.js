/* The workflow designer's editor for a node's automatic actions, for builders: the actions
 * run when a task or approval opens (on_enter) and when it is left (on_leave), and the
 * actions an automatic action node runs. Actions can be added, removed and reordered; each
 * shows its type's fields (values to set, people to notify, a webhook address, a record to
 * create) and an optional condition. Rule expressions use the shared rule editor, checked
 * by the server against the workflow's form. Every change goes into skWf.body and is
 * autosaved; the draft's problems are shown on the action they concern.
 */
(function () {
  "use strict";

  const wf = window.skWf;
  const box = document.getElementById("wf-auto");
  if (!wf || !box) return;
  const HOOKS = ["on_enter", "on_leave"];
  const tpl = (id) => document.getElementById(id).content.firstElementChild;
  const typeNames = Object.fromEntries(
    Array.from(box.querySelector(".wf-add-type").options).map((o) => [o.value, o.textContent.trim()]),
  );
  let shown = null; // the node the editor shows, and the context it was drawn with
  let shownCtx = null;
  let serial = 0; // makes the cloned rule editors' ids unique

  const current = () => (wf.selected && wf.selected.type === "node" ? wf.node(wf.selected.key) : null);
  const save = () => wf.changed(false);
  const option = wf.option;
  const setOrDelete = wf.setOrDelete;

  /** A rule editor cloned from its template into ``slot``; ``store`` gets every edit. */
  function ruleEditor(slot, templateId, value, store) {
    const el = tpl(templateId).cloneNode(true);
    const id = "wf-rule-" + (serial += 1);
    for (const node of [el, ...el.querySelectorAll("[id], [for], [aria-describedby]")]) {
      for (const name of ["id", "for", "aria-describedby"]) {
        const old = node.getAttribute(name);
        if (old) node.setAttribute(name, old.replaceAll("wf-rule-tpl", id));
      }
    }
    el.dataset.form = wf.body.form || "";
    el.querySelector(".sk-rule-input").value = value || "";
    slot.replaceChildren(el);
    if (window.SkRuleEditor) {
      window.SkRuleEditor.attach(el, { getFields: () => wf.ctx.raw_fields, onInput: (text) => store(text.trim()) });
    } else {
      el.querySelector(".sk-rule-input").addEventListener("input", (e) => store(e.target.value.trim()));
    }
    return el;
  }

  function checkboxes(container, items, picked, onChange) {
    container.replaceChildren(...items.map(([value, text]) => {
      const label = document.createElement("label");
      label.className = "form-check form-check-inline m-0";
      const input = document.createElement("input");
      input.type = "checkbox";
      input.className = "form-check-input";
      input.value = value;
      input.checked = picked.includes(value);
      input.addEventListener("change", () => {
        onChange(Array.from(container.querySelectorAll("input:checked")).map((i) => i.value));
      });
      label.append(input, " " + text);
      return label;
    }));
  }

  // ---- one action -------------------------------------------------------------------------
  function card(node, hook, index) {
    const list = node[hook];
    const action = list[index];
    const el = tpl("wf-tpl-action").cloneNode(true);
    el.dataset.hook = hook;
    el.dataset.index = String(index);
    el.dataset.type = action.type;
    el.querySelector(".wf-action-type").textContent = typeNames[action.type] || action.type;
    el.querySelector(".wf-action-number").textContent = "#" + (index + 1);
    el.querySelector(".wf-action-up").disabled = index === 0;
    el.querySelector(".wf-action-down").disabled = index === list.length - 1;
    el.querySelector(".wf-action-up").addEventListener("click", () => move(node, hook, index, -1));
    el.querySelector(".wf-action-down").addEventListener("click", () => move(node, hook, index, 1));
    el.querySelector(".wf-action-remove").addEventListener("click", () => {
      list.splice(index, 1);
      if (!list.length) delete node[hook];
      save();
      render(node);
    });
    for (const part of el.querySelectorAll(".wf-act")) part.hidden = !part.classList.contains("wf-act-" + action.type);
    ruleEditor(el.querySelector(".wf-slot-when"), "wf-tpl-when", action.when, (text) => {
      setOrDelete(action, "when", text);
      save();
    });
    if (action.type === "set" || action.type === "create_record") fillValues(el, action);
    if (action.type === "notify") fillNotify(el, action);
    if (action.type === "webhook") {
      const url = el.querySelector(".wf-act-url");
      url.value = action.url || "";
      url.addEventListener("input", () => {
        setOrDelete(action, "url", url.value.trim());
        save();
      });
    }
    return el;
  }

  function move(node, hook, index, delta) {
    const list = node[hook];
    const [action] = list.splice(index, 1);
    list.splice(index + delta, 0, action);
    save();
    render(node);
  }

  // set / create_record: field → expression rows; create_record first picks its form
  function fillValues(el, action) {
    const formSelect = el.querySelector(".wf-act-form");
    if (action.type === "create_record") {
      formSelect.replaceChildren(option("", "—"), ...wf.ctx.forms.map((f) => option(f.key, f.label + " (" + f.key + ")")));
      formSelect.value = action.form || "";
      formSelect.addEventListener("change", () => {
        setOrDelete(action, "form", formSelect.value);
        save();
        redraw(); // the value rows offer the new form's fields
      });
    }
    const targetFields = () => (action.type === "create_record"
      ? (wf.ctx.form_fields || {})[action.form] || []
      : wf.ctx.fields.filter((f) => f.type !== "subform"));
    const rows = el.querySelector(".wf-values");
    const draw = () => {
      const values = action.values || {};
      rows.replaceChildren(...Object.keys(values).map((key) => valueRow(action, key, targetFields(), draw)));
    };
    el.querySelector(".wf-add-value").addEventListener("click", () => {
      const used = new Set(Object.keys(action.values || {}));
      const free = targetFields().find((f) => !used.has(f.key));
      if (!free) return;
      action.values = { ...(action.values || {}), [free.key]: "" };
      save();
      draw();
      const inputs = rows.querySelectorAll(".sk-rule-input");
      if (inputs.length) inputs[inputs.length - 1].focus();
    });
    draw();
  }

  function valueRow(action, key, fields, draw) {
    const row = tpl("wf-tpl-value").cloneNode(true);
    row.dataset.field = key;
    const select = row.querySelector(".wf-value-field");
    const listed = fields.some((f) => f.key === key) ? fields : [{ key, label: key }, ...fields];
    select.replaceChildren(...listed.map((f) => option(f.key, f.label + " (" + f.key + ")")));
    select.value = key;
    select.addEventListener("change", () => {
      const chosen = select.value;
      if (chosen in action.values) {
        select.value = key; // each field is set once per action
        return;
      }
      // Rename the key in place so the rows keep their order.
      action.values = Object.fromEntries(Object.entries(action.values).map(([k, v]) => [k === key ? chosen : k, v]));
      save();
      draw();
    });
    row.querySelector(".wf-value-remove").addEventListener("click", () => {
      delete action.values[key];
      if (!Object.keys(action.values).length) delete action.values;
      save();
      draw();
    });
    ruleEditor(row.querySelector(".wf-slot-rule"), "wf-tpl-rule", action.values[key], (text) => {
      action.values[key] = text;
      save();
    });
    return row;
  }

  function fillNotify(el, action) {
    const users = el.querySelector(".wf-act-users");
    users.replaceChildren(...wf.ctx.users.map((u) => option(u.login, u.name + " (" + u.login + ")")));
    for (const o of users.options) o.selected = (action.users || []).includes(o.value);
    users.addEventListener("change", () => {
      setOrDelete(action, "users", Array.from(users.selectedOptions).map((o) => o.value));
      save();
    });
    const pick = (name) => (values) => {
      setOrDelete(action, name, values);
      save();
    };
    checkboxes(el.querySelector(".wf-act-roles"), wf.ctx.roles.map((r) => [r.key, r.label]), action.roles || [], pick("roles"));
    checkboxes(el.querySelector(".wf-act-fields"),
      wf.ctx.fields.filter((f) => f.type === "user").map((f) => [f.key, f.label]), action.fields || [], pick("fields"));
    // No channel ticked means both; the boxes show that as both ticked.
    const channels = action.channels || ["in_app", "email"];
    const boxes = Array.from(el.querySelectorAll(".wf-act-channel"));
    for (const b of boxes) {
      b.checked = channels.includes(b.value);
      b.addEventListener("change", () => {
        const picked = boxes.filter((x) => x.checked).map((x) => x.value);
        setOrDelete(action, "channels", picked.length === boxes.length ? [] : picked);
        save();
      });
    }
    for (const name of ["title", "message"]) {
      const input = el.querySelector(".wf-act-" + name);
      input.value = action[name] || "";
      input.addEventListener("input", () => {
        setOrDelete(action, name, input.value.trim());
        save();
      });
    }
  }

  // ---- the lists ----------------------------------------------------------------------------
  function render(node) {
    shown = node;
    shownCtx = wf.ctx;
    for (const hook of HOOKS) {
      const wrap = box.querySelector(`.wf-hook[data-hook="${hook}"]`);
      // An automatic action node only runs its actions as it is passed through.
      wrap.hidden = hook === "on_leave" && node.kind === "action";
      const list = wrap.querySelector(".wf-hook-list");
      list.replaceChildren(...(node[hook] || []).map((_, index) => card(node, hook, index)));
    }
    showProblems(node);
  }
  const redraw = () => {
    const node = current();
    if (node) render(node);
  };

  function showProblems(node) {
    const at = "$.nodes[" + wf.body.nodes.indexOf(node) + "].";
    for (const item of box.querySelectorAll(".wf-action")) {
      const prefix = at + item.dataset.hook + "[" + item.dataset.index + "]";
      const mine = wf.problems.filter((p) => p.path === prefix || (p.path || "").startsWith(prefix + "."));
      item.classList.toggle("border-danger", mine.length > 0);
      item.querySelector(".wf-action-problems").replaceChildren(...mine.map((p) => {
        const li = document.createElement("li");
        li.dataset.path = p.path;
        li.textContent = p.message;
        return li;
      }));
    }
  }

  for (const wrap of box.querySelectorAll(".wf-hook")) {
    wrap.querySelector(".wf-add-action").addEventListener("click", () => {
      const node = current();
      if (!node) return;
      const hook = wrap.dataset.hook;
      const type = wrap.querySelector(".wf-add-type").value;
      const action = { type };
      node[hook] = [...(node[hook] || []), action];
      save();
      render(node);
      const cards = wrap.querySelectorAll(".wf-action");
      cards[cards.length - 1].querySelector(".sk-rule-input, input, select").focus();
    });
  }

  // The panel is refilled after every save (new problems): only a different node or new
  // context redraws the editor, so the builder's caret stays where it is.
  wf.on("select", (sel) => {
    const node = sel && sel.type === "node" ? wf.node(sel.key) : null;
    if (!node) {
      shown = null;
      return;
    }
    if (node !== shown || wf.ctx !== shownCtx) render(node);
    else showProblems(node);
  });
})();
