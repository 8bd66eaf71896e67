// Starts GOV.UK Frontend's components. Shipped as a file (not an inline script) so the
// Content-Security-Policy can forbid inline scripts; a module script runs only in
// browsers GOV.UK Frontend supports, which is what the two body classes say.
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
