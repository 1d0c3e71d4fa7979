// Working together on one document: who else has it open, the soft lock ("take over"), and
// "H-5 saved by Anna — merge now" the moment someone saves. News comes over the document's
// socket (Django Channels); when the socket cannot open or drops, the page polls
// data-presence-url every data-poll-seconds instead, so it still hears everything, later.
// The editor itself (documents/js) is reached through root.maxEditor once it is wired.

import { Comments } from "./comments.js";

const bar = document.querySelector("[data-collab]");
const root = document.querySelector("[data-editor]");

class Collab {
  constructor(bar, root) {
    this.bar = bar;
    this.root = root;
    this.me = bar.dataset.me; // the user's id, as text
    this.heartbeat = Number(bar.dataset.heartbeatSeconds || 20) * 1000;
    this.pollEvery = Number(bar.dataset.pollSeconds || 10) * 1000;
    this.client = Math.random().toString(36).slice(2) + Date.now().toString(36);
    this.peopleEl = bar.querySelector("[data-presence]");
    this.lockEl = bar.querySelector("[data-lock]");
    this.lockText = bar.querySelector("[data-lock-text]");
    this.noticeEl = bar.querySelector("[data-live-notice]");
    this.noticeText = bar.querySelector("[data-live-notice-text]");
    this.linkState = bar.querySelector("[data-link-state]");
    this.socket = null;
    this.socketFailures = 0;
    this.pollTimer = null;
    this.beatTimer = null;
    this.lock = null;
    this.hadLock = false;
    this.commentsStamp = null;
    this.announced = 0; // the newest version number a "saved by" notice has named
    this.comments = new Comments(this);
    bar.querySelector("[data-take-over]").addEventListener("click", () => this.takeOver());
    bar.querySelector("[data-merge-now]").addEventListener("click", () => this.mergeNow());
    bar.querySelector("[data-reload]").addEventListener("click", () => this.reload());
    bar.querySelector("[data-notice-close]").addEventListener("click", () => {
      this.noticeEl.hidden = true;
    });
    this.editedAt = 0;
    this.announcedAt = 0;
    // The lock goes to whoever edits, not to whoever opens: the first keystroke asks for it.
    document.querySelector("[data-transcript]")?.addEventListener("input", () => this.edited());
    this.wireRequestApproval();
    // A polling page says goodbye as it closes (a socket's close says it by itself).
    addEventListener("pagehide", () => {
      if (!this.pollTimer) return;
      const body = new FormData();
      body.append("client", this.client);
      body.append("leave", "1");
      body.append("csrfmiddlewaretoken", this.csrf());
      navigator.sendBeacon?.(this.bar.dataset.presenceUrl, body);
    });
    this.connect();
  }

  get editor() {
    return this.root?.maxEditor ?? null;
  }

  // -- the socket, and polling when there is none -----------------------------------------

  connect() {
    if (this.isSignedOut) return;
    if (!("WebSocket" in window)) {
      this.startPolling();
      return;
    }
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let socket;
    try {
      socket = new WebSocket(`${scheme}//${location.host}${this.bar.dataset.socketUrl}`);
    } catch {
      this.socketFailures += 1;
      this.startPolling();
      this.reconnectLater();
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
      this.socketFailures = 0;
      this.stopPolling();
      this.setLink("live");
      this.beatTimer = setInterval(
        () => this.send({ type: "heartbeat", editing: this.isEditing() }),
        this.heartbeat,
      );
      if (this.isEditing()) this.send({ type: "editing" });
    });
    socket.addEventListener("message", (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      this.receive(data);
    });
    socket.addEventListener("close", (event) => {
      clearInterval(this.beatTimer);
      this.socket = null;
      if (event.code === 4401) {
        this.signedOut();
        return;
      }
      if (!opened) this.socketFailures += 1;
      // Poll meanwhile; try the socket again after a while (a restarted server).
      this.startPolling();
      this.reconnectLater();
    });
  }

  // However long the server is away (a deploy, a restart), the page keeps trying, less often
  // the longer it fails (2, 4, 8, 16 s, then every 30 s), and goes back to live when it can.
  reconnectLater() {
    clearTimeout(this.reconnectTimer);
    const wait = Math.min(30000, 2000 * 2 ** Math.min(this.socketFailures, 4));
    this.reconnectTimer = setTimeout(() => this.connect(), wait);
  }

  // Editing: unsaved changes, or typing within the lock's lifetime.
  isEditing() {
    return Boolean(this.editor?.hasUnsaved()) || Date.now() - this.editedAt < 2 * this.heartbeat;
  }

  edited() {
    this.editedAt = Date.now();
    // Say so at once the first time (and again after a heartbeat's while): others see who
    // is editing without waiting for the next heartbeat.
    if (this.editedAt - (this.announcedAt || 0) < this.heartbeat) return;
    this.announcedAt = this.editedAt;
    if (!this.send({ type: "editing" }) && this.pollTimer) this.poll();
  }

  send(message) {
    if (this.socket && this.socket.readyState === 1) {
      this.socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  setLink(state) {
    this.linkState.textContent = state;
    this.linkState.dataset.state = state;
    this.bar.dataset.link = state;
  }

  signedOut() {
    this.isSignedOut = true;
    this.stopPolling();
    clearTimeout(this.reconnectTimer);
    this.setLink("signed out");
    this.peopleEl.textContent = "You are signed out: sign in again to see who else is here.";
  }

  startPolling() {
    if (this.isSignedOut) return;
    if (this.pollTimer) return;
    this.setLink("polling");
    this.poll();
    this.pollTimer = setInterval(() => this.poll(), this.pollEvery);
  }

  stopPolling() {
    clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  async poll(extra = {}) {
    const body = new FormData();
    body.append("client", this.client);
    if (this.isEditing()) body.append("editing", "1");
    for (const [k, v] of Object.entries(extra)) body.append(k, v);
    let data;
    try {
      const response = await fetch(this.bar.dataset.presenceUrl, {
        method: "POST",
        body,
        headers: { Accept: "application/json", "X-CSRFToken": this.csrf() },
        credentials: "same-origin",
        redirect: "manual",
      });
      // Sent to the sign-in page: the session ended (a socket is refused then, too).
      if (response.type === "opaqueredirect") {
        this.signedOut();
        return;
      }
      if (!response.ok) return;
      data = await response.json();
    } catch {
      return;
    }
    this.showPeople(data.people);
    // The lock went from this page's user to someone else between two polls: a take-over
    // (a socket is told so; a polling page sees it here).
    const takenFromMe = this.hadLock && data.lock?.holder_id && data.lock.holder_id !== this.me;
    this.showLock(data.lock, takenFromMe ? this.me : null);
    if (data.latest) this.heardLatest(data.latest);
    if (this.commentsStamp !== null && data.comments !== this.commentsStamp) this.comments.load();
    this.commentsStamp = data.comments;
  }

  // The latest version as a poll or a heartbeat's answer names it. Each version is announced
  // once: "Later" keeps it closed until a newer one is saved.
  heardLatest(latest) {
    if (!this.editor || latest.number <= Math.max(this.editor.basedOn, this.announced)) return;
    this.saved({ number: latest.number, label: latest.label, by_id: latest.by_id, by_name: latest.by_name });
  }

  csrf() {
    return this.root?.dataset.csrf || document.querySelector("[name=csrfmiddlewaretoken]")?.value || "";
  }

  // -- what the socket says ------------------------------------------------------------------

  receive(data) {
    switch (data.type) {
      case "hello":
        this.showPeople(data.people);
        this.showLock(data.lock, null);
        if (data.latest) this.heardLatest(data.latest);
        break;
      case "presence":
        this.showPeople(data.people);
        if (data.lock) this.showLock(data.lock, null);
        if (data.latest) this.heardLatest(data.latest);
        break;
      case "lock":
        this.showLock(data.lock, data.taken_from);
        break;
      case "saved":
        this.saved(data);
        break;
      case "comments":
        this.comments.load();
        break;
      case "approval":
        // A request or a decision: the page's approval card and buttons are from before it.
        this.notice(`${data.text} Reload to see it.`, false, true);
        break;
    }
  }

  showPeople(people) {
    const others = (people || []).filter((p) => p.user_id !== this.me);
    this.peopleEl.replaceChildren();
    if (!others.length) {
      const only = document.createElement("span");
      only.className = "muted";
      only.textContent = "Only you have this open.";
      this.peopleEl.append(only);
      this.bar.dataset.others = "0";
      return;
    }
    this.peopleEl.append("Also here: ");
    others.forEach((p, n) => {
      const chip = document.createElement("span");
      chip.className = "presence-chip";
      chip.dataset.userId = p.user_id;
      chip.textContent = p.name;
      if (n) this.peopleEl.append(" ");
      this.peopleEl.append(chip);
    });
    this.bar.dataset.others = String(others.length);
  }

  showLock(lock, takenFrom) {
    this.lock = lock;
    const mine = lock && lock.holder_id === this.me;
    if (takenFrom === this.me && !mine) {
      this.notice(
        `${lock.holder_name} took over editing. Your unsaved changes are still here: save them (they merge) or leave.`,
        false,
      );
    }
    this.hadLock = mine;
    if (!lock || !lock.holder_id || mine) {
      this.lockEl.hidden = true;
      return;
    }
    const since = lock.locked_at ? new Date(lock.locked_at) : null;
    const time = since ? since.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
    this.lockText.textContent = `${lock.holder_name} is editing (since ${time}). Your saves still merge; take over to let them know you are editing now.`;
    this.lockEl.hidden = false;
  }

  takeOver() {
    const question = `Take over editing from ${this.lock?.holder_name || "the other editor"}? They are told at once.`;
    if (!confirm(question)) return;
    if (!this.send({ type: "take_over" })) this.poll({ take_over: "1" });
  }

  // -- someone saved -------------------------------------------------------------------------

  saved(data) {
    const editor = this.editor;
    if (!editor) return;
    if (editor.saver?.saving) {
      // Perhaps this page's own save, whose answer has not arrived yet: look again after.
      setTimeout(() => this.saved(data), 300);
      return;
    }
    if (data.number <= editor.basedOn) return; // this page has it (its own save)
    this.announced = Math.max(this.announced, data.number);
    this.pending = data;
    const who = data.by_id === this.me ? "you, on another page" : data.by_name;
    const unsaved = editor.hasUnsaved();
    this.notice(
      `${data.label} saved by ${who} — ${unsaved ? "merge now: your unsaved changes are saved and merged with theirs." : "merge now to see their changes."}`,
      true,
    );
    this.noticeEl.dataset.label = data.label;
  }

  notice(text, withMerge, withReload = false) {
    this.noticeText.textContent = text;
    this.bar.querySelector("[data-merge-now]").hidden = !withMerge;
    this.bar.querySelector("[data-reload]").hidden = !withReload;
    this.noticeEl.hidden = false;
  }

  // Reload to show others' news; unsaved text is kept as a draft first (offered back).
  reload() {
    const editor = this.editor;
    if (editor?.guard && editor.hasUnsaved()) editor.guard.leave(() => location.reload());
    else location.reload();
  }

  async mergeNow() {
    const editor = this.editor;
    if (!editor) {
      location.reload();
      return;
    }
    if (editor.hasUnsaved()) {
      // The save merges with what they saved and reloads to show both (save.js).
      this.noticeEl.hidden = true;
      await editor.saver.save();
      return;
    }
    editor.leaving = true;
    location.reload();
  }

  // -- "Request approval" saves unsaved edits first, like Finalize -------------------------

  wireRequestApproval() {
    const form = document.querySelector("[data-request-approval-form]");
    if (!form) return;
    let busy = false;
    form.addEventListener("submit", async (event) => {
      const editor = this.editor;
      if (busy) {
        event.preventDefault();
        return;
      }
      if (!editor || !editor.hasUnsaved()) return;
      event.preventDefault();
      if (!confirm("Save your changes as a new version first, then request its approval?")) return;
      busy = true;
      if (await editor.saver.save()) {
        if (editor.guard) editor.guard.submit(form);
        else form.submit();
      } else {
        busy = false;
      }
    });
  }
}

if (bar) {
  const begin = () => {
    if (!bar.collab) bar.collab = new Collab(bar, root);
  };
  // Wait for the editor to be wired (it owns the segments comments hang on), but not forever.
  if (!root || root.maxEditor) begin();
  else {
    root.addEventListener("max:editor-ready", begin, { once: true });
    setTimeout(begin, 3000);
  }
}
