// The media player beside the editor: seek, play/pause, skip, and a per-frame time feed
// while playing (timeupdate fires only ~4 times a second, too coarse for word highlighting).

export class Player {
  constructor(media) {
    this.media = media;
    this.listeners = [];
    this.frame = 0;
    this.pendingSeek = null;
    media.addEventListener("play", () => this.#loop());
    media.addEventListener("loadedmetadata", () => {
      // A seek asked for before the media was known (opening at ?t=): apply it now.
      if (this.pendingSeek != null) this.media.currentTime = this.pendingSeek;
      this.pendingSeek = null;
    });
    for (const name of ["pause", "seeked", "ended", "loadedmetadata"]) {
      media.addEventListener(name, () => this.#emit());
    }
  }

  get time() {
    return this.media.currentTime;
  }

  get paused() {
    return this.media.paused;
  }

  seek(seconds) {
    if (!Number.isFinite(seconds)) return;
    const t = Math.max(0, seconds);
    if (this.media.readyState === HTMLMediaElement.HAVE_NOTHING) this.pendingSeek = t;
    this.media.currentTime = t;
    this.#emit();
  }

  playFrom(seconds) {
    this.until = null;
    this.seek(seconds);
    this.media.play().catch(() => {});
  }

  // Play [from, to] and stop: one word, for review.
  playSpan(from, to) {
    this.playFrom(from);
    this.until = to;
  }

  skip(delta) {
    this.until = null;
    this.seek(this.media.currentTime + delta);
  }

  toggle() {
    this.until = null;
    if (this.media.paused) {
      this.media.play().catch(() => {});
    } else {
      this.media.pause();
    }
  }

  setRate(rate) {
    this.media.playbackRate = rate;
  }

  onTime(callback) {
    this.listeners.push(callback);
  }

  #emit() {
    const t = this.media.currentTime;
    for (const callback of this.listeners) callback(t, this.media.paused);
  }

  #loop() {
    cancelAnimationFrame(this.frame);
    const tick = () => {
      if (this.until != null && this.media.currentTime >= this.until) {
        this.until = null;
        this.media.pause();
      }
      this.#emit();
      if (!this.media.paused && !this.media.ended) this.frame = requestAnimationFrame(tick);
    };
    tick();
  }
}

// Wire the optional button row under the <audio> element.
export function wireControls(player, root) {
  if (!root) return;
  root.hidden = false;
  const play = root.querySelector('[data-action="play"]');
  const sync = () => {
    if (play) play.textContent = player.paused ? "Play" : "Pause";
  };
  player.media.addEventListener("play", sync);
  player.media.addEventListener("pause", sync);
  root.addEventListener("click", (event) => {
    const action = event.target.closest("[data-action]")?.dataset.action;
    if (action === "play") player.toggle();
    if (action === "back") player.skip(-5);
    if (action === "forward") player.skip(5);
  });
  root.querySelector('[data-action="rate"]')?.addEventListener("change", (event) => {
    player.setRate(Number(event.target.value) || 1);
  });
}
