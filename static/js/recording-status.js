// The recording page follows its recording's transcript status: when the transcription
// panel is swapped in (say, Transcribe was clicked there and a job now runs), the status
// poller is told "panel-swapped" and asks at once, so the badge follows the new job.
// An hx-trigger filter could say this, but htmx evaluates filters with Function(), which
// the Content-Security-Policy (no 'unsafe-eval') forbids.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target?.id !== "transcription-panel") return;
  const poller = document.querySelector("[data-status-watch]");
  if (poller) window.htmx.trigger(poller, "panel-swapped");
});
