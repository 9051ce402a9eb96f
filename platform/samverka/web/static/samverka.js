// Starts GOV.UK Frontend's components. A file, not an inline script, so that the
// Content-Security-Policy needs no 'unsafe-inline' (see samverka/web/security.py).
import { initAll } from "./vendor/govuk-frontend.min.js";

initAll();
