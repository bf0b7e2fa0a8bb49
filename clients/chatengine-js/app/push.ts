// Notifications on this device: the pages' service worker shows pushes, and the user is offered
// (never asked unprompted) to turn them on. A refusal, here or in the browser's prompt, is kept.
import type { ChatClient } from "../src/index";
import { byId } from "./dom";

const Asked = "ce-push-asked";

export async function offerPush(client: ChatClient, api: string, status: (text: string, isError?: boolean) => void): Promise<void> {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
  let registration: ServiceWorkerRegistration;
  let key: string;
  try {
    registration = await navigator.serviceWorker.register(`${api}/chatengine-sw.js`, { scope: `${api}/` });
    key = await client.vapidKey();
  } catch {
    return; // No service worker here, or the server does not push: nothing to offer.
  }

  const subscribe = async () => {
    const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64Url(key) });
    await client.subscribePush(subscription.toJSON());
  };
  if (Notification.permission === "granted") {
    await subscribe().catch(() => undefined); // Refreshes this device's keys; the server keeps one per endpoint.
    return;
  }

  // Offered until the user answers once, here or in the browser's prompt (which then keeps its answer).
  if (Notification.permission === "denied" || localStorage.getItem(Asked)) return;
  const offer = byId("ce-push-offer");
  offer.hidden = false;
  byId("ce-push-no").addEventListener("click", () => {
    localStorage.setItem(Asked, "1");
    offer.hidden = true;
  });
  byId("ce-push").addEventListener("click", async () => {
    offer.hidden = true;
    localStorage.setItem(Asked, "1");
    try {
      if ((await Notification.requestPermission()) !== "granted") return;

      await subscribe();
      status("Notifications are on for this device.");
    } catch {
      status("Notifications could not be turned on in this browser.", true);
    }
  });
}

function fromBase64Url(value: string): ArrayBuffer {
  const base64 = value.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(value.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;
}
