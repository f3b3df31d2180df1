/* The app editor's navigation list: drag entries into order (SortableJS, fallback mode so
 * dragging behaves the same under automation), add and remove entries; every change is
 * saved to the app draft through skDraft. */
(function () {
  "use strict";

  const list = document.getElementById("nav-order");
  const template = document.getElementById("nav-item-template");
  if (!list || !template || !window.skDraft) return;
  const draft = window.skDraft;

  const labelOf = (value) => {
    if (!value) return "";
    if (typeof value === "string") return value;
    const zh = document.documentElement.lang.startsWith("zh");
    return (zh ? value.zh || value.en : value.en || value.zh) || "";
  };
  const targetOf = (entry) =>
    ["form", "report", "dashboard"].find((kind) => typeof entry[kind] === "string");

  function render(body) {
    list.replaceChildren();
    (body.navigation || []).forEach((entry, index) => {
      const item = template.content.firstElementChild.cloneNode(true);
      const kind = targetOf(entry);
      item.dataset.index = String(index);
      item.dataset.key = entry.key || "";
      item.querySelector(".sk-nav-label").textContent = labelOf(entry.label) || entry[kind] || entry.key;
      item.querySelector(".sk-nav-target").textContent = kind ? kind + ": " + entry[kind] : "";
      item.querySelector(".sk-nav-remove").addEventListener("click", () => {
        const next = structuredClone(draft.body);
        next.navigation.splice(index, 1);
        render(next);
        draft.save(next);
      });
      list.append(item);
    });
  }

  function saveOrder() {
    const entries = draft.body.navigation || [];
    const order = Array.from(list.children).map((item) => entries[Number(item.dataset.index)]);
    const next = structuredClone(draft.body);
    next.navigation = order;
    render(next);
    draft.save(next);
  }

  draft.onLoad((data) => render(data.body || {}));

  document.addEventListener("DOMContentLoaded", () => {
    window.Sortable.create(list, {
      animation: 150,
      forceFallback: true,
      handle: ".sk-drag-handle, .sk-nav-label",
      onEnd: (event) => { if (event.oldIndex !== event.newIndex) saveOrder(); },
    });
    const add = document.getElementById("nav-add");
    const target = document.getElementById("nav-add-target");
    if (add && target) {
      add.addEventListener("click", () => {
        if (!target.value || !draft.body) return;
        const [kind, key] = target.value.split(":");
        const next = structuredClone(draft.body);
        next.navigation = next.navigation || [];
        const taken = new Set(next.navigation.map((entry) => entry.key));
        let entryKey = key;
        for (let n = 2; taken.has(entryKey); n += 1) entryKey = key + "_" + n;
        next.navigation.push({ key: entryKey, [kind]: key });
        render(next);
        draft.save(next);
      });
    }
  });
})();
