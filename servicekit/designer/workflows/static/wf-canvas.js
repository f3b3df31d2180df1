/* The workflow designer's canvas: the draft's nodes and edges drawn with cytoscape.js,
 * nodes added from the palette (click: in the last row or below the graph, clear of nodes and
 * edges; drag: at the drop point, nudged clear of other nodes), edges drawn by dragging
 * (cytoscape-edgehandles, "Connect" mode), nodes moved (positions kept in the draft's
 * "layout"), auto-layout with dagre, and the static checks' problems marked on the
 * elements they concern. The draft itself is loaded and autosaved by the shell's skDraft.
 *
 * Everything is shared through window.skWf so the panels (wf-panels.js) and the
 * simulation (wf-sim.js) work on the same document.
 */
(function () {
  "use strict";

  const root = document.getElementById("wf");
  if (!root || !window.cytoscape) return;
  // The extensions register themselves when they find window.cytoscape; only if not:
  if (!window.cytoscape("layout", "dagre") && window.cytoscapeDagre) window.cytoscape.use(window.cytoscapeDagre);
  if (!window.cytoscape("core", "edgehandles") && window.cytoscapeEdgehandles) {
    window.cytoscape.use(window.cytoscapeEdgehandles);
  }

  const lang = document.documentElement.lang.startsWith("zh") ? "zh" : "en";
  const labelOf = (label, fallback) => {
    if (label && typeof label === "object") return label[lang] || label.en || label.zh || fallback || "";
    return label ? String(label) : fallback || "";
  };
  const KEY = /^[a-z][a-z0-9_]{0,39}$/;
  const PERSON = ["task", "approval"];

  const wf = {
    root,
    lang,
    labelOf,
    body: null,
    ctx: { forms: [], fields: [], raw_fields: [], roles: [], teams: [], users: [], policies: [], records: [] },
    selected: null, // {type: "node", key} | {type: "edge", index} | null
    problems: [],
    listeners: { select: [], change: [], context: [] },
    on(name, cb) {
      this.listeners[name].push(cb);
    },
    emit(name, ...args) {
      for (const cb of this.listeners[name]) cb(...args);
    },
    messages: JSON.parse(root.dataset.messages || "{}"),
  };
  window.skWf = wf;

  // ---- the document -----------------------------------------------------------------
  const nodes = () => wf.body.nodes || (wf.body.nodes = []);
  const edges = () => wf.body.edges || (wf.body.edges = []);
  wf.node = (key) => nodes().find((n) => n.key === key);
  wf.layoutOf = () => {
    wf.body.layout = wf.body.layout || {};
    wf.body.layout.nodes = wf.body.layout.nodes || {};
    return wf.body.layout.nodes;
  };

  /** Record a change: redraw what changed and autosave through the shell. */
  wf.changed = (structural) => {
    if (structural) draw();
    else relabel();
    wf.emit("change");
    if (window.skDraft) window.skDraft.save(wf.body);
  };

  const uniqueKey = (base, taken) => {
    let key = base;
    for (let n = 2; taken.has(key); n += 1) key = base + "_" + n;
    return key;
  };

  const DEFAULT_NAMES = JSON.parse(root.dataset.messages || "{}");
  wf.addNode = (kind, position) => {
    const taken = new Set(nodes().map((n) => n.key));
    let count = 1;
    while (taken.has(kind + "_" + count)) count += 1;
    const key = kind === "start" ? uniqueKey("start", taken) : kind + "_" + count;
    const button = root.querySelector(`.wf-palette-item[data-kind="${kind}"]`);
    const text = button ? button.dataset.label : kind;
    const node = { key, kind, label: { zh: text + " " + count, en: text + " " + count } };
    if (kind === "start") node.label = { zh: "开始", en: "Start" };
    if (PERSON.includes(kind)) {
      const role = wf.ctx.roles[0];
      node.assignment = role ? { strategy: "pool", role: role.key } : { strategy: "pool" };
    }
    if (kind === "approval") node.mode = "any";
    if (kind === "end") node.outcome = "resolved";
    nodes().push(node);
    wf.layoutOf()[key] = position ? clearOfNodes(position) : nextPosition();
    wf.changed(true);
    keepInView();
    wf.select({ type: "node", key });
    return node;
  };

  // A new node never lands on another node or across an edge: a clicked one goes right of
  // the last row's nodes (four to a row) when that spot is clear, else below everything
  // drawn; a dropped one goes where it was dropped, nudged down clear of the nodes there.
  const GAP = 30;
  const SIZE = { w: 120, h: 70 }; // the largest node shape (diamonds are 70 high)
  const around = (at) => ({ x1: at.x - SIZE.w / 2 - GAP, x2: at.x + SIZE.w / 2 + GAP,
    y1: at.y - SIZE.h / 2 - GAP, y2: at.y + SIZE.h / 2 + GAP });
  const inside = (x, y, b) => x > b.x1 && x < b.x2 && y > b.y1 && y < b.y2;
  const meets = (a, b) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
  const crosses = (edge, b) => {
    const p = edge.source().position();
    const q = edge.target().position();
    const steps = Math.ceil(Math.hypot(q.x - p.x, q.y - p.y) / 20) + 1;
    for (let i = 0; i <= steps; i += 1) {
      if (inside(p.x + ((q.x - p.x) * i) / steps, p.y + ((q.y - p.y) * i) / steps, b)) return true;
    }
    return false;
  };
  const clear = (at) => {
    const b = around(at);
    return !cy.nodes().some((n) => meets(n.boundingBox(), b)) && !cy.edges().some((e) => crosses(e, b));
  };
  const nextPosition = () => {
    if (!cy.nodes().length) return { x: 80, y: 120 };
    const placed = cy.nodes().map((n) => n.position());
    const bottom = Math.max(...placed.map((p) => p.y));
    const row = placed.filter((p) => p.y > bottom - 60);
    const right = Math.max(...row.map((p) => p.x));
    const slot = { x: Math.round(right + 160), y: Math.round(row[0].y) };
    if (right < 560 && clear(slot)) return slot;
    const left = Math.min(...placed.map((p) => p.x));
    return { x: Math.round(left), y: Math.round(cy.elements().boundingBox().y2 + GAP + SIZE.h / 2) };
  };
  const clearOfNodes = (position) => {
    const at = { ...position };
    const hits = () => cy.nodes().some((n) => meets(n.boundingBox(), around(at)));
    for (let tries = 0; tries < 200 && hits(); tries += 1) at.y += SIZE.h / 2;
    return { x: Math.round(at.x), y: Math.round(at.y) };
  };

  /** Zoom out just enough that the whole graph is in view (a new node may lie outside). */
  const keepInView = () => {
    const box = cy.elements().boundingBox();
    const view = cy.extent();
    if (box.x1 < view.x1 || box.x2 > view.x2 || box.y1 < view.y1 || box.y2 > view.y2) {
      cy.fit(undefined, 30);
      if (cy.zoom() > 1.2) cy.zoom(1.2);
    }
  };

  wf.addEdge = (from, to) => {
    const source = wf.node(from);
    const target = wf.node(to);
    if (!source || !target || from === to) return null;
    const out = edges().filter((e) => e.from === from);
    const taken = new Set(out.map((e) => e.key));
    const edge = { key: "", from, to };
    if (source.kind === "approval" && !taken.has("approve")) {
      edge.key = "approve";
      edge.label = { zh: "通过", en: "Approve" };
    } else if (source.kind === "approval" && !taken.has("reject")) {
      edge.key = "reject";
      edge.label = { zh: "退回", en: "Return" };
    } else {
      edge.key = uniqueKey(source.kind === "start" ? "begin" : "to_" + to, taken);
      // A button names where it leads; into a gateway or an end it just submits.
      if (PERSON.includes(source.kind)) {
        edge.label = PERSON.includes(target.kind) ? { ...(target.label || {}) } : { zh: "提交", en: "Submit" };
      }
    }
    // An exclusive gateway needs exactly one default path; its first edge is it until
    // the builder gives another edge that role.
    if (source.kind === "exclusive" && !out.some((e) => e.default)) edge.default = true;
    edges().push(edge);
    wf.changed(true);
    wf.select({ type: "edge", index: edges().length - 1 });
    return edge;
  };

  wf.removeSelected = () => {
    const sel = wf.selected;
    if (!sel) return;
    if (sel.type === "node") {
      wf.body.nodes = nodes().filter((n) => n.key !== sel.key);
      wf.body.edges = edges().filter((e) => e.from !== sel.key && e.to !== sel.key);
      delete wf.layoutOf()[sel.key];
    } else {
      edges().splice(sel.index, 1);
    }
    wf.select(null);
    wf.changed(true);
  };

  wf.renameNode = (oldKey, newKey) => {
    if (!KEY.test(newKey) || wf.node(newKey)) return false;
    const node = wf.node(oldKey);
    node.key = newKey;
    for (const e of edges()) {
      if (e.from === oldKey) e.from = newKey;
      if (e.to === oldKey) e.to = newKey;
    }
    for (const n of nodes()) if (n.join === oldKey) n.join = newKey;
    if (wf.body.reopen === oldKey) wf.body.reopen = newKey;
    const layout = wf.layoutOf();
    if (layout[oldKey]) {
      layout[newKey] = layout[oldKey];
      delete layout[oldKey];
    }
    wf.selected = { type: "node", key: newKey };
    wf.changed(true);
    return true;
  };

  // ---- drawing ------------------------------------------------------------------------
  const cy = window.cytoscape({
    container: document.getElementById("wf-canvas"),
    minZoom: 0.3,
    maxZoom: 2.5,
    style: [
      { selector: "node", style: {
        label: "data(label)", "text-valign": "center", "text-halign": "center", "font-size": 12,
        "text-wrap": "wrap", "text-max-width": 100, width: 120, height: 44, shape: "round-rectangle",
        "background-color": "#e7f1ff", "border-width": 2, "border-color": "#0d6efd", color: "#212529" } },
      { selector: "node[kind='approval']", style: { "background-color": "#fff3cd", "border-color": "#b58105" } },
      { selector: "node[kind='start']", style: { shape: "ellipse", width: 60, height: 60, "background-color": "#d1e7dd", "border-color": "#198754" } },
      { selector: "node[kind='end']", style: { shape: "ellipse", width: 60, height: 60, "background-color": "#e2e3e5", "border-color": "#212529", "border-width": 4 } },
      { selector: "node[kind='exclusive'], node[kind='parallel_split'], node[kind='parallel_join']", style: {
        shape: "diamond", width: 70, height: 70, "background-color": "#f8f9fa", "border-color": "#6c757d", "text-valign": "bottom", "text-margin-y": 4 } },
      { selector: "node[kind='action']", style: { shape: "rectangle", "background-color": "#f3e8ff", "border-color": "#6f42c1" } },
      { selector: "edge", style: {
        width: 2, "curve-style": "bezier", "target-arrow-shape": "triangle", "line-color": "#6c757d",
        "target-arrow-color": "#6c757d", label: "data(label)", "font-size": 11, "text-background-color": "#fff",
        "text-background-opacity": 0.9, "text-background-padding": 2 } },
      { selector: "edge[?guarded]", style: { "line-style": "dashed", "line-color": "#0d6efd", "target-arrow-color": "#0d6efd" } },
      { selector: ".problem", style: { "border-color": "#dc3545", "line-color": "#dc3545", "target-arrow-color": "#dc3545", "border-width": 3, "underlay-color": "#dc3545", "underlay-opacity": 0.15, "underlay-padding": 6 } },
      { selector: ":selected", style: { "overlay-color": "#0d6efd", "overlay-opacity": 0.15, "overlay-padding": 6 } },
      { selector: ".eh-preview, .eh-ghost-edge", style: { "line-color": "#0d6efd", "target-arrow-color": "#0d6efd", "line-style": "dotted" } },
      { selector: ".eh-ghost-edge.eh-preview-active", style: { opacity: 0 } },
    ],
  });
  wf.cy = cy;
  // Follow the container's size (phone rotation, the panel column wrapping below).
  if (window.ResizeObserver) new ResizeObserver(() => cy.resize()).observe(cy.container());

  const edgeText = (edge) => {
    let text = labelOf(edge.label, "");
    if (edge.guard) text = (text ? text + " " : "") + "[" + edge.guard + "]";
    if (edge.default) text = (text ? text + " " : "") + "(" + (wf.messages.default_path || "default") + ")";
    return text;
  };

  function draw() {
    const layout = wf.layoutOf();
    const elements = [];
    let missing = false;
    for (const node of nodes()) {
      if (!node || !node.key) continue;
      const pos = layout[node.key];
      if (!pos) missing = true;
      elements.push({ group: "nodes", data: { id: node.key, kind: node.kind, label: labelOf(node.label, node.key) },
        position: pos ? { x: pos.x, y: pos.y } : { x: 0, y: 0 } });
    }
    edges().forEach((edge, index) => {
      if (!wf.node(edge.from) || !wf.node(edge.to)) return;
      elements.push({ group: "edges", data: { id: "e" + index, source: edge.from, target: edge.to,
        label: edgeText(edge), guarded: Boolean(edge.guard), index } });
    });
    cy.elements().remove();
    cy.add(elements);
    markProblems();
    restoreSelection();
    if (missing && nodes().length) wf.autoLayout(false);
  }

  function relabel() {
    for (const node of nodes()) {
      const el = cy.getElementById(node.key);
      if (el.nonempty()) el.data("label", labelOf(node.label, node.key));
    }
    edges().forEach((edge, index) => {
      const el = cy.getElementById("e" + index);
      if (el.nonempty()) {
        el.data("label", edgeText(edge));
        el.data("guarded", Boolean(edge.guard));
      }
    });
  }

  function restoreSelection() {
    cy.elements().unselect();
    const el = selectedElement();
    if (el && el.nonempty()) el.select();
  }

  const selectedElement = () => {
    const sel = wf.selected;
    if (!sel) return null;
    return cy.getElementById(sel.type === "node" ? sel.key : "e" + sel.index);
  };

  wf.autoLayout = (save) => {
    const narrow = cy.container().clientWidth < 600;
    const run = cy.layout({ name: "dagre", rankDir: narrow ? "TB" : "LR", nodeSep: 40, rankSep: 70, fit: true, padding: 20 });
    run.one("layoutstop", () => {
      const layout = wf.layoutOf();
      cy.nodes().forEach((n) => {
        const p = n.position();
        layout[n.id()] = { x: Math.round(p.x), y: Math.round(p.y) };
      });
      if (save && window.skDraft) window.skDraft.save(wf.body);
    });
    run.run();
  };

  wf.select = (sel) => {
    wf.selected = sel;
    restoreSelection();
    document.getElementById("wf-delete").disabled = !sel || (sel.type === "node" && (wf.node(sel.key) || {}).kind === "start");
    wf.emit("select", sel);
  };

  cy.on("tap", "node", (e) => wf.select({ type: "node", key: e.target.id() }));
  cy.on("tap", "edge", (e) => wf.select({ type: "edge", index: e.target.data("index") }));
  cy.on("tap", (e) => {
    if (e.target === cy) wf.select(null);
  });
  cy.on("dragfree", "node", (e) => {
    const p = e.target.position();
    wf.layoutOf()[e.target.id()] = { x: Math.round(p.x), y: Math.round(p.y) };
    if (window.skDraft) window.skDraft.save(wf.body);
  });

  // ---- connecting by dragging (edgehandles in draw mode) --------------------------------
  const handles = cy.edgehandles({
    canConnect: (source, target) => !source.same(target) && source.data("kind") !== "end" && target.data("kind") !== "start",
    hoverDelay: 0,
    snap: true,
    snapThreshold: 30,
  });
  wf.handles = handles;
  cy.on("ehcomplete", (event, source, target, added) => {
    added.remove();
    wf.addEdge(source.id(), target.id());
  });
  const connect = document.getElementById("wf-connect");
  wf.setConnectMode = (on) => {
    if (on) handles.enableDrawMode();
    else handles.disableDrawMode();
    connect.setAttribute("aria-pressed", on ? "true" : "false");
    connect.classList.toggle("active", on);
  };
  connect.addEventListener("click", () => wf.setConnectMode(connect.getAttribute("aria-pressed") !== "true"));
  document.getElementById("wf-layout").addEventListener("click", () => wf.autoLayout(true));
  document.getElementById("wf-delete").addEventListener("click", () => wf.removeSelected());
  cy.container().setAttribute("tabindex", "0");
  cy.container().addEventListener("keydown", (e) => {
    if ((e.key === "Delete" || e.key === "Backspace") && wf.selected) wf.removeSelected();
  });

  // ---- palette: click to add, or drag onto the canvas --------------------------------
  for (const item of root.querySelectorAll(".wf-palette-item")) {
    let drag = null;
    item.addEventListener("pointerdown", (e) => {
      drag = { x: e.clientX, y: e.clientY, moved: false };
      item.setPointerCapture(e.pointerId);
    });
    item.addEventListener("pointermove", (e) => {
      if (drag && Math.hypot(e.clientX - drag.x, e.clientY - drag.y) > 6) {
        drag.moved = true;
        item.classList.add("wf-dragging");
      }
    });
    item.addEventListener("pointerup", (e) => {
      const was = drag;
      drag = null;
      item.classList.remove("wf-dragging");
      if (!was || !was.moved) return;
      item.dataset.dropped = "1"; // the click that follows is not a second add
      const box = cy.container().getBoundingClientRect();
      if (e.clientX < box.left || e.clientX > box.right || e.clientY < box.top || e.clientY > box.bottom) return;
      const pan = cy.pan();
      const zoom = cy.zoom();
      wf.addNode(item.dataset.kind, {
        x: Math.round((e.clientX - box.left - pan.x) / zoom),
        y: Math.round((e.clientY - box.top - pan.y) / zoom),
      });
    });
    item.addEventListener("click", () => {
      if (item.dataset.dropped) {
        delete item.dataset.dropped;
        return;
      }
      wf.addNode(item.dataset.kind);
    });
  }

  // ---- problems on the elements --------------------------------------------------------
  /** The element a JSON path points into: {type: "node", key} / {type: "edge", index} / null. */
  wf.elementOf = (path) => {
    const node = /^\$\.nodes\[(\d+)\]/.exec(path || "");
    if (node) {
      const found = nodes()[Number(node[1])];
      return found ? { type: "node", key: found.key } : null;
    }
    const edge = /^\$\.edges\[(\d+)\]/.exec(path || "");
    return edge ? { type: "edge", index: Number(edge[1]) } : null;
  };

  function markProblems() {
    cy.elements().removeClass("problem");
    for (const problem of wf.problems) {
      const where = wf.elementOf(problem.path);
      if (!where) continue;
      const el = cy.getElementById(where.type === "node" ? where.key : "e" + where.index);
      if (el.nonempty()) el.addClass("problem");
    }
  }

  // ---- loading ---------------------------------------------------------------------------
  const loadContext = async (form) => {
    const url = root.dataset.contextUrl + (form ? "?form=" + encodeURIComponent(form) : "");
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok) wf.ctx = await response.json();
    wf.emit("context", wf.ctx);
  };
  wf.loadContext = loadContext;

  const start = async (data) => {
    wf.body = data && data.body && typeof data.body === "object" ? data.body : { key: root.dataset.key };
    const key = root.dataset.key;
    if (!wf.body.label) wf.body.label = { zh: key, en: key };
    nodes();
    edges();
    await loadContext(wf.body.form);
    let dirty = false;
    if (!wf.body.form && wf.ctx.forms.length) {
      const same = wf.ctx.forms.find((f) => f.key === key);
      wf.body.form = (same || wf.ctx.forms[0]).key;
      await loadContext(wf.body.form);
      dirty = true;
    }
    if (!nodes().some((n) => n.kind === "start")) {
      nodes().unshift({ key: "start", kind: "start", label: { zh: "开始", en: "Start" } });
      wf.layoutOf().start = { x: 80, y: 120 };
      dirty = true;
    }
    draw();
    cy.fit(undefined, 30);
    if (cy.zoom() > 1.2) cy.zoom(1.2);
    wf.select(null);
    if (dirty && window.skDraft) window.skDraft.save(wf.body);
    root.dataset.ready = "1";
  };

  if (window.skDraft) {
    window.skDraft.onLoad(start);
    window.skDraft.onProblems((problems) => {
      wf.problems = problems || [];
      if (!wf.body) return; // the first load: drawn with its problems once the body is in
      markProblems();
      wf.emit("select", wf.selected);
    });
    window.skDraft.onProblemClick((problem) => {
      const where = wf.elementOf(problem.path);
      if (where) wf.select(where);
    });
  }
})();
