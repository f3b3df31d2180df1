/* The designer's draft client: load a draft, autosave it (debounced), show the saved
 * state and the problems list, and handle a conflicting save.
 *
 * Editors use `window.skDraft` (see /designer docs in designer-api.md):
 *   skDraft.load(url)          -> Promise<{body, revision, problems, other_problems, ...}>
 *   skDraft.save(body)         debounced autosave; returns a Promise of the save result
 *   skDraft.saveNow(body)      save at once (e.g. before publishing)
 *   skDraft.flush()            run a pending debounced save now
 *   skDraft.onProblems(cb)     cb(problems, otherProblems) after every load/save
 *   skDraft.onState(cb)        cb(state): "saved" | "saving" | "dirty" | "conflict" | "error"
 *   skDraft.onConflict(cb)     cb(theirs) when a save is refused (409)
 *   skDraft.onLoad(cb)         cb(data) after load() and after "Reload theirs"
 *   skDraft.onProblemClick(cb) cb(problem) when a problem in the list is clicked
 *   skDraft.reload()           take the other builder's version (discarding mine)
 *   skDraft.overwrite()        save mine over theirs, knowingly
 *   skDraft.body / .revision   the current body and revision
 * The layout (designer/shell/base.html) holds #sk-save-state and #sk-problems; pages
 * that set data-draft-url on #sk-designer are loaded automatically.
 */
(function () {
  "use strict";

  const DELAY_MS = 800;
  const root = () => document.getElementById("sk-designer");
  const text = (name, values) => {
    let template = (root() && root().dataset["text" + name]) || name;
    for (const [key, value] of Object.entries(values || {})) {
      template = template.split("{" + key + "}").join(value);
    }
    return template;
  };
  const csrfToken = () => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  };
  const hhmm = (date) =>
    String(date.getHours()).padStart(2, "0") + ":" + String(date.getMinutes()).padStart(2, "0");

  const listeners = { problems: [], state: [], conflict: [], load: [], problemClick: [] };
  const emit = (name, ...args) => listeners[name].forEach((cb) => cb(...args));

  const draft = {
    url: null,
    body: null,
    revision: "",
    state: "saved",
    theirs: null,
    problems: [],
    otherProblems: [],
    _timer: null,
    _pending: null, // {body, resolvers: [[resolve, reject]]}
    _inFlight: null,

    async load(url) {
      this.url = url || this.url;
      const response = await fetch(this.url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const data = await response.json();
      if (!response.ok) {
        this._setState("error", data.error || data.title || response.statusText);
        throw new Error(data.error || response.statusText);
      }
      this.body = data.body;
      this.revision = data.revision || "";
      this._setState("saved", null, null);
      this._setProblems(data.problems || [], data.other_problems || []);
      emit("load", data);
      return data;
    },

    save(body) {
      this.body = body;
      this._setState("dirty");
      return new Promise((resolve, reject) => {
        if (!this._pending) this._pending = { resolvers: [] };
        this._pending.body = body;
        this._pending.resolvers.push([resolve, reject]);
        clearTimeout(this._timer);
        this._timer = setTimeout(() => this.flush(), DELAY_MS);
      });
    },

    saveNow(body) {
      const promise = this.save(body);
      this.flush();
      return promise;
    },

    async flush() {
      clearTimeout(this._timer);
      if (this._inFlight) {
        // One save at a time: the next one needs the revision this one returns.
        await this._inFlight.catch(() => {});
      }
      const pending = this._pending;
      if (!pending) return null;
      this._pending = null;
      if (this.state === "conflict") {
        // Never save over a conflict silently; wait for reload() or overwrite().
        pending.resolvers.forEach(([, reject]) => reject(new Error("conflict")));
        return null;
      }
      this._inFlight = this._put(pending.body, this.revision);
      try {
        const result = await this._inFlight;
        pending.resolvers.forEach(([resolve]) => resolve(result));
        return result;
      } catch (error) {
        pending.resolvers.forEach(([, reject]) => reject(error));
        return null;
      } finally {
        this._inFlight = null;
      }
    },

    async _put(body, revision) {
      this._setState("saving");
      let response;
      try {
        response = await fetch(this.url, {
          method: "PUT",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "X-CSRFToken": csrfToken(),
          },
          body: JSON.stringify({ body: body, revision: revision }),
        });
      } catch (error) {
        this._setState("error", error.message);
        throw error;
      }
      const data = await response.json().catch(() => ({}));
      if (response.status === 409) {
        this.theirs = data.theirs;
        this._setState("conflict", null, data.theirs);
        emit("conflict", data.theirs);
        throw new Error("conflict");
      }
      if (!response.ok) {
        this._setState("error", data.error || data.title || response.statusText);
        throw new Error(data.error || response.statusText);
      }
      this.revision = data.revision;
      if (this.body === body) this._setState("saved", new Date());
      else this._setState("dirty");
      this._setProblems(data.problems || [], data.other_problems || []);
      return data;
    },

    async reload() {
      this.theirs = null;
      this._pending = null;
      clearTimeout(this._timer);
      return this.load();
    },

    async overwrite() {
      if (!this.theirs) return null;
      const revision = this.theirs.revision || "";
      this.theirs = null;
      this.revision = revision;
      this._setState("dirty");
      return this._put(this.body, revision);
    },

    onProblems(cb) { listeners.problems.push(cb); return this; },
    onState(cb) { listeners.state.push(cb); return this; },
    onConflict(cb) { listeners.conflict.push(cb); return this; },
    onLoad(cb) { listeners.load.push(cb); return this; },
    onProblemClick(cb) { listeners.problemClick.push(cb); return this; },

    _setState(state, detail, theirs) {
      this.state = state;
      const label = document.getElementById("sk-save-state");
      if (label) {
        label.dataset.state = state;
        label.classList.toggle("text-danger", state === "conflict" || state === "error");
        if (state === "saved") {
          label.textContent = detail ? text("Saved", { time: hhmm(detail) }) : "";
        } else if (state === "saving") {
          label.textContent = text("Saving");
        } else if (state === "dirty") {
          label.textContent = text("Unsaved");
        } else if (state === "conflict") {
          label.textContent = text("Conflict");
        } else {
          label.textContent = text("Error", { reason: detail || "" });
        }
      }
      const box = document.getElementById("sk-conflict");
      if (box) {
        box.hidden = state !== "conflict";
        const who = document.getElementById("sk-conflict-detail");
        if (who && theirs) {
          const at = theirs.at ? hhmm(new Date(theirs.at)) : "";
          who.textContent = text("ConflictBy", { author: theirs.author || "?", time: at });
        }
      }
      emit("state", state);
    },

    _setProblems(problems, others) {
      this.problems = problems;
      this.otherProblems = others;
      renderProblems(problems, others);
      emit("problems", problems, others);
    },
  };

  function problemItem(problem) {
    const item = document.createElement("li");
    item.className = "list-group-item list-group-item-action sk-problem";
    item.tabIndex = 0;
    item.dataset.path = problem.path || "$";
    item.dataset.file = problem.file || "";
    const path = document.createElement("code");
    path.className = "d-block text-break";
    path.textContent = (problem.file ? problem.file + " " : "") + (problem.path || "$");
    item.append(path, document.createTextNode(problem.message));
    const pick = () => emit("problemClick", problem);
    item.addEventListener("click", pick);
    item.addEventListener("keydown", (event) => { if (event.key === "Enter") pick(); });
    return item;
  }

  function renderProblems(problems, others) {
    const list = document.getElementById("sk-problems");
    if (!list) return;
    list.replaceChildren();
    if (!problems.length && !others.length) {
      const ok = document.createElement("li");
      ok.className = "list-group-item text-success";
      ok.textContent = text("NoProblems");
      list.append(ok);
    }
    problems.forEach((problem) => list.append(problemItem(problem)));
    if (others.length) {
      const head = document.createElement("li");
      head.className = "list-group-item list-group-item-light fw-semibold";
      head.textContent = text("OtherProblems");
      list.append(head);
      others.forEach((problem) => list.append(problemItem(problem)));
    }
    const count = document.getElementById("sk-problem-count");
    if (count) count.textContent = String(problems.length + others.length);
  }

  window.skDraft = draft;

  document.addEventListener("DOMContentLoaded", () => {
    const reload = document.getElementById("sk-conflict-reload");
    const overwrite = document.getElementById("sk-conflict-overwrite");
    if (reload) reload.addEventListener("click", () => draft.reload());
    if (overwrite) overwrite.addEventListener("click", () => draft.overwrite());
    const url = root() && root().dataset.draftUrl;
    if (url) draft.load(url).catch(() => {});
  });
  // Leaving with unsaved changes: save what is pending and ask the browser to warn.
  window.addEventListener("beforeunload", (event) => {
    if (draft._pending || draft.state === "saving" || draft.state === "conflict") {
      draft.flush();
      event.preventDefault();
    }
  });
})();
