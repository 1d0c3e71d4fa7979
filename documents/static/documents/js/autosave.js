// Autosave of editor drafts: every N seconds while there are new edits, on demand before the
// page is left by one of its own links or forms (flush, awaited), and when the page is hidden
// or left otherwise (sendBeacon, falling back to fetch with keepalive). Drafts are not
// versions.
//
// collect() returns {revision, based_on, segments} or null; nothing is sent when the revision
// has already been sent. Every request names the page load (`page`, `page_loaded`), so the
// server never lets this page overwrite or clear a draft another page wrote after it opened;
// it answers 409 "newer" instead, and autosave pauses.

export class Autosave {
  constructor({
    url,
    seconds,
    csrfToken,
    collect,
    page = "",
    pageLoaded = "",
    revision = 0,
    onSaved = () => {},
    onError = () => {},
    onNewer = () => {},
  }) {
    this.url = url;
    this.seconds = Math.max(1, Number(seconds) || 300);
    this.csrfToken = csrfToken;
    this.collect = collect;
    this.page = page;
    this.pageLoaded = pageLoaded;
    this.onSaved = onSaved;
    this.onError = onError;
    this.onNewer = onNewer;
    // What the page opened with is already on the server (nothing, or the restored draft):
    // an untouched page never sends anything, so it cannot clear someone's draft.
    this.sentRevision = revision;
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
    if (payload.structure) body.append("structure", JSON.stringify(payload.structure));
    body.append("page", this.page);
    body.append("page_loaded", this.pageLoaded);
    return body;
  }

  async #post(payload) {
    const response = await fetch(this.url, {
      method: "POST",
      body: this.#body(payload),
      headers: { "X-CSRFToken": this.csrfToken, Accept: "application/json" },
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 409 && data.status === "newer") {
      this.pause();
      this.onNewer(data);
      return false;
    }
    if (!response.ok) throw new Error(data.message || `HTTP ${response.status}`);
    this.sentRevision = payload.revision;
    this.onSaved(data);
    return true;
  }

  async send() {
    const payload = this.#pending();
    if (!payload) return;
    try {
      await this.#post(payload);
    } catch (error) {
      this.onError(error);
    }
  }

  // Send the newest edits now and wait for the server to have them. True when the draft
  // on the server holds everything typed (or there was nothing new), false when it could not
  // be kept (autosave paused, a newer draft elsewhere, or no connection).
  async flush() {
    if (this.paused) return false;
    const payload = this.collect();
    if (!payload) return false;
    if (payload.revision === this.sentRevision) return true;
    try {
      // Awaited before the page is left, so no keepalive (and none of its 64 KB limit).
      return await this.#post(payload);
    } catch (error) {
      this.onError(error);
      return false;
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
