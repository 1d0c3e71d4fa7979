// The media player beside the editor: seek, play/pause, skip, and a per-frame time feed
// while playing (timeupdate fires only ~4 times a second, too coarse for word highlighting).

export class Player {
  constructor(media) {
    this.media = media;
    this.listeners = [];
    this.frame = 0;
    media.addEventListener("play", () => this.#loop());
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
    this.media.currentTime = Math.max(0, seconds);
    this.#emit();
  }

  skip(delta) {
    this.seek(this.media.currentTime + delta);
  }

  toggle() {
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
