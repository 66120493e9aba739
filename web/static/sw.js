/* The exchange's service worker, served from /sw.js so its scope is the whole site. It only
 * shows Web Push notifications and opens them: no fetch handler, no caching.
 *
 * A push carries JSON: {kind, title, body, url, tag, notification_id}. Clicking the
 * notification focuses a tab already showing that page, or opens one. Only this site's own
 * pages are ever opened: a link to anywhere else becomes the home page. */

const HOME = "/home";

/* A URL on this site: the link if it is one, else the home page. */
function ownPage(link) {
  try {
    const url = new URL(link, self.location.origin);
    if (url.origin === self.location.origin) return url.href;
  } catch (err) {
    /* not a URL at all: fall through */
  }
  return new URL(HOME, self.location.origin).href;
}

function readPush(event) {
  try {
    return (event.data && event.data.json()) || {};
  } catch (err) {
    return {};
  }
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  const push = readPush(event);
  const title = typeof push.title === "string" && push.title ? push.title : "The exchange";
  const options = {
    body: typeof push.body === "string" ? push.body : "There's something new for you.",
    data: { url: ownPage(push.url || HOME), notification_id: push.notification_id },
  };
  if (typeof push.tag === "string" && push.tag) options.tag = push.tag;
  event.waitUntil(self.registration.showNotification(title, options));
});

async function openPage(url) {
  const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = tabs.find((tab) => tab.url === url);
  if (open && "focus" in open) return open.focus();
  return self.clients.openWindow(url);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  event.waitUntil(openPage(ownPage(data.url || HOME)));
});
