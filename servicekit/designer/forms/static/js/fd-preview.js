/* Live preview: the saved draft drawn by the same form code end users get, with formulas
 * and conditions recalculated by the server as the builder fills it in (htmx). */

export async function showPreview(container, url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  container.innerHTML = await response.text(); // server-rendered, escaped HTML
  if (window.htmx) window.htmx.process(container);
}

// A preview stores nothing: Enter in a field must not submit the form anywhere.
export function guardPreview(container) {
  container.addEventListener("submit", (event) => event.preventDefault());
}
