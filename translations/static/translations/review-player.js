// The player and the segment table in sync: clicking a time seeks; while playing, the
// segment under the playhead is highlighted and kept in view.
const audio = document.querySelector("[data-review-player]");
const grid = document.querySelector("[data-review-grid]");
if (audio && grid) {
  const rows = [...grid.querySelectorAll("tr[data-start]")]
    .filter((row) => row.dataset.start !== "")
    .map((row) => ({ row, start: parseFloat(row.dataset.start), end: parseFloat(row.dataset.end) }));
  let current = null;
  grid.addEventListener("click", (event) => {
    const button = event.target.closest("[data-seek]");
    if (!button) return;
    audio.currentTime = parseFloat(button.dataset.seek);
    audio.play();
  });
  audio.addEventListener("timeupdate", () => {
    const t = audio.currentTime;
    const hit = rows.find((r) => t >= r.start && t < r.end) ?? null;
    if (hit?.row === current) return;
    current?.classList.remove("is-playing");
    current = hit?.row ?? null;
    if (current) {
      current.classList.add("is-playing");
      current.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  });
}
