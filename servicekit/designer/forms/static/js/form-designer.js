/* The form designer page: wires the model, canvas, palette, properties panel, preview and
 * the shell's draft client (window.skDraft: load, debounced autosave, problems). */
import { Canvas } from "./fd-canvas.js";
import { FormModel } from "./fd-model.js";
import "./fd-layout.js"; // sections and tabs operations of the model
import { setupPalette } from "./fd-palette.js";
import { guardPreview, showPreview } from "./fd-preview.js";
import { Properties } from "./fd-props.js";
import { labelOf, lang } from "./fd-dom.js";

const root = document.getElementById("sk-form-designer");
const config = JSON.parse(root.dataset.config);
const texts = config.texts;
const draft = window.skDraft;
const undoButton = document.getElementById("sk-fd-undo");
let model = null;
let canvas = null;
let props = null;

function select(path) {
  canvas.select(path);
  props.show(path);
}

function remove(path) {
  const field = model.find(path);
  const label = labelOf(field && field.label, lang()) || path;
  model.remove(path);
  select(null);
  const toast = document.getElementById("sk-fd-toast");
  document.getElementById("sk-fd-toast-text").textContent = texts.deleted.replace("{label}", label);
  if (window.bootstrap) window.bootstrap.Toast.getOrCreateInstance(toast).show();
  else toast.classList.add("show");
}

function undo() {
  model.undo();
  select(canvas.selected && model.find(canvas.selected) ? canvas.selected : null);
}

function problemPath(problem) {
  // "$.fields[2].fields[0].label" -> the field's path on the canvas.
  const match = /^\$\.fields\[(\d+)\](?:\.fields\[(\d+)\])?/.exec(problem.path || "");
  if (!match) return null;
  const top = model.body.fields[+match[1]];
  if (!top) return null;
  const child = match[2] !== undefined ? (top.fields || [])[+match[2]] : null;
  return child ? top.key + "." + child.key : top.key;
}

function markProblems(problems) {
  root.querySelectorAll(".sk-fd-has-problem").forEach((n) => n.classList.remove("sk-fd-has-problem"));
  for (const problem of problems || []) {
    const path = problemPath(problem);
    const node = path && root.querySelector(`.sk-fd-field[data-path="${CSS.escape(path)}"]`);
    if (node) node.classList.add("sk-fd-has-problem");
  }
}

function start(data) {
  const body = data && data.body ? data.body : { key: config.form, fields: [] };
  model = new FormModel(body, { publishedKeys: config.publishedKeys, texts });
  model.forms = config.forms;
  canvas = new Canvas(document.getElementById("sk-fd-canvas"), model, { texts, onSelect: (p) => select(p) });
  canvas.onDelete = remove;
  props = new Properties(document.getElementById("sk-fd-props"), model, {
    texts, config, title: document.getElementById("sk-fd-props-title"),
  });
  props.onSelectRequest = (p) => select(p);
  props.onPathChange = (p) => { canvas.selected = p; canvas.render(); };
  const showTitle = () => {
    document.getElementById("sk-fd-form-title").textContent = labelOf(model.body.label, lang()) || config.form;
  };
  model.onChange((what) => {
    canvas.render();
    showTitle();
    if (what === "all") props.show(canvas.selected && model.find(canvas.selected) ? canvas.selected : props.path);
    undoButton.disabled = !model.undoStack.length;
    markProblems(draft ? draft.problems : []);
    if (draft) draft.save(model.body).catch(() => {});
  });
  canvas.render();
  showTitle();
  props.show(null);
  markProblems(data && data.problems);
  root.dataset.ready = "true";
}

function addAtEnd(type) {
  const sections = model.sections();
  const layout = model.body.layout;
  let where = "s" + (sections.length - 1);
  if (Array.isArray(layout.tabs)) {
    const tab = canvas.activeTab;
    where = "t" + tab + "s" + (layout.tabs[tab].sections.length - 1);
  }
  select(model.add(type, "newrow:" + where, 0));
}

async function setMode(mode) {
  const preview = document.getElementById("sk-fd-preview");
  document.getElementById("sk-fd-design").hidden = mode === "preview";
  preview.hidden = mode !== "preview";
  if (mode === "preview") {
    if (draft) await draft.saveNow(model.body).catch(() => {});
    await showPreview(document.getElementById("sk-fd-preview-body"), config.previewUrl);
  }
}

guardPreview(document.getElementById("sk-fd-preview-body"));
setupPalette(document.getElementById("sk-fd-palette"), { onAdd: (type) => addAtEnd(type) });
undoButton.addEventListener("click", undo);
document.getElementById("sk-fd-toast-undo").addEventListener("click", () => {
  undo();
  const toast = document.getElementById("sk-fd-toast");
  if (window.bootstrap) window.bootstrap.Toast.getOrCreateInstance(toast).hide();
});
document.getElementById("sk-fd-form-title").addEventListener("click", () => select(null));
document.getElementById("sk-fd-add-section").addEventListener("click", () => model.addSection(canvas.activeTab));
document.getElementById("sk-fd-add-tab").addEventListener("click", () => {
  const index = model.addTab();
  if (index !== undefined) { canvas.activeTab = index; canvas.render(); }
});
document.querySelectorAll('input[name="sk-fd-mode"]').forEach((radio) =>
  radio.addEventListener("change", () => setMode(radio.value)));
document.addEventListener("keydown", (event) => {
  const typing = event.target.closest && event.target.closest("input, textarea, select");
  if ((event.ctrlKey || event.metaKey) && event.key === "z" && !typing) {
    event.preventDefault();
    undo();
  }
});

if (draft) {
  draft.onProblems((problems) => markProblems(problems));
  draft.onProblemClick((problem) => { const p = problemPath(problem); if (p) select(p); });
  draft.onLoad((data) => start(data));
  if (draft.body) start({ body: draft.body, problems: draft.problems });
} else {
  start(null);
}
