/* The workflow designer's simulation panel: pick or type a sample record and an actor,
 * start a sample work order on the current draft and step it through the graph. The
 * server answers what the engine would do (nothing is written); this draws the answer:
 * what happened, open tasks with who would be assigned and why, offered actions (as
 * buttons that take the next step), refused ones with the reason — a blocked guard with
 * its expression and the values it read — and the SLA policy and targets that start.
 */
(function () {
  "use strict";

  const wf = window.skWf;
  if (!wf) return;
  const $ = (id) => document.getElementById(id);
  const t = (name, params) => {
    let text = wf.messages[name] || name;
    for (const [k, v] of Object.entries(params || {})) text = text.split("{" + k + "}").join(String(v));
    return text;
  };
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const show = (value) => (typeof value === "string" ? value : JSON.stringify(value));
  let last = null; // the last answer (its position is where the next step starts)
  let labels = {};

  // ---- inputs -----------------------------------------------------------------------------
  wf.on("context", (ctx) => {
    const record = $("wf-sim-record");
    const first = record.options[0];
    record.replaceChildren(first, ...ctx.records.map((r) => new Option(r.number || "#" + r.id, r.id)));
    const user = $("wf-sim-user");
    const firstUser = user.options[0];
    user.replaceChildren(firstUser, ...ctx.users.map((u) => {
      const roles = u.roles.length ? " · " + u.roles.join(", ") : "";
      return new Option(u.name + " (" + u.login + ")" + roles, u.id);
    }));
    $("wf-sim-roles").replaceChildren(...ctx.roles.map((role) => {
      const wrap = el("div", "form-check form-check-inline m-0");
      const box = el("input", "form-check-input");
      box.type = "checkbox";
      box.id = "wf-sim-role-" + role.key;
      box.value = role.key;
      const label = el("label", "form-check-label", role.label);
      label.htmlFor = box.id;
      wrap.append(box, label);
      return wrap;
    }));
    const values = $("wf-sim-values");
    values.replaceChildren(...ctx.fields
      .filter((f) => !["attachment", "image", "signature", "formula", "auto_number", "rich_text"].includes(f.type))
      .map((field) => {
        const col = el("div", "col-6");
        const label = el("label", "form-label small mb-0", field.label);
        label.htmlFor = "wf-sim-v-" + field.key;
        let input;
        if (field.options.length) {
          input = el("select", "form-select form-select-sm");
          input.append(new Option("—", ""), ...field.options.map((o) => new Option(o.label || o.value, o.value)));
        } else if (field.type === "subform") {
          input = el("textarea", "form-control form-control-sm font-monospace");
          input.rows = 2;
          input.placeholder = '[{"' + field.columns.map((c) => c.key).slice(0, 2).join('": 1, "') + '": 1}]';
        } else {
          input = el("input", "form-control form-control-sm");
          if (field.type === "lookup" || field.type === "user") input.placeholder = "id";
        }
        input.id = "wf-sim-v-" + field.key;
        input.dataset.field = field.key;
        input.dataset.type = field.type;
        col.append(label, input);
        return col;
      }));
  });

  const sample = () => {
    const record = $("wf-sim-record").value;
    const values = {};
    for (const input of $("wf-sim-values").querySelectorAll("[data-field]")) {
      const raw = input.value.trim();
      if (!raw) continue;
      if (input.dataset.type === "subform") {
        try {
          values[input.dataset.field] = JSON.parse(raw);
        } catch (error) {
          values[input.dataset.field] = raw; // the server says where it is wrong
        }
      } else values[input.dataset.field] = raw;
    }
    return record ? { record, values } : { values };
  };
  const actor = () => {
    const user = $("wf-sim-user").value;
    if (user) return { user };
    return { roles: Array.from($("wf-sim-roles").querySelectorAll("input:checked")).map((b) => b.value) };
  };

  async function run(step) {
    const error = $("wf-sim-error");
    error.hidden = true;
    const payload = { body: wf.body, sample: sample(), actor: actor() };
    if (step) {
      payload.step = step;
      payload.position = last.position;
    }
    const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
    let answer;
    try {
      const response = await fetch(wf.root.dataset.simulateUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(payload),
      });
      answer = await response.json();
      if (!response.ok) throw new Error((answer.error || response.statusText) + (answer.path ? " (" + answer.path + ")" : ""));
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      return;
    }
    last = answer;
    labels = answer.labels || {};
    draw(answer, step);
  }
  $("wf-sim-start").addEventListener("click", () => run(null));

  // ---- drawing the answer --------------------------------------------------------------
  const name = (key) => labels[key] || key;

  function trailText(entry) {
    const params = { ...entry, node: name(entry.node), from: name(entry.from), to: name(entry.to) };
    if (entry.kind === "acted") params.actor = $("wf-sim-user").selectedOptions[0].text;
    return t(entry.kind, params);
  }

  function guardBox(report) {
    const box = el("div", "wf-guard border rounded p-2 my-1 small " + (report.holds ? "border-success" : "border-danger"));
    box.dataset.holds = report.holds ? "true" : "false";
    const head = el("div", "fw-semibold " + (report.holds ? "text-success" : "text-danger"),
      report.error ? t("guard_error") : report.holds ? t("guard_true") : t("guard_false"));
    box.append(head, el("code", "d-block wf-guard-expression text-break", report.expression));
    if (report.error) box.append(el("div", "text-danger", report.error));
    if (report.reads && Object.keys(report.reads).length) {
      box.append(el("div", "mt-1", t("values_read") + ":"));
      const list = el("dl", "row mb-0 wf-guard-values");
      for (const [path, value] of Object.entries(report.reads)) {
        list.append(el("dt", "col-5 fw-normal font-monospace", path), el("dd", "col-7 mb-0 font-monospace", show(value)));
      }
      box.append(list);
    }
    if (report.explain && report.explain.length > 1) {
      const parts = el("ul", "mb-0 ps-3 wf-guard-explain");
      for (const part of report.explain) parts.append(el("li", "font-monospace", part.text + " → " + show(part.value)));
      box.append(parts);
    }
    return box;
  }

  function taskCard(task) {
    const card = el("div", "card mb-2 wf-sim-task");
    card.dataset.node = task.node;
    const body = el("div", "card-body p-2 small");
    body.append(el("div", "fw-semibold", task.label + " (" + task.node + ")"));
    const a = task.assignment;
    const who = a.assignees.map((id) => (wf.ctx.users.find((u) => u.id === id) || { name: "#" + id }).name);
    body.append(el("div", "wf-sim-assignment", t("assigned") + ": " + a.strategy + " — " +
      (a.strategy === "previous" ? t("previous") : a.reason) + (who.length ? " → " + who.join(", ") : "")));
    if (a.candidates.length) {
      body.append(el("div", "text-body-secondary", t("candidates") + ": " +
        a.candidates.map((c) => c.name + " (" + Object.entries(c).filter(([k]) => !["user_id", "name"].includes(k)).map(([k, v]) => k + " " + v).join(", ") + ")").join("; ")));
    }
    if (task.limit) body.append(el("div", "", t("limit") + ": " + task.limit));
    const offered = el("div", "d-flex flex-wrap gap-1 mt-1");
    const refused = el("div", "");
    for (const action of task.actions) {
      if (action.offered) {
        const button = el("button", "btn btn-sm btn-success wf-sim-action", action.label);
        button.type = "button";
        button.dataset.action = action.key;
        button.addEventListener("click", () => run({ node: task.node, action: action.key }));
        offered.append(button);
        if (action.guard) refused.append(guardBox(action.guard));
        continue;
      }
      const item = el("div", "wf-sim-refused mt-1");
      item.dataset.action = action.key;
      item.append(el("span", "badge text-bg-secondary me-1", action.label));
      const reasons = action.refusals.map((r) => r.kind === "guard" ? t("guard") : t(r.kind, {
        pool: r.pool || "—", roles: (r.roles || []).join(", "), fields: (r.fields || []).join(", ") }));
      item.append(document.createTextNode(reasons.join(" ")));
      if (action.guard && !action.guard.holds) item.append(guardBox(action.guard));
      refused.append(item);
    }
    body.append(el("div", "mt-1 fw-semibold", t("offered")), offered);
    if (refused.childNodes.length) body.append(el("div", "mt-1 fw-semibold", t("refused")), refused);
    card.append(body);
    return card;
  }

  function slaBox(sla) {
    const box = el("div", "small wf-sim-sla");
    if (!sla.policy) box.append(el("div", "", t("no_policy")));
    for (const p of sla.considered) {
      box.append(el("div", p.matches ? "text-success" : "text-body-secondary",
        t("policy") + " " + p.label + (p.condition ? " [" + p.condition + "] " : " ") + (p.matches ? t("matches") : t("no_match"))));
    }
    if (sla.started.length) {
      box.append(el("div", "fw-semibold mt-1", t("sla_started")));
      const list = el("ul", "mb-0 ps-3");
      for (const target of sla.started) {
        const what = target.node ? name(target.node) : target.target;
        list.append(el("li", "wf-sim-target", what + ": " + target.within + (target.due ? " · " + t("due") + " " + target.due.replace("T", " ").slice(0, 16) : "") + (target.error ? " · " + target.error : "")));
      }
      box.append(list);
    }
    return box;
  }

  function draw(answer, step) {
    const out = $("wf-sim-result");
    if (!step) out.replaceChildren();
    const block = el("div", "border-top pt-2 mt-2 wf-sim-step");
    block.append(el("div", "fw-semibold small", t("trail")));
    const trail = el("ol", "small mb-1 wf-sim-trail");
    for (const entry of answer.trail) {
      const item = el("li", "", trailText(entry));
      if (entry.kind === "decided") for (const g of entry.tried) item.append(guardBox(g));
      if (entry.kind === "action" && entry.when) item.append(guardBox(entry.when));
      trail.append(item);
    }
    block.append(trail);
    if (answer.sla.considered.length || answer.sla.started.length) block.append(slaBox(answer.sla));
    if (answer.tasks.length) {
      block.append(el("div", "fw-semibold small mt-1", t("open_tasks")));
      for (const task of answer.tasks) block.append(taskCard(task));
    }
    if (answer.ended) block.append(el("div", "alert alert-success py-1 px-2 small mb-0", t("ended_title") + ": " + answer.ended));
    // Older steps' buttons would act on a stale position: only the newest are live.
    for (const b of out.querySelectorAll(".wf-sim-action")) b.disabled = true;
    out.append(block);
    block.scrollIntoView({ block: "nearest" });
  }
})();
