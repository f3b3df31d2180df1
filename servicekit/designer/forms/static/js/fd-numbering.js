/* Numbering inputs for the properties panel: the pattern and reset of the form's business
 * number, or of one auto-number field. Below them the server's answer: the next number for
 * today in the app's time zone, or the checker's problem (with its JSON path) in the
 * builder's language. The server formats and checks; this module only asks and shows.
 */
import { el } from "./fd-dom.js";

const RESETS = ["never", "daily", "monthly", "yearly"];
const DELAY_MS = 250;
const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

/* The inputs for `numbering` ({pattern, reset} or undefined), on `props` (a Properties).
 * `target()` says what is numbered now ({field, path}: the field's key may change while
 * the panel is open); `onChange(next)` stores the new numbering (undefined when cleared). */
export function numberingInputs(props, { numbering, label, target, onChange }) {
  const t = props.texts;
  const current = { pattern: (numbering || {}).pattern || "", reset: (numbering || {}).reset || "never" };
  const pattern = props.input(label, current.pattern, (value) => { current.pattern = value; changed(); },
    { "data-prop": "numbering-pattern", maxlength: 60, autocomplete: "off", spellcheck: "false" });
  const reset = props.choose(t.numberingReset, current.reset, RESETS.map((r) => [r, (t.resets || {})[r] || r]),
    (value) => { current.reset = value; changed(); }, { "data-prop": "numbering-reset" });
  const answer = el("div", { class: "small mb-2", "data-role": "numbering-preview", "aria-live": "polite" });
  const patternInput = pattern.querySelector("input");
  const resetSelect = reset.querySelector("select");
  answer.id = patternInput.id + "-answer";
  patternInput.setAttribute("aria-describedby", answer.id);
  resetSelect.setAttribute("aria-describedby", answer.id);
  let timer = null;
  let asked = 0;

  function show({ next, problems, empty }) {
    patternInput.classList.toggle("is-invalid", problems.some((p) => p.path.endsWith(".pattern")));
    resetSelect.classList.toggle("is-invalid", problems.some((p) => p.path.endsWith(".reset")));
    if (problems.length) {
      answer.className = "small mb-2 text-danger";
      answer.replaceChildren(...problems.map((p) => el("div", { "data-path": p.path, text: p.message })));
    } else {
      answer.className = "small mb-2 text-body-secondary";
      answer.replaceChildren(empty ? t.numberingEmpty : el("span", {}, t.nextNumber + " ",
        el("code", { "data-role": "next-number", text: next })));
    }
  }

  async function ask() {
    const mine = ++asked; // answers to earlier keystrokes are dropped
    if (!current.pattern) return show({ problems: [], empty: true });
    const { field, path } = target();
    let data;
    try {
      const response = await fetch(props.config.numberingUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ pattern: current.pattern, reset: current.reset, field, path }),
      });
      data = await response.json();
      if (!response.ok) data = { problems: [{ path: path + ".pattern", message: data.error || response.statusText }] };
    } catch (error) {
      data = { problems: [{ path: path + ".pattern", message: error.message }] };
    }
    if (mine === asked && answer.isConnected) show(data);
  }

  function changed() {
    onChange(current.pattern ? { pattern: current.pattern, reset: current.reset } : undefined);
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY_MS);
  }

  queueMicrotask(ask);
  return el("fieldset", { class: "mb-2 sk-fd-numbering" }, pattern, reset, answer);
}
