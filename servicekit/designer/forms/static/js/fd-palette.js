/* The palette: field types to drag onto the canvas (copies; the palette never changes).
 * Enter on a palette item adds that type at the end of the form, for keyboard users. */

export function setupPalette(root, { onAdd }) {
  root.querySelectorAll(".sk-fd-palette-list").forEach((list) => {
    new window.Sortable(list, {
      forceFallback: true,
      fallbackOnBody: true,
      group: { name: "sk-fields", pull: "clone", put: false },
      sort: false,
      animation: 120,
      onStart: () => document.body.classList.add("sk-fd-dragging"),
      onEnd: () => document.body.classList.remove("sk-fd-dragging"),
    });
  });
  root.querySelectorAll(".sk-fd-palette-item").forEach((item) => {
    item.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        onAdd(item.dataset.type);
      }
    });
  });
}
