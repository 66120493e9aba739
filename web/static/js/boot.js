/* The one script every page with behaviour loads (<script type="module">): it starts the page
 * named by <body data-page>. There is no inline script anywhere, so `script-src 'self'` holds.
 *
 * The page modules are imported statically, not with import(): the whole graph is then
 * fetched and run before the document's load event, so a form's handler is in place before
 * anyone (or any test) can submit it. Together they are about the size the one script was. */

import * as ask from "./pages/ask.js";
import * as forgot from "./pages/forgot.js";
import * as home from "./pages/home.js";
import * as join from "./pages/join.js";
import * as member from "./pages/member.js";
import * as moderate from "./pages/moderate.js";
import * as modmember from "./pages/modmember.js";
import * as profile from "./pages/profile.js";
import * as reset from "./pages/reset.js";
import * as signin from "./pages/signin.js";
import * as verify from "./pages/verify.js";

const PAGES = { ask, forgot, home, join, member, moderate, modmember, profile, reset, signin, verify };

const page = PAGES[document.body.dataset.page];
if (page) page.start();
