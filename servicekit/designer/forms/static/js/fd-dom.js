/* Small DOM helpers shared by the designer modules. */

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function icon(name) {
  return el("i", { class: "bi bi-" + name, "aria-hidden": "true" });
}

export function labelOf(label, lang) {
  if (label && typeof label === "object") return label[lang] || label.en || label.zh || "";
  return label ? String(label) : "";
}

export const lang = () => (document.documentElement.lang.startsWith("zh") ? "zh" : "en");
