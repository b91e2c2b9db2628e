// Enhancement only: every page works without this file.
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// The filters sit behind a "Filter results" control, closed in the page so that a small
// screen shows results first; where there is room beside the results, open them.
if (window.matchMedia("(min-width: 40.0625em)").matches) {
  for (const filters of document.querySelectorAll("details.app-filters")) filters.open = true;
}

// A "Copy citation" button beside each citation, where the browser allows copying.
if (navigator.clipboard) {
  for (const citation of document.querySelectorAll(".app-cite__text")) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "govuk-button govuk-button--secondary app-cite__copy";
    button.textContent = "Copy citation";
    const status = document.createElement("span");
    status.className = "govuk-body-s app-cite__status";
    status.setAttribute("role", "status");
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(citation.textContent.trim());
        status.textContent = "Citation copied";
      } catch {
        status.textContent = "Copying is blocked: select the text and copy it instead";
      }
    });
    citation.after(button, status);
  }
}
