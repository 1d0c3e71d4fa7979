// Nothing on a page with unsaved edits may drop them (DESIGN.md "Trust comes first").
//
// Links and forms of the page that would leave or reload it first keep the edits as a draft
// (awaited, so the draft is on the server before the next page is asked for: that page then
// offers it back); when that is impossible the user is asked. Leaving any other way (closing
// the tab, typing an address) asks through `beforeunload`. Forms also post only once: a
// second click while the first post is on its way does nothing.
//
// Controls that work in place mark their events handled (preventDefault) and are left alone.

const submitForm = HTMLFormElement.prototype.submit;
const disableTimers = new WeakMap();

function leavesThePage(link, event) {
  if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
    return false; // a new tab or window: this page stays
  }
  if (link.hasAttribute("download") || (link.target && link.target !== "_self")) return false;
  const url = new URL(link.href, location.href);
  if (!/^https?:$/.test(url.protocol)) return false;
  const here = new URL(location.href);
  return !(url.hash && url.origin === here.origin && url.pathname === here.pathname && url.search === here.search);
}

export class LeaveGuard {
  // hasUnsaved(): are there edits not saved as a version?  keepDraft(): async, true when the
  // server holds them as a draft.  describe(): what would be lost, for the question.
  constructor({ hasUnsaved, keepDraft, describe = () => "your unsaved changes" }) {
    this.hasUnsaved = hasUnsaved;
    this.keepDraft = keepDraft;
    this.describe = describe;
    this.leaving = false;
  }

  start() {
    addEventListener("beforeunload", (event) => {
      if (this.leaving || !this.hasUnsaved()) return;
      event.preventDefault();
      event.returnValue = ""; // older browsers need a value to ask
    });
    addEventListener("pageshow", (event) => {
      // Back to this page from the cache after leaving: it is live again.
      if (!event.persisted) return;
      this.leaving = false;
      for (const form of document.querySelectorAll("form[data-posting]")) this.#settle(form);
    });
    document.addEventListener("click", (event) => {
      const link = event.target.closest?.("a[href]");
      if (!link || event.defaultPrevented || !leavesThePage(link, event)) return;
      if (this.leaving || !this.hasUnsaved()) return;
      event.preventDefault();
      this.leave(() => location.assign(link.href));
    });
    document.addEventListener("submit", (event) => {
      const form = event.target;
      if (event.defaultPrevented || form.method === "dialog") return;
      if (form.dataset.posting) {
        event.preventDefault(); // a double click: the first post is on its way
        return;
      }
      if (form.target && form.target !== "_self") return;
      if (this.leaving || !this.hasUnsaved()) {
        this.#posting(form);
        return;
      }
      event.preventDefault();
      const submitter = event.submitter;
      this.#posting(form);
      this.leave(
        () => this.submit(form, submitter),
        () => this.#settle(form),
      );
    });
    return this;
  }

  // Leave by `go` once the edits are safe as a draft, or the user agreed to lose them.
  async leave(go, stay = () => {}) {
    let kept = false;
    try {
      kept = await this.keepDraft();
    } catch {
      kept = false;
    }
    if (
      kept ||
      confirm(`${this.describe()} could not be kept as a draft. Leave this page and lose them?`)
    ) {
      this.leaving = true;
      go();
    } else {
      stay();
    }
  }

  // Submit without firing "submit" again, keeping the clicked button's name and value.
  submit(form, submitter) {
    if (submitter?.name) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = submitter.name;
      input.value = submitter.value;
      form.append(input);
    }
    this.leaving = true;
    this.#posting(form);
    submitForm.call(form);
  }

  #posting(form) {
    form.dataset.posting = "1";
    form.setAttribute("aria-busy", "true");
    // After this event: a disabled submitter would drop its name and value from the post.
    clearTimeout(disableTimers.get(form));
    disableTimers.set(form, setTimeout(() => {
      for (const button of form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]")) {
        if (!button.disabled) {
          button.disabled = true;
          button.dataset.postingDisabled = "1";
        }
      }
    }, 0));
  }

  #settle(form) {
    clearTimeout(disableTimers.get(form));
    delete form.dataset.posting;
    form.removeAttribute("aria-busy");
    for (const button of form.querySelectorAll("[data-posting-disabled]")) {
      button.disabled = false;
      delete button.dataset.postingDisabled;
    }
  }
}
