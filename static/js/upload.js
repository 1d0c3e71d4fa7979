// Uploads each chosen file in its own request, with a progress bar per file.
// Wired by data attributes: form[data-upload] (data-max-bytes), [data-upload-list].
// Without this script the form posts all files at once and the page reloads.

const MESSAGES = {
  tooLarge: (name) => `“${name}” is larger than the upload limit.`,
  lost: "The connection was lost during the upload.",
  cancelled: "Cancelled.",
  session: "Your session has expired; sign in again and retry.",
  failed: (status) => `Upload failed (HTTP ${status}).`,
};

for (const form of document.querySelectorAll("form[data-upload]")) {
  setUp(form);
}

function setUp(form) {
  const input = form.querySelector('input[type="file"]');
  const list = form.querySelector("[data-upload-list]");
  const button = form.querySelector("[data-upload-submit]");
  const maxBytes = Number(form.dataset.maxBytes || 0);

  form.addEventListener("submit", async (event) => {
    if (!input.files.length) return; // the browser's "required" message applies
    event.preventDefault();
    const files = Array.from(input.files);
    const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    const rows = files.map((file) => addRow(list, file));
    button.disabled = true;
    let uploaded = 0;
    for (const [index, file] of files.entries()) {
      const row = rows[index];
      if (maxBytes && file.size > maxBytes) {
        finish(row, false, MESSAGES.tooLarge(file.name));
        continue;
      }
      try {
        const result = await send(form.action, file, csrf, row);
        finish(row, result.ok, result.ok ? "Uploaded" : result.error, result.url);
        if (result.ok) uploaded += 1;
      } catch (error) {
        finish(row, false, error.message);
      }
    }
    input.value = "";
    button.disabled = false;
    form.dataset.uploadDone = String(uploaded);
    if (uploaded) await refreshMediaList();
  });
}

function addRow(list, file) {
  const row = document.createElement("li");
  row.className = "upload__item";
  row.dataset.uploadItem = file.name;
  const name = document.createElement("span");
  name.className = "upload__name";
  name.textContent = file.name;
  name.title = file.name;
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = 0;
  bar.setAttribute("aria-label", `Upload progress of ${file.name}`);
  const state = document.createElement("span");
  state.className = "upload__state";
  state.textContent = "Waiting…";
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "button button--secondary";
  cancel.textContent = "Cancel";
  cancel.hidden = true;
  row.append(name, bar, state, cancel);
  list.append(row);
  return row;
}

function send(url, file, csrf, row) {
  const bar = row.querySelector("progress");
  const state = row.querySelector(".upload__state");
  const cancel = row.querySelector("button");
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    data.append("files", file, file.name);
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      const percent = Math.floor((event.loaded / event.total) * 100);
      bar.value = percent;
      state.textContent = percent < 100 ? `${percent}%` : "Checking the file…";
    });
    xhr.addEventListener("load", () => {
      cancel.hidden = true;
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null; // not JSON: a login page or a proxy's error page
      }
      if (body && Array.isArray(body.results) && body.results.length) {
        const failed = body.results.find((result) => !result.ok);
        resolve(failed || body.results[0]);
      } else if (xhr.responseURL.includes("/accounts/login/")) {
        reject(new Error(MESSAGES.session));
      } else {
        reject(new Error(MESSAGES.failed(xhr.status)));
      }
    });
    xhr.addEventListener("error", () => reject(new Error(MESSAGES.lost)));
    xhr.addEventListener("abort", () => reject(new Error(MESSAGES.cancelled)));
    cancel.addEventListener("click", () => xhr.abort(), { once: true });
    cancel.hidden = false;
    state.textContent = "0%";
    xhr.send(data);
  });
}

function finish(row, ok, message, url) {
  row.classList.add(ok ? "upload__item--done" : "upload__item--failed");
  const bar = row.querySelector("progress");
  if (ok) bar.value = 100;
  else bar.hidden = true; // the message takes its place
  const state = row.querySelector(".upload__state");
  state.textContent = message;
  if (!ok) state.setAttribute("role", "alert");
  if (ok && url) {
    const link = document.createElement("a");
    link.href = url;
    link.textContent = "Open";
    row.querySelector("button").replaceWith(link);
  } else {
    row.querySelector("button").remove();
  }
}

async function refreshMediaList() {
  const current = document.getElementById("media-list");
  if (!current) return;
  const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.getElementById("media-list");
  if (!fresh) return;
  current.replaceWith(fresh);
  // The fresh list holds the status poller for the new recordings: htmx only wires what it
  // is told about, so without this their badges stay "Waiting to transcribe" until a reload.
  window.htmx?.process(fresh);
}
