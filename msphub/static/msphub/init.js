// Started as a module so that no inline script is needed (the Content-Security-Policy forbids them).
import { initAll } from "../govuk-frontend/govuk-frontend.min.js";
initAll();
