/* The JSON view: clicking a problem selects the element its JSON path names in the text, and
 * a syntax error puts the cursor where the parser stopped. */
(function () {
  "use strict";

  const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

  /* Offsets of every JSON path in ``text`` (as the server writes paths: $.a[0]['b c']). */
  function locate(text) {
    const found = { $: 0 };
    let i = 0;
    const space = () => { while (i < text.length && /\s/.test(text[i])) i += 1; };
    const string = () => {
      const start = i;
      i += 1;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i += 1;
      return JSON.parse(text.slice(start, i));
    };
    const value = (path) => {
      space();
      if (!(path in found)) found[path] = i;
      const c = text[i];
      if (c === "{") {
        i += 1;
        space();
        while (i < text.length && text[i] !== "}") {
          space();
          const at = i;
          const key = string();
          const child = IDENTIFIER.test(key) ? path + "." + key : path + "['" + key + "']";
          found[child] = at;
          space();
          i += 1; // the colon
          value(child);
          space();
          if (text[i] === ",") i += 1;
          space();
        }
        i += 1;
      } else if (c === "[") {
        i += 1;
        space();
        for (let n = 0; i < text.length && text[i] !== "]"; n += 1) {
          value(path + "[" + n + "]");
          space();
          if (text[i] === ",") i += 1;
          space();
        }
        i += 1;
      } else if (c === '"') {
        string();
      } else {
        while (i < text.length && !/[\s,\]}]/.test(text[i])) i += 1;
      }
    };
    try { value("$"); } catch (error) { /* invalid text: keep what was found */ }
    return found;
  }

  function select(area, offset) {
    const end = text(area).indexOf("\n", offset);
    area.focus();
    area.setSelectionRange(offset, end === -1 ? offset : end);
    const line = text(area).slice(0, offset).split("\n").length - 1;
    const height = parseFloat(getComputedStyle(area).lineHeight) || 18;
    area.scrollTop = Math.max(0, (line - 3) * height);
  }
  const text = (area) => area.value;

  function showPath(area, path) {
    const found = locate(text(area));
    // A missing property is reported on its parent; walk up until a path exists.
    for (let p = path; p; p = p.replace(/(\.[^.[]+|\[[^\]]+\])$/, "")) {
      if (p in found) return select(area, found[p]);
      if (p === "$") break;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const area = document.getElementById("json-text");
    if (!area) return;
    document.querySelectorAll("#sk-problems [data-path]").forEach((item) => {
      item.classList.add("list-group-item-action");
      item.tabIndex = 0;
      item.addEventListener("click", () => showPath(area, item.dataset.path));
    });
    if (area.dataset.errorOffset) select(area, Number(area.dataset.errorOffset));
  });
})();
