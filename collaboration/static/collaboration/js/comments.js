// Comments beside the segments: a speech-bubble button on every segment (with the number of open
// threads), the threads in the side panel, replies, resolve and reopen. A comment names the
// segment by its position in the version the page shows; the server anchors it by the
// segment's id, so it stays on that segment through later versions. Selected words in the
// segment become the comment's word range.

export class Comments {
  constructor(collab) {
    this.collab = collab;
    this.panel = document.querySelector("[data-comments]");
    this.url = collab.bar.dataset.commentsUrl;
    this.threads = [];
    this.expanded = new Set(); // long comments opened with "Show more" (kept across redraws)
    this.target = null; // {segment, wordStart, wordEnd, quote}
    if (!this.panel) return;
    this.list = this.panel.querySelector("[data-comment-threads]");
    this.form = this.panel.querySelector("[data-comment-form]");
    this.anchor = this.panel.querySelector("[data-comment-anchor]");
    this.message = this.panel.querySelector("[data-comment-message]");
    this.count = this.panel.querySelector("[data-comments-count]");
    this.empty = this.panel.querySelector("[data-comments-empty]");
    this.showResolved = this.panel.querySelector("[data-show-resolved]");
    this.showResolved.addEventListener("change", () => this.render());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.add();
    });
    this.panel.querySelector("[data-comment-cancel]").addEventListener("click", () => {
      this.form.hidden = true;
      this.target = null;
    });
    this.list.addEventListener("click", (event) => this.clicked(event));
    // The keyboard's way (and a phone's): the segment the caret was last in.
    this.here = this.panel.querySelector("[data-comment-here]");
    this.lastSegment = null;
    this.here.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
    this.here.addEventListener("click", () => this.lastSegment != null && this.open(this.lastSegment));
    this.list.addEventListener("submit", (event) => {
      event.preventDefault();
      this.reply(event.target);
    });
    const container = document.querySelector("[data-transcript]");
    if (container) {
      this.container = container;
      // Segments are drawn and redrawn as they scroll into view: mark each one drawn.
      new MutationObserver(() => this.scheduleMarks()).observe(container, { childList: true, subtree: true });
      container.addEventListener("mousedown", (event) => {
        // Keep the selection: the button is pressed while words are selected.
        if (event.target.closest?.("[data-comment-segment]")) event.preventDefault();
      });
      container.addEventListener("focusin", (event) => {
        const seg = event.target.closest?.(".seg[data-i]");
        if (!seg) return;
        this.lastSegment = Number(seg.dataset.i);
        this.here.disabled = false;
        this.here.textContent = `Comment on segment ${this.lastSegment + 1}`;
      });
      container.addEventListener("click", (event) => {
        const button = event.target.closest?.("[data-comment-segment]");
        if (!button) return;
        event.preventDefault();
        this.open(Number(button.dataset.commentSegment));
      });
    }
    this.load();
  }

  get editor() {
    return this.collab.editor;
  }

  async load() {
    try {
      const response = await fetch(this.url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        redirect: "error",
      });
      if (!response.ok) return;
      this.threads = (await response.json()).threads || [];
    } catch {
      return;
    }
    this.render();
    this.scheduleMarks();
  }

  async post(fields, sentReplyOf = null) {
    const body = new FormData();
    for (const [k, v] of Object.entries(fields)) if (v != null) body.append(k, v);
    let response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        body,
        headers: { Accept: "application/json", "X-CSRFToken": this.collab.csrf() },
        credentials: "same-origin",
        redirect: "error",
      });
    } catch {
      return { ok: false, message: "Could not reach the server; try again." };
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) return { ok: false, message: data.message || `Refused (HTTP ${response.status}).` };
    this.threads = data.threads || [];
    this.render(sentReplyOf);
    this.scheduleMarks();
    return { ok: true };
  }

  // -- new thread ----------------------------------------------------------------------------

  open(segment) {
    if (this.editor?.structureCount?.()) {
      // Unsaved splits and merges move the segments: a comment is anchored to a saved one.
      this.message.textContent = "Save your segment changes first, then comment.";
      this.form.hidden = false;
      this.anchor.textContent = "";
      this.form.querySelector("textarea").hidden = true;
      this.form.querySelector("button[type=submit]").hidden = true;
      return;
    }
    this.form.querySelector("textarea").hidden = false;
    this.form.querySelector("button[type=submit]").hidden = false;
    // Word positions are counted in the saved text: with unsaved edits in the segment the
    // selected words may be others there, so the comment goes on the whole segment.
    const seg = this.editor?.segs?.[segment];
    const unsaved = Boolean(seg && seg.text !== seg.saved);
    const words = unsaved ? {} : this.selectedWords(segment);
    this.target = { segment, ...words };
    this.anchor.textContent = words.quote
      ? `On segment ${segment + 1}: “${words.quote}”`
      : `On segment ${segment + 1}`;
    if (unsaved && !getSelection()?.isCollapsed) {
      this.anchor.textContent += " (the whole segment: save your edits to it to comment on words)";
    }
    this.message.textContent = "";
    this.form.hidden = false;
    this.panel.scrollIntoView({ block: "nearest" });
    this.form.querySelector("textarea").focus();
  }

  selectedWords(segment) {
    const selection = getSelection();
    const segEl = this.editor?.view?.element(segment);
    if (!selection || selection.isCollapsed || !segEl) return {};
    const range = selection.getRangeAt(0);
    const hit = [...segEl.querySelectorAll(".seg__text [data-w]")].filter((w) => range.intersectsNode(w));
    if (!hit.length) return {};
    const ks = hit.map((w) => Number(w.dataset.w));
    const wordStart = Math.min(...ks);
    const wordEnd = Math.max(...ks) + 1;
    return { wordStart, wordEnd, quote: hit.map((w) => w.textContent).join(" ") };
  }

  async add() {
    if (!this.target) return;
    const textarea = this.form.querySelector("textarea");
    const button = this.form.querySelector("button[type=submit]");
    button.disabled = true; // a double click adds one comment
    const result = await this.post({
      body: textarea.value,
      segment: String(this.target.segment),
      version: String(this.editor?.basedOn ?? ""),
      word_start: this.target.wordStart ?? null,
      word_end: this.target.wordEnd ?? null,
    });
    button.disabled = false;
    if (!result.ok) {
      this.message.textContent = result.message;
      return;
    }
    textarea.value = "";
    this.form.hidden = true;
    // Back to the segment (on a phone the form is far above the text).
    const segment = this.target.segment;
    this.target = null;
    (await this.editor?.view?.reveal(segment))?.scrollIntoView({ block: "center" });
  }

  // -- threads -------------------------------------------------------------------------------

  async clicked(event) {
    const more = event.target.closest("button[data-comment-more]");
    if (more) {
      const id = more.dataset.commentMore;
      const open = !this.expanded.has(id);
      if (open) this.expanded.add(id);
      else this.expanded.delete(id);
      more.previousElementSibling.classList.toggle("is-open", open);
      more.textContent = open ? "Show less" : "Show more";
      return;
    }
    const button = event.target.closest("button[data-thread-action]");
    if (button) {
      button.disabled = true;
      const thread = button.closest("[data-thread]");
      const result = await this.post({
        comment: thread.dataset.thread,
        resolved: button.dataset.threadAction === "resolve" ? "1" : "0",
      });
      if (!result.ok) {
        button.disabled = false;
        thread.querySelector("[data-thread-message]").textContent = result.message;
      }
      return;
    }
    const link = event.target.closest("[data-goto-segment]");
    if (link) {
      event.preventDefault();
      const i = Number(link.dataset.gotoSegment);
      // In a long document the segment may not be fetched yet: reveal fetches it first.
      const el = await this.editor?.view?.reveal(i);
      el?.scrollIntoView({ block: "center" });
      el?.classList.add("is-commented-target");
      setTimeout(() => el?.classList.remove("is-commented-target"), 1500);
    }
  }

  async reply(form) {
    const thread = form.closest("[data-thread]");
    const textarea = form.querySelector("textarea");
    const button = form.querySelector("button");
    button.disabled = true;
    const result = await this.post({ reply_to: thread.dataset.thread, body: textarea.value }, thread.dataset.thread);
    if (!result.ok) {
      button.disabled = false;
      thread.querySelector("[data-thread-message]").textContent = result.message;
    }
  }

  // Redrawn whenever anyone adds, resolves or reopens a comment: a reply being written stays,
  // with its caret (except the one just sent: `sentReplyOf`).
  render(sentReplyOf = null) {
    const drafts = new Map();
    for (const area of this.list.querySelectorAll("[data-thread] .thread__reply textarea")) {
      const id = area.closest("[data-thread]").dataset.thread;
      if (id === sentReplyOf || (!area.value && document.activeElement !== area)) continue;
      drafts.set(id, {
        value: area.value,
        focused: document.activeElement === area,
        start: area.selectionStart,
        end: area.selectionEnd,
      });
    }
    const open = this.threads.filter((t) => !t.resolved);
    this.count.hidden = !open.length;
    this.count.textContent = `${open.length} open`;
    this.empty.hidden = this.threads.length > 0;
    const shown = this.showResolved.checked ? this.threads : open;
    const items = shown
      .slice()
      .sort((a, b) => (a.segment_index ?? 1e9) - (b.segment_index ?? 1e9))
      .map((t) => this.threadElement(t));
    this.list.replaceChildren(...items);
    for (const [id, draft] of drafts) {
      const area = [...this.list.querySelectorAll("[data-thread]")]
        .find((li) => li.dataset.thread === id)
        ?.querySelector(".thread__reply textarea");
      if (!area) continue; // the thread was resolved: nothing to reply to
      area.value = draft.value;
      if (draft.focused) {
        area.focus({ preventScroll: true });
        area.setSelectionRange(draft.start, draft.end);
      }
    }
  }

  threadElement(t) {
    const li = document.createElement("li");
    li.className = `thread${t.resolved ? " is-resolved" : ""}`;
    li.dataset.thread = t.id;
    const where = document.createElement(t.segment_index == null ? "span" : "a");
    where.className = "thread__where";
    if (t.segment_index == null) {
      where.textContent = "A segment no longer in the text";
    } else {
      where.href = "#";
      where.dataset.gotoSegment = t.segment_index;
      where.textContent = `Segment ${t.segment_index + 1}`;
    }
    li.append(where);
    if (t.quote) {
      const q = document.createElement("q");
      q.className = "thread__quote";
      q.textContent = t.quote;
      li.append(" ", q);
    }
    for (const c of [t, ...t.replies]) li.append(this.commentElement(c));
    if (t.resolved) {
      const note = document.createElement("p");
      note.className = "muted thread__resolved";
      note.textContent = `Resolved by ${t.resolved_by}`;
      li.append(note);
    }
    const actions = document.createElement("div");
    actions.className = "thread__actions";
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "button button--secondary button--small";
    toggle.dataset.threadAction = t.resolved ? "reopen" : "resolve";
    toggle.textContent = t.resolved ? "Reopen" : "Resolve";
    actions.append(toggle);
    li.append(actions);
    if (!t.resolved) {
      const form = document.createElement("form");
      form.className = "thread__reply";
      const area = document.createElement("textarea");
      area.rows = 1;
      area.maxLength = 5000;
      area.required = true;
      area.placeholder = "Reply…";
      area.setAttribute("aria-label", `Reply on segment ${(t.segment_index ?? -1) + 1}`);
      const send = document.createElement("button");
      send.type = "submit";
      send.className = "button button--small";
      send.textContent = "Reply";
      form.append(area, send);
      li.append(form);
    }
    const message = document.createElement("p");
    message.className = "thread__message";
    message.dataset.threadMessage = "";
    li.append(message);
    return li;
  }

  commentElement(c) {
    const div = document.createElement("div");
    div.className = "comment";
    const head = document.createElement("p");
    head.className = "comment__head";
    const who = document.createElement("strong");
    who.textContent = c.author;
    const when = document.createElement("time");
    when.dateTime = c.created_at;
    when.textContent = new Date(c.created_at).toLocaleString([], { dateStyle: "short", timeStyle: "short" });
    head.append(who, " · ", when);
    if (c.version_label) head.append(` · on ${c.version_label}`);
    const body = document.createElement("p");
    body.className = "comment__body";
    body.textContent = c.body;
    div.append(head, body);
    if (c.body.length > 400 || c.body.split("\n").length > 6) {
      // A long comment would make the panel a tall column: its beginning, then "Show more".
      const open = this.expanded.has(c.id);
      body.classList.add("is-long");
      body.classList.toggle("is-open", open);
      const more = document.createElement("button");
      more.type = "button";
      more.className = "comment__more";
      more.dataset.commentMore = c.id;
      more.textContent = open ? "Show less" : "Show more";
      div.append(more);
    }
    return div;
  }

  // -- the bubble beside each segment ---------------------------------------------------------

  scheduleMarks() {
    if (this.marking || !this.container) return;
    this.marking = true;
    requestAnimationFrame(() => {
      this.marking = false;
      this.mark();
    });
  }

  mark() {
    const open = new Map();
    const ranges = new Map(); // segment -> [[start, end, quote]] of open threads on words
    for (const t of this.threads) {
      if (t.resolved || t.segment_index == null) continue;
      open.set(t.segment_index, (open.get(t.segment_index) || 0) + 1);
      if (t.word_start != null && t.quote) {
        if (!ranges.has(t.segment_index)) ranges.set(t.segment_index, []);
        ranges.get(t.segment_index).push([t.word_start, t.word_end, t.quote]);
      }
    }
    for (const segEl of this.container.querySelectorAll(".seg[data-i]")) {
      const i = Number(segEl.dataset.i);
      let button = segEl.querySelector(":scope > [data-comment-segment]");
      if (!button) {
        button = document.createElement("button");
        button.type = "button";
        button.className = "seg__comment";
        button.tabIndex = -1;
        button.dataset.commentSegment = String(i);
        segEl.append(button);
      }
      const n = open.get(i) || 0;
      const label = n ? String(n) : "+";
      if (button.textContent !== label) button.textContent = label;
      button.title = n
        ? `${n} open comment${n === 1 ? "" : "s"} on segment ${i + 1}: add one`
        : `Comment on segment ${i + 1} (or on the words selected in it)`;
      button.setAttribute("aria-label", button.title);
      segEl.classList.toggle("has-comments", n > 0);
      this.markWords(segEl, ranges.get(i) || []);
    }
  }

  // The words a thread is about, underlined while they are still the words it quoted.
  markWords(segEl, ranges) {
    const words = [...segEl.querySelectorAll(".seg__text [data-w]")];
    const wanted = new Set();
    for (const [start, end, quote] of ranges) {
      const now = words.slice(start, end).map((w) => w.textContent).join(" ");
      if (now === quote) for (let k = start; k < end; k++) wanted.add(k);
    }
    for (const w of words) {
      const on = wanted.has(Number(w.dataset.w));
      if (w.classList.contains("is-commented") !== on) w.classList.toggle("is-commented", on);
    }
  }
}
