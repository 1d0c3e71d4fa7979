// Autosave of editor drafts: every N seconds while there are new edits, and when the page is
// hidden or left (sendBeacon, falling back to fetch with keepalive). Drafts are not versions.
//
// collect() returns {revision, based_on, segments} or null; nothing is sent when the revision
// has already been sent.

export class Autosave {
  constructor({ url, seconds, csrfToken, collect, onSaved = () => {}, onError = () => {} }) {
    this.url = url;
    this.seconds = Math.max(1, Number(seconds) || 300);
    this.csrfToken = csrfToken;
    this.collect = collect;
    this.onSaved = onSaved;
    this.onError = onError;
    this.sentRevision = null;
    this.paused = false;
    this.timer = 0;
  }

  start() {
    this.timer = setInterval(() => this.send(), this.seconds * 1000);
    const leave = () => this.beacon();
    addEventListener("pagehide", leave);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") leave();
    });
    return this;
  }

  pause() {
    this.paused = true;
  }

  resume() {
    this.paused = false;
  }

  // The editor saved a version (which clears the draft server-side): this revision is settled.
  settled(revision) {
    this.sentRevision = revision;
  }

  #pending() {
    if (this.paused) return null;
    const payload = this.collect();
    if (!payload || payload.revision === this.sentRevision) return null;
    return payload;
  }

  #body(payload) {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", this.csrfToken);
    body.append("based_on", String(payload.based_on));
    body.append("segments", JSON.stringify(payload.segments));
    return body;
  }

  async send() {
    const payload = this.#pending();
    if (!payload) return;
    try {
      const response = await fetch(this.url, {
        method: "POST",
        body: this.#body(payload),
        headers: { "X-CSRFToken": this.csrfToken, Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.sentRevision = payload.revision;
      this.onSaved(await response.json());
    } catch (error) {
      this.onError(error);
    }
  }

  beacon() {
    const payload = this.#pending();
    if (!payload) return;
    const body = this.#body(payload);
    let queued = false;
    try {
      queued = navigator.sendBeacon(this.url, body);
    } catch {
      queued = false;
    }
    if (!queued) {
      // Over the beacon's size limit: keepalive fetch has the same limit, but try anyway.
      fetch(this.url, {
        method: "POST",
        body,
        keepalive: true,
        headers: { "X-CSRFToken": this.csrfToken },
        credentials: "same-origin",
      }).catch(() => {});
    }
    this.sentRevision = payload.revision;
  }
}
