// ChatEngine's web app: started on /home/ and /chat-web/{id}, from the meta tags the page carries.
import { ChatClient } from "../src/index";
import { ChatApp } from "./app";

const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`);
const api = meta("ce-api")?.content ?? "";
if (document.getElementById("ce-app")) {
  // Inside an app's layout the chat fills the screen below the layout's header, so the message box stays in view.
  const page = document.querySelector<HTMLElement>(".ce-page");
  page?.style.setProperty("--ce-offset", `${Math.round(page.getBoundingClientRect().top + scrollY)}px`);
  const client = new ChatClient({ baseUrl: api, antiforgeryToken: meta("ce-antiforgery")?.content });
  new ChatApp(client, api, { id: Number(meta("ce-me")?.content), username: meta("ce-me")?.dataset.username ?? "" });
}
