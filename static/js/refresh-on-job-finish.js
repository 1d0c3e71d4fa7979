// A panel marked data-refresh-on-job-finish is told "job-finished" (its hx-trigger then
// fetches it again) when a job inside it, polled by htmx, reaches a finished status the
// panel was not rendered with: e.g. succeeded → the panel shows the editor link.
// An hx-trigger filter expression could say this, but htmx evaluates those with Function(),
// which the Content-Security-Policy (no 'unsafe-eval') forbids.
const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

document.addEventListener("htmx:afterSettle", () => {
  for (const panel of document.querySelectorAll("[data-refresh-on-job-finish]")) {
    const status = panel.querySelector("[data-job-status]")?.dataset.jobStatus;
    if (FINISHED.has(status) && status !== panel.dataset.renderedJobStatus) {
      panel.dataset.renderedJobStatus = status; // once
      window.htmx.trigger(panel, "job-finished");
    }
  }
});
