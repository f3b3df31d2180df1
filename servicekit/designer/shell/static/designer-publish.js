/* Publishing from any designer page: a button with data-sk-publish="<publish API url>"
 * first saves what is pending, shows the preview (fields, database changes, refusals,
 * running workflows) in #sk-publish-modal, and publishes only when the builder confirms. */
(function () {
  "use strict";

  const modalEl = () => document.getElementById("sk-publish-modal");
  const t = (name) => (modalEl() && modalEl().dataset["text" + name]) || name;
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  let current = null; // {url, revision, plan}

  async function post(url, payload) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(payload),
    });
    return { status: response.status, data: await response.json().catch(() => ({})) };
  }

  function section(title, items, className) {
    const wrap = document.createElement("section");
    wrap.className = "mb-3";
    const head = document.createElement("h3");
    head.className = "h6";
    head.textContent = title;
    const list = document.createElement("ul");
    list.className = "small mb-0 " + (className || "");
    if (!items.length) {
      const none = document.createElement("li");
      none.className = "text-body-secondary";
      none.textContent = t("None");
      list.append(none);
    }
    items.forEach((entry) => {
      if (entry instanceof Node) {
        list.append(entry);
        return;
      }
      const item = document.createElement("li");
      item.textContent = entry;
      list.append(item);
    });
    wrap.append(head, list);
    return wrap;
  }

  // One problem: the document it is in, its JSON path and what is wrong.
  function problemItem(problem) {
    const item = document.createElement("li");
    item.dataset.path = problem.path || "";
    if (problem.file) item.append(problem.file + " ");
    if (problem.path) {
      const path = document.createElement("code");
      path.textContent = problem.path;
      item.append(path, ": ");
    }
    item.append(problem.message || "");
    return item;
  }

  function renderPreview(data) {
    const body = document.getElementById("sk-publish-body");
    body.replaceChildren();
    if (data.problems) {
      body.append(section(data.error || t("Problems"), data.problems.map(problemItem), "text-danger sk-publish-problems"));
      return false;
    }
    const fields = data.fields || { added: [], removed: [], changed: [] };
    body.append(
      section(t("Versions"), (data.versions || []).map((v) => v.kind + " " + v.key + " → v" + v.version)),
      section(t("Added"), fields.added.map((f) => f.form + "." + f.key + " (" + f.type + ") " + f.label)),
      section(t("Removed"), fields.removed.map((f) => f.form + "." + f.key + " " + f.label + " — " + t("Kept"))),
      section(t("Changed"), fields.changed.map((f) => f.form + "." + f.key + ": " + f.changes.join("; "))),
      section(t("Database"), data.database || []),
    );
    if ((data.workflows || []).length) {
      body.append(section(t("Workflows"), data.workflows.map((w) => w.key + ": " + w.running)));
    }
    if ((data.refusals || []).length) {
      body.append(section(t("Refusals"), data.refusals.map((r) => r.message), "text-danger"));
      return false;
    }
    return true;
  }

  const failure = (status, data) =>
    (data.problems || data.refusals ? data : { problems: [{ path: "", message: data.error || String(status) }] });

  async function preview(url, fixedRevision) {
    if (window.skDraft && window.skDraft.url) await window.skDraft.flush();
    // Pages without autosave (the JSON view) name the revision they show.
    const revision = fixedRevision || (window.skDraft ? window.skDraft.revision : "");
    const { status, data } = await post(url, { revision: revision, confirm: false });
    const confirm = document.getElementById("sk-publish-confirm");
    const ok = status === 200 && renderPreview(data);
    // A refused preview (422: the drafts have problems; 409, 404) still says why.
    if (status !== 200) renderPreview(failure(status, data));
    current = ok ? { url: url, revision: revision, plan: data.plan } : null;
    confirm.disabled = !ok;
    window.bootstrap.Modal.getOrCreateInstance(modalEl()).show();
  }

  async function confirmPublish() {
    if (!current) return;
    const confirm = document.getElementById("sk-publish-confirm");
    confirm.disabled = true;
    const { status, data } = await post(current.url, { revision: current.revision, plan: current.plan, confirm: true });
    if (status === 200 && data.applied) {
      document.getElementById("sk-publish-body").replaceChildren(document.createTextNode(t("Done")));
      window.location.reload();
      return;
    }
    renderPreview(failure(status, data));
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-sk-publish]").forEach((button) =>
      button.addEventListener("click", () => preview(button.dataset.skPublish, button.dataset.skRevision)));
    const confirm = document.getElementById("sk-publish-confirm");
    if (confirm) confirm.addEventListener("click", confirmPublish);
  });
})();
