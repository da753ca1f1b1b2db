// The page's script, inlined as text (no network). It only adds interaction to the server-drawn SVG:
// the detail panel, tooltips, a time cursor shared by every chart, horizontal scrolling kept in step
// across charts, fault hover bands, the repro copy button, and, when a linearizability check failed,
// scrolling the operation that could not be placed (the one at the search's frontier) into view and opening its details.
// Plain ES2020 for the browser; it reads the data from <script id="etcdsim-data" type="application/json">.
export const CLIENT_JS = String.raw`(() => {
  "use strict";
  const D = JSON.parse(document.getElementById("etcdsim-data").textContent);
  const ops = D.ops || {};
  const line = D.unit === "line";
  const fmt = (t) => line ? "line " + Math.round(t) : (t / 1000).toFixed(3) + " ms";
  const span = (o) => o.return === null
    ? fmt(o.call) + " – ∞ (unknown outcome)"
    : fmt(o.call) + " – " + fmt(o.return) + (line ? "" : " (" + ((o.return - o.call) / 1000).toFixed(3) + " ms)");

  const pretty = (v) => v == null ? null : typeof v === "string" ? v : JSON.stringify(v, null, 1);
  const markText = (m) => !m ? null : m[0] === "prefix"
    ? "linearized #" + m[1] + " of " + m[2] + " in the longest linearizable prefix"
    : "could not be placed after the longest linearizable prefix" + (m[1] ? " (" + m[1] + ")" : "");

  const scrollers = Array.from(document.querySelectorAll(".scroller"));
  for (const s of scrollers) {
    s.addEventListener("scroll", () => {
      for (const o of scrollers) if (o !== s && o.scrollLeft !== s.scrollLeft) o.scrollLeft = s.scrollLeft;
    }, { passive: true });
  }

  const tip = document.getElementById("tip");
  const plots = Array.from(document.querySelectorAll("svg.plot"));
  const setCursor = (x) => {
    for (const p of plots) {
      const c = p.querySelector(".cursor");
      c.setAttribute("x1", x);
      c.setAttribute("x2", x);
    }
  };
  for (const p of plots) {
    p.addEventListener("mousemove", (e) => {
      const r = p.getBoundingClientRect();
      const x = e.clientX - r.left;
      setCursor(x);
      const t0 = Number(p.dataset.t0), t1 = Number(p.dataset.t1);
      let text = fmt(t0 + (x / r.width) * (t1 - t0));
      const el = e.target.closest("[data-op]");
      const o = el && ops[el.dataset.op];
      if (o) text = "client " + o.client + " · #" + o.id + " · " + o.label + "\n" + span(o) + (o.mark ? "\n" + markText(o.mark) : "") + "\n" + text;
      tip.textContent = text;
      tip.hidden = false;
      tip.style.left = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + "px";
      tip.style.top = (e.clientY + 16) + "px";
    });
    p.addEventListener("mouseleave", () => { setCursor(-10); tip.hidden = true; });
  }

  for (const f of document.querySelectorAll(".fault")) {
    f.addEventListener("mouseenter", () => {
      for (const p of plots) {
        const b = p.querySelector(".band");
        b.setAttribute("x", f.dataset.start);
        b.setAttribute("width", f.dataset.width);
      }
    });
    f.addEventListener("mouseleave", () => { for (const p of plots) p.querySelector(".band").setAttribute("width", "0"); });
  }

  const panel = document.getElementById("panel");
  const field = (id, v) => {
    const el = document.getElementById(id);
    el.textContent = v == null ? "" : String(v);
    const row = el.closest("[data-field]");
    if (row) row.hidden = v == null || v === "";
  };
  function select(id, scroll) {
    const o = ops[id];
    for (const el of document.querySelectorAll(".op.selected")) el.classList.remove("selected");
    const bar = document.querySelector('.op[data-op="' + id + '"]');
    if (bar) {
      bar.classList.add("selected");
      if (scroll) bar.scrollIntoView({ block: "center", inline: "center" });
    }
    if (!o) return;
    const status = { ok: "completed", error: "failed, no effect", unknown: "unknown outcome" }[o.status] || o.status;
    field("panel-title", "client " + o.client + " · operation #" + o.id + " · " + status);
    field("panel-label", o.label);
    field("panel-span", span(o));
    field("panel-mark", markText(o.mark));
    field("panel-error", o.error);
    field("panel-request", pretty(o.request));
    field("panel-response", pretty(o.response));
    panel.hidden = false;
  }
  document.addEventListener("click", (e) => {
    const t = e.target.closest("[data-op],[data-goto-op]");
    if (!t) return;
    select(t.dataset.op !== undefined ? t.dataset.op : t.dataset.gotoOp, t.dataset.gotoOp !== undefined);
  });
  document.getElementById("panel-close").addEventListener("click", () => { panel.hidden = true; });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") panel.hidden = true; });

  const dim = document.getElementById("dim-toggle");
  if (dim) dim.addEventListener("change", () => document.body.classList.toggle("dim-others", dim.checked));

  const copy = document.getElementById("copy-repro");
  if (copy) copy.addEventListener("click", () => {
    const code = document.getElementById("repro");
    const done = () => { copy.textContent = "copied"; setTimeout(() => { copy.textContent = "copy"; }, 1500); };
    const fallback = () => {
      const r = document.createRange();
      r.selectNodeContents(code);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(r);
      try { document.execCommand("copy"); } catch (_) { /* the text stays selected for Ctrl+C */ }
      done();
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(code.textContent).then(done, fallback);
    else fallback();
  });

  const stuck = document.querySelector(".op.lin-focus") || document.querySelector(".op.lin-stuck");
  if (stuck) select(stuck.dataset.op, true);
  document.body.dataset.ready = "1";
})();
`;
