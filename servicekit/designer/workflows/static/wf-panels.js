/* The workflow designer's properties panel: the workflow (nothing selected), the selected
 * node (names, key, assignment with pickers, SLA time limit saved in the SLA policy, actions,
 * field permission matrix with "copy from previous node") or edge (label, key, guard in the
 * shared rule editor, default path, confirmation, comment). Every change goes into
 * skWf.body and is autosaved; node time limits are saved to the `sla` drafts.
 */
(function () {
  "use strict";

  const wf = window.skWf;
  if (!wf) return;
  const $ = (id) => document.getElementById(id);
  const RIGHTS = ["hidden", "readonly", "editable", "required"];
  const PERSON = ["task", "approval"];
  const panels = { workflow: $("wf-panel-workflow"), node: $("wf-panel-node"), edge: $("wf-panel-edge") };
  let filling = false; // while the panel is being filled, its change events are not edits

  const option = (value, text) => {
    const el = document.createElement("option");
    el.value = value;
    el.textContent = text;
    return el;
  };
  const fillSelect = (select, items, blank) => {
    select.replaceChildren(...(blank !== undefined ? [option("", blank)] : []), ...items.map(([v, t]) => option(v, t)));
  };
  const both = (zh, en) => {
    const out = {};
    if (zh.value.trim()) out.zh = zh.value.trim();
    if (en.value.trim()) out.en = en.value.trim();
    return Object.keys(out).length ? out : undefined;
  };
  const setBoth = (zh, en, label) => {
    const value = label && typeof label === "object" ? label : { zh: label || "", en: label || "" };
    zh.value = value.zh || "";
    en.value = value.en || "";
  };
  const setOrDelete = (obj, name, value) => {
    const empty = value === undefined || value === "" || value === null || value === false;
    if (empty || (Array.isArray(value) && !value.length)) delete obj[name];
    else obj[name] = value;
  };
  // Shared with wf-actions.js.
  wf.option = option;
  wf.setOrDelete = setOrDelete;
  const edit = (fn) => (event) => {
    if (filling) return;
    fn(event);
  };

  // ---- choosing the panel -------------------------------------------------------------
  wf.on("select", (sel) => {
    filling = true;
    try {
      panels.workflow.hidden = Boolean(sel);
      panels.node.hidden = !sel || sel.type !== "node";
      panels.edge.hidden = !sel || sel.type !== "edge";
      if (!sel) fillWorkflow();
      else if (sel.type === "node" && wf.node(sel.key)) fillNode(wf.node(sel.key));
      else if (sel.type === "edge" && wf.body.edges[sel.index]) fillEdge(wf.body.edges[sel.index]);
      showProblems(sel);
    } finally {
      filling = false;
    }
  });
  wf.on("context", () => wf.emit("select", wf.selected));

  function showProblems(sel) {
    const list = $("wf-element-problems");
    const mine = wf.problems.filter((p) => {
      const where = wf.elementOf(p.path);
      if (!sel) return !where;
      if (!where || where.type !== sel.type) return false;
      return sel.type === "node" ? where.key === sel.key : where.index === sel.index;
    });
    list.replaceChildren(...mine.map((p) => {
      const item = document.createElement("li");
      item.className = "wf-problem";
      item.dataset.path = p.path;
      item.textContent = p.message;
      return item;
    }));
  }

  // ---- the workflow ---------------------------------------------------------------------
  function fillWorkflow() {
    setBoth($("wf-label-zh"), $("wf-label-en"), wf.body.label);
    fillSelect($("wf-form"), wf.ctx.forms.map((f) => [f.key, f.label + " (" + f.key + ")"]), "—");
    $("wf-form").value = wf.body.form || "";
    const people = wf.body.nodes.filter((n) => PERSON.includes(n.kind));
    fillSelect($("wf-reopen"), people.map((n) => [n.key, wf.labelOf(n.label, n.key)]), "—");
    $("wf-reopen").value = wf.body.reopen || "";
  }
  for (const id of ["wf-label-zh", "wf-label-en"]) {
    $(id).addEventListener("input", edit(() => {
      wf.body.label = both($("wf-label-zh"), $("wf-label-en")) || wf.body.key;
      wf.changed(false);
    }));
  }
  $("wf-form").addEventListener("change", edit(async () => {
    setOrDelete(wf.body, "form", $("wf-form").value);
    wf.changed(false);
    await wf.loadContext(wf.body.form);
  }));
  $("wf-reopen").addEventListener("change", edit(() => {
    setOrDelete(wf.body, "reopen", $("wf-reopen").value);
    wf.changed(false);
  }));

  // ---- a node ---------------------------------------------------------------------------
  const current = () => (wf.selected && wf.selected.type === "node" ? wf.node(wf.selected.key) : null);

  function fillNode(node) {
    $("wf-node-kind").textContent = node.kind;
    setBoth($("wf-node-zh"), $("wf-node-en"), node.label);
    $("wf-node-key").value = node.key;
    $("wf-node-key").classList.remove("is-invalid");
    for (const el of panels.node.querySelectorAll(".wf-only")) {
      el.hidden = !el.classList.contains("wf-only-" + node.kind);
    }
    $("wf-outcome").value = node.outcome || "resolved";
    const joins = wf.body.nodes.filter((n) => n.kind === "parallel_join");
    fillSelect($("wf-join"), joins.map((n) => [n.key, wf.labelOf(n.label, n.key)]), "—");
    $("wf-join").value = node.join || "";
    $("wf-mode").value = node.mode || "any";
    $("wf-threshold").value = node.threshold || "";
    fillAssignment(node);
    fillSla(node);
    fillActions(node);
    fillMatrix(node);
  }

  for (const id of ["wf-node-zh", "wf-node-en"]) {
    $(id).addEventListener("input", edit(() => {
      const node = current();
      setOrDelete(node, "label", both($("wf-node-zh"), $("wf-node-en")));
      wf.changed(false);
    }));
  }
  $("wf-node-key").addEventListener("change", edit(() => {
    const node = current();
    const ok = wf.renameNode(node.key, $("wf-node-key").value.trim());
    $("wf-node-key").classList.toggle("is-invalid", !ok);
  }));
  $("wf-outcome").addEventListener("change", edit(() => {
    current().outcome = $("wf-outcome").value;
    wf.changed(false);
  }));
  $("wf-join").addEventListener("change", edit(() => {
    setOrDelete(current(), "join", $("wf-join").value);
    wf.changed(false);
  }));
  $("wf-mode").addEventListener("change", edit(() => {
    current().mode = $("wf-mode").value;
    wf.changed(false);
  }));
  $("wf-threshold").addEventListener("input", edit(() => {
    const value = Number($("wf-threshold").value);
    setOrDelete(current(), "threshold", value > 0 ? value : undefined);
    wf.changed(false);
  }));

  // assignment
  const paramInputs = () => panels.node.querySelectorAll("[data-param]");
  function fillAssignment(node) {
    const rule = node.assignment || { strategy: "pool" };
    const roles = wf.ctx.roles.map((r) => [r.key, r.label + " (" + r.key + ")"]);
    fillSelect($("wf-a-role"), roles, "—");
    fillSelect($("wf-a-fallback"), roles, "—");
    fillSelect($("wf-a-team"), wf.ctx.teams.map((t) => [t.key, t.label]), "—");
    fillSelect($("wf-a-user"), wf.ctx.users.map((u) => [u.login, u.name + " (" + u.login + ")"]), "—");
    for (const select of panels.node.querySelectorAll("select[data-fields]")) {
      const wanted = select.dataset.fields;
      const fields = wf.ctx.fields.filter((f) => wanted === "any" || f.type === wanted);
      fillSelect(select, fields.map((f) => [f.key, f.label + " (" + f.key + ")"]), "—");
    }
    const paths = $("wf-paths");
    paths.replaceChildren(...wf.ctx.fields.map((f) => option(f.key, f.label)));
    $("wf-strategy").value = rule.strategy || "pool";
    for (const input of paramInputs()) input.value = rule[input.dataset.param] || "";
    showParams(rule.strategy || "pool");
  }
  function showParams(strategy) {
    for (const el of panels.node.querySelectorAll(".wf-param")) {
      el.hidden = !el.dataset.for.split(" ").includes(strategy);
    }
  }
  const saveAssignment = edit(() => {
    const node = current();
    const strategy = $("wf-strategy").value;
    const rule = { strategy };
    for (const input of paramInputs()) {
      if (input.closest(".wf-param").dataset.for.split(" ").includes(strategy) && input.value.trim()) {
        rule[input.dataset.param] = input.value.trim();
      }
    }
    if (rule.role && rule.team) delete rule.team;
    node.assignment = rule;
    showParams(strategy);
    wf.changed(false);
  });
  $("wf-strategy").addEventListener("change", saveAssignment);
  for (const input of paramInputs()) input.addEventListener("change", saveAssignment);

  // actions: the node's outgoing edges, each one click away from its panel
  function fillActions(node) {
    const list = $("wf-node-actions");
    const items = [];
    wf.body.edges.forEach((edge, index) => {
      if (edge.from !== node.key) return;
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link btn-sm p-0 wf-action-link";
      button.textContent = wf.labelOf(edge.label, edge.key) + " → " + wf.labelOf((wf.node(edge.to) || {}).label, edge.to);
      button.addEventListener("click", () => wf.select({ type: "edge", index }));
      item.append(button);
      if (edge.guard) {
        const code = document.createElement("code");
        code.className = "ms-1";
        code.textContent = "[" + edge.guard + "]";
        item.append(code);
      }
      items.push(item);
    });
    list.replaceChildren(...items);
  }

  // field permission matrix
  function fillMatrix(node) {
    const rows = wf.ctx.fields.map((field) => {
      const row = document.createElement("tr");
      row.dataset.field = field.key;
      const head = document.createElement("th");
      head.scope = "row";
      head.className = "fw-normal small";
      head.textContent = field.label;
      row.append(head);
      const right = (node.fields || {})[field.key] || "readonly";
      for (const value of RIGHTS) {
        const cell = document.createElement("td");
        cell.className = "text-center";
        const radio = document.createElement("input");
        radio.type = "radio";
        radio.className = "form-check-input";
        radio.name = "wf-right-" + field.key;
        radio.value = value;
        radio.checked = value === right;
        radio.setAttribute("aria-label", field.label + ": " + value);
        radio.addEventListener("change", edit(() => setRight(field.key, value)));
        cell.append(radio);
        row.append(cell);
      }
      return row;
    });
    $("wf-matrix").replaceChildren(...rows);
  }
  function setRight(fieldKey, value) {
    const node = current();
    node.fields = node.fields || {};
    // Fields a node does not list are read-only there, so read-only needs no entry.
    if (value === "readonly") delete node.fields[fieldKey];
    else node.fields[fieldKey] = value;
    if (!Object.keys(node.fields).length) delete node.fields;
    wf.changed(false);
  }
  /** The nearest task or approval before ``key`` (through gateways), or null. */
  wf.previousPerson = (key) => {
    const seen = new Set([key]);
    let frontier = [key];
    while (frontier.length) {
      const next = [];
      for (const at of frontier) {
        for (const edge of wf.body.edges.filter((e) => e.to === at)) {
          const source = wf.node(edge.from);
          if (!source || seen.has(source.key)) continue;
          if (PERSON.includes(source.kind)) return source;
          seen.add(source.key);
          next.push(source.key);
        }
      }
      frontier = next;
    }
    return null;
  };
  $("wf-copy-rights").addEventListener("click", () => {
    const node = current();
    const previous = node && wf.previousPerson(node.key);
    if (!previous) return;
    node.fields = { ...(previous.fields || {}) };
    if (!Object.keys(node.fields).length) delete node.fields;
    fillMatrix(node);
    wf.changed(false);
  });

  // ---- SLA time limits, stored in the SLA policies (kind "sla") -------------------------
  const slaUrl = (policy) => wf.root.dataset.slaDraftUrl.replace("{key}", encodeURIComponent(policy));
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const slaTimers = {};

  function fillSla(node) {
    const box = $("wf-sla");
    const policies = wf.ctx.policies.length
      ? wf.ctx.policies
      : [{ key: (wf.body.form || "work") + "_limits", label: wf.messages.new_policy || "Time limits", nodes: {}, creating: true }];
    box.replaceChildren(...policies.map((policy) => {
      const col = document.createElement("div");
      col.className = "col-6";
      const label = document.createElement("label");
      label.className = "form-label small mb-0";
      label.htmlFor = "wf-sla-" + policy.key;
      label.textContent = policy.label;
      const input = document.createElement("input");
      input.className = "form-control form-control-sm wf-sla-input";
      input.id = "wf-sla-" + policy.key;
      input.dataset.policy = policy.key;
      input.maxLength = 20;
      input.placeholder = "4h";
      input.value = (policy.nodes || {})[node.key] || "";
      input.addEventListener("input", () => {
        clearTimeout(slaTimers[policy.key]);
        slaTimers[policy.key] = setTimeout(() => saveLimit(policy, node.key, input.value.trim()), 600);
      });
      col.append(label, input);
      return col;
    }));
    $("wf-sla-state").textContent = "";
  }

  const applyLimit = (body, nodeKey, within) => {
    body.targets = body.targets || {};
    body.targets.nodes = body.targets.nodes || {};
    if (within) body.targets.nodes[nodeKey] = { ...(body.targets.nodes[nodeKey] || {}), within };
    else delete body.targets.nodes[nodeKey];
    if (!Object.keys(body.targets.nodes).length) delete body.targets.nodes;
    return body;
  };

  async function saveLimit(policy, nodeKey, within) {
    const state = $("wf-sla-state");
    state.textContent = wf.messages.sla_saving || "Saving…";
    try {
      const loaded = await fetch(slaUrl(policy.key) + "?new=1", { credentials: "same-origin" }).then((r) => r.json());
      let body = loaded.body || { key: policy.key };
      if (policy.creating) {
        body = { label: { zh: "时限", en: "Time limits" }, form: wf.body.form, order: 100, ...body, key: policy.key };
      }
      const put = (payload) => fetch(slaUrl(policy.key), {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
        body: JSON.stringify(payload),
      });
      let response = await put({ body: applyLimit(body, nodeKey, within), revision: loaded.revision || "" });
      if (response.status === 409) {
        // Someone else changed the policy: apply this one limit to their version.
        const theirs = (await response.json()).theirs || {};
        response = await put({ body: applyLimit(theirs.body || body, nodeKey, within), revision: theirs.revision || "" });
      }
      if (!response.ok) throw new Error(response.statusText);
      const answer = await response.json();
      policy.nodes = policy.nodes || {};
      if (within) policy.nodes[nodeKey] = within;
      else delete policy.nodes[nodeKey];
      if (policy.creating) {
        delete policy.creating;
        wf.ctx.policies.push(policy);
      }
      const mine = (answer.problems || []).filter((p) => p.path.includes(nodeKey) || p.path.includes("targets"));
      state.textContent = mine.length ? mine.map((p) => p.message).join(" ") : wf.messages.sla_saved || "Saved";
      state.className = "small " + (mine.length ? "text-danger" : "text-success");
    } catch (error) {
      state.textContent = (wf.messages.sla_failed || "Not saved: ") + error.message;
      state.className = "small text-danger";
    }
  }

  // ---- an edge ------------------------------------------------------------------------
  const currentEdge = () => (wf.selected && wf.selected.type === "edge" ? wf.body.edges[wf.selected.index] : null);
  const guardRoot = $("wf-guard");
  const guard = window.SkRuleEditor
    ? window.SkRuleEditor.attach(guardRoot, {
      getFields: () => wf.ctx.raw_fields,
      onChange: (text) => {
        const edge = currentEdge();
        if (filling || !edge || (edge.guard || "") === text.trim()) return;
        setGuard(edge, text.trim());
      },
    })
    : null;

  function setGuard(edge, text) {
    setOrDelete(edge, "guard", text);
    const source = wf.node(edge.from);
    if (text && edge.default && source && source.kind === "exclusive") {
      // A guarded edge is not the default path: hand that role to an unguarded sibling.
      const sibling = wf.body.edges.find((e) => e !== edge && e.from === edge.from && !e.guard);
      if (sibling) {
        delete edge.default;
        sibling.default = true;
        $("wf-edge-default").checked = false;
      }
    }
    wf.changed(false);
  }

  function fillEdge(edge) {
    const source = wf.node(edge.from) || {};
    $("wf-edge-ends").textContent = edge.from + " → " + edge.to;
    setBoth($("wf-edge-zh"), $("wf-edge-en"), edge.label);
    $("wf-edge-key").value = edge.key;
    $("wf-edge-key").classList.remove("is-invalid");
    guardRoot.dataset.form = wf.body.form || "";
    if (guard) {
      guard.input.value = edge.guard || "";
      guard.refreshPicker();
      if (edge.guard) guard.check();
      else guard.paint([]);
    }
    $("wf-default-wrap").hidden = source.kind !== "exclusive";
    fillRoles(edge, source);
    $("wf-edge-default").checked = Boolean(edge.default);
    $("wf-edge-comment").checked = Boolean(edge.comment_required);
    setBoth($("wf-confirm-zh"), $("wf-confirm-en"), edge.confirm);
  }

  // Which app roles may take the action (the node's "roles" per action key).
  function fillRoles(edge, source) {
    $("wf-edge-roles-wrap").hidden = !PERSON.includes(source.kind);
    const allowed = new Set(((source.roles || {})[edge.key]) || []);
    $("wf-edge-roles").replaceChildren(...wf.ctx.roles.map((role) => {
      const wrap = document.createElement("div");
      wrap.className = "form-check form-check-inline m-0";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.className = "form-check-input";
      box.id = "wf-edge-role-" + role.key;
      box.value = role.key;
      box.checked = allowed.has(role.key);
      box.addEventListener("change", edit(() => {
        const node = wf.node(edge.from);
        const picked = Array.from($("wf-edge-roles").querySelectorAll("input:checked")).map((b) => b.value);
        node.roles = node.roles || {};
        if (picked.length) node.roles[edge.key] = picked;
        else delete node.roles[edge.key];
        if (!Object.keys(node.roles).length) delete node.roles;
        wf.changed(false);
      }));
      const label = document.createElement("label");
      label.className = "form-check-label";
      label.htmlFor = box.id;
      label.textContent = role.label;
      wrap.append(box, label);
      return wrap;
    }));
  }

  for (const id of ["wf-edge-zh", "wf-edge-en"]) {
    $(id).addEventListener("input", edit(() => {
      setOrDelete(currentEdge(), "label", both($("wf-edge-zh"), $("wf-edge-en")));
      wf.changed(false);
    }));
  }
  for (const id of ["wf-confirm-zh", "wf-confirm-en"]) {
    $(id).addEventListener("input", edit(() => {
      setOrDelete(currentEdge(), "confirm", both($("wf-confirm-zh"), $("wf-confirm-en")));
      wf.changed(false);
    }));
  }
  $("wf-edge-key").addEventListener("change", edit(() => {
    const edge = currentEdge();
    const key = $("wf-edge-key").value.trim();
    const taken = wf.body.edges.some((e) => e !== edge && e.from === edge.from && e.key === key);
    const ok = /^[a-z][a-z0-9_]{0,39}$/.test(key) && !taken;
    $("wf-edge-key").classList.toggle("is-invalid", !ok);
    if (ok) {
      const source = wf.node(edge.from);
      if (source && source.roles && source.roles[edge.key]) {
        source.roles[key] = source.roles[edge.key];
        delete source.roles[edge.key];
      }
      edge.key = key;
      wf.changed(false);
    }
  }));
  $("wf-edge-default").addEventListener("change", edit(() => {
    const edge = currentEdge();
    for (const e of wf.body.edges) if (e.from === edge.from) delete e.default;
    if ($("wf-edge-default").checked) edge.default = true;
    wf.changed(false);
  }));
  $("wf-edge-comment").addEventListener("change", edit(() => {
    setOrDelete(currentEdge(), "comment_required", $("wf-edge-comment").checked);
    wf.changed(false);
  }));
})();
