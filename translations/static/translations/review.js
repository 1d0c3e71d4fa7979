// Translation review: each segment's state (machine, needs review, reviewed) and QA marks,
// translation memory suggestions with one-click use, filters ("needs review only", "QA
// errors only"), Alt+↓ / Alt+↑ to the next or previous shown segment, and Mark reviewed.
//
// Marks come from the page's own JSON endpoints ([data-review] data-marks-url,
// data-memory-url), keyed by segment position, and are added to whichever segments the
// editor has rendered (it renders only what is on screen), so they follow its windowing.

import { focusSegment } from "../documents/js/segments.js";

const STATE_LABELS = { machine: "Machine", needs_review: "Needs review", reviewed: "Reviewed" };

class Review {
  constructor(editor, card) {
    this.editor = editor;
    this.card = card;
    this.marks = [];
    this.memory = {};
    this.filter = "all";
    this.cursor = -1;
    this.edited = new Set();
    this.csrf = card.querySelector("[name=csrfmiddlewaretoken]")?.value || editor.csrf || "";
    card.querySelectorAll("[data-review-filter]").forEach((input) =>
      input.addEventListener("change", () => {
        this.filter = input.value;
        this.decorateAll();
      }),
    );
    card.querySelector("[data-review-next]").addEventListener("click", () => this.move(1));
    card.querySelector("[data-review-prev]").addEventListener("click", () => this.move(-1));
    card.querySelector("[data-review-mark-visible]").addEventListener("click", () =>
      this.markReviewed(this.shown()),
    );
    document.addEventListener("keydown", (event) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        this.move(event.key === "ArrowDown" ? 1 : -1);
      }
    });
    editor.container.addEventListener("focusin", (event) => {
      const seg = event.target.closest?.(".seg");
      if (seg) this.cursor = +seg.dataset.i;
    });
    editor.container.addEventListener("click", (event) => this.onClick(event));
    editor.container.addEventListener("input", (event) => {
      const seg = event.target.closest?.(".seg");
      if (seg) {
        this.edited.add(+seg.dataset.i);
        this.decorate(seg);
      }
    });
    new MutationObserver(() => this.decorateAll()).observe(editor.container, {
      childList: true,
      subtree: true,
    });
    this.load();
  }

  async load() {
    const [marks, memory] = await Promise.all([
      fetch(this.card.dataset.marksUrl, { headers: { Accept: "application/json" } }).then((r) =>
        r.json(),
      ),
      fetch(this.card.dataset.memoryUrl, { headers: { Accept: "application/json" } })
        .then((r) => r.json())
        .catch(() => ({ segments: {} })),
    ]);
    this.marks = marks.segments;
    this.memory = memory.segments || {};
    this.summary = marks;
    this.renderSummary();
    this.decorateAll();
    this.card.dataset.reviewReady = "1";
  }

  renderSummary() {
    const s = this.summary;
    const fmt = (n) => n.toLocaleString("en");
    this.card.querySelector("[data-review-progress]").textContent =
      `${fmt(s.reviewed)} of ${fmt(s.total)} reviewed · ${fmt(s.needs_review)} need review`;
    const qa = this.card.querySelector("[data-review-qa]");
    qa.replaceChildren();
    const head = document.createElement("p");
    head.textContent = s.qa.errors
      ? `QA: ${s.qa.errors} segment${s.qa.errors === 1 ? "" : "s"} with errors, ${s.qa.warnings} with warnings`
      : `QA: no errors${s.qa.warnings ? `, ${s.qa.warnings} with warnings` : ""}`;
    qa.append(head);
    if (s.qa.checks.length) {
      const list = document.createElement("ul");
      for (const c of s.qa.checks) {
        const li = document.createElement("li");
        li.textContent = `${c.label}: ${c.count}`;
        list.append(li);
      }
      qa.append(list);
    }
    const finalize = this.card.querySelector("[data-review-finalize]");
    finalize.hidden = !s.qa.errors;
    finalize.querySelector("[data-review-qa-errors]").value = String(s.qa.errors);
  }

  hasError(i) {
    return (this.marks[i]?.qa || []).some((q) => q.severity === "error");
  }

  matches(i) {
    if (this.filter === "needs_review") return this.marks[i]?.state === "needs_review";
    if (this.filter === "qa") return this.hasError(i);
    return true;
  }

  shown() {
    return this.marks.filter((m) => this.matches(m.i)).map((m) => m.i);
  }

  decorateAll() {
    for (const seg of this.editor.container.querySelectorAll(".seg[data-i]")) this.decorate(seg);
  }

  decorate(seg) {
    const i = +seg.dataset.i;
    const mark = this.marks[i];
    if (!mark) return;
    // A segment edited here is reviewed once saved (the server marks it so).
    const seg_ = this.editor.segs[i];
    if (seg_ && seg_.text !== seg_.saved) this.edited.add(i);
    const state = this.edited.has(i) ? "reviewed" : mark.state;
    seg.classList.toggle("is-filtered-out", !this.matches(i));
    seg.dataset.state = state;
    const key = `${state}|${this.filter}|${mark.qa.length}|${(this.memory[i] || []).length}`;
    let box = seg.querySelector(":scope > .seg__review");
    if (box && box.dataset.key === key) return;
    if (!box) {
      box = document.createElement("div");
      box.className = "seg__review";
      seg.append(box);
    }
    box.dataset.key = key;
    box.replaceChildren();
    const badge = document.createElement("span");
    badge.className = `state-badge state-badge--${state}`;
    badge.textContent = STATE_LABELS[state] || state;
    box.append(badge);
    if (state !== "reviewed") {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link-button";
      button.dataset.markReviewed = String(i);
      button.textContent = "Mark reviewed";
      box.append(button);
    }
    for (const q of mark.qa) {
      // The editor shows the voice-over budget itself, measured again whenever it redraws the
      // segment (when the editor leaves it), so it also covers unsaved text.
      if (q.check === "budget" && this.editor.budgetCps) continue;
      const el = document.createElement("span");
      el.className = `qa-mark qa-mark--${q.severity}`;
      el.textContent = q.message;
      el.title = q.check;
      box.append(el);
    }
    for (const [n, m] of (this.memory[i] || []).entries()) {
      const el = document.createElement("span");
      el.className = "tm-suggestion";
      el.textContent = `Memory ${m.score} %: ${m.target} `;
      el.title = `English in memory: ${m.source}`;
      const use = document.createElement("button");
      use.type = "button";
      use.className = "link-button";
      use.dataset.useMemory = `${i}:${n}`;
      use.textContent = "Use";
      el.append(use);
      box.append(el);
    }
  }

  onClick(event) {
    const mark = event.target.closest?.("[data-mark-reviewed]");
    if (mark) {
      this.markReviewed([+mark.dataset.markReviewed]);
      return;
    }
    const use = event.target.closest?.("[data-use-memory]");
    if (!use) return;
    const [i, n] = use.dataset.useMemory.split(":").map(Number);
    const suggestion = this.memory[i]?.[n];
    if (!suggestion) return;
    this.editor.segs[i].text = suggestion.target;
    this.editor.touch(i);
    this.editor.view.refresh(i);
    this.decorateAll();
  }

  move(step) {
    // "All segments": the ones still to look at (not reviewed, or with a QA error).
    const shown =
      this.filter === "all"
        ? this.marks
            .filter((m) => (m.state !== "reviewed" && !this.edited.has(m.i)) || this.hasError(m.i))
            .map((m) => m.i)
        : this.shown();
    if (!shown.length) return;
    let target;
    if (step > 0) target = shown.find((i) => i > this.cursor) ?? shown[0];
    else target = [...shown].reverse().find((i) => i < this.cursor) ?? shown[shown.length - 1];
    this.cursor = target;
    focusSegment(this.editor, target);
  }

  async markReviewed(indexes) {
    // Saved edits are reviewed already; unsaved ones become reviewed when saved.
    const todo = indexes.filter((i) => this.marks[i] && this.marks[i].state !== "reviewed");
    if (!todo.length) return;
    const body = new FormData();
    body.append("segments", todo.join(","));
    const response = await fetch(this.card.dataset.markUrl, {
      method: "POST",
      body,
      headers: { Accept: "application/json", "X-CSRFToken": this.csrf },
    });
    const reply = await response.json();
    if (!response.ok) {
      this.editor.status?.(reply.error || "Could not mark the segments reviewed.", "error");
      return;
    }
    for (const i of todo) this.marks[i].state = "reviewed";
    this.summary.reviewed += todo.length;
    this.renderSummary();
    this.decorateAll();
    this.editor.status?.(`${todo.length} segment${todo.length === 1 ? "" : "s"} marked reviewed (${reply.label}).`);
  }
}

const root = document.querySelector("[data-editor]");
const card = document.querySelector("[data-review]");
if (root && card) {
  const begin = (editor) => new Review(editor, card);
  if (root.maxEditor) begin(root.maxEditor);
  else root.addEventListener("max:editor-ready", (event) => begin(event.detail), { once: true });
}
