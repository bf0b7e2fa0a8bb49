// The open chat: its page of history, then the live socket from the page's `seq` (the client drops
// what it already has and fills gaps), receipts, typing, presence, scroll-back, and files.
import { type ChatConnection, type ChatEvent, type ChatMessage, type ChatPage, type FileConnection, type FileEvent, type Group } from "../src/index";
import { avatar, type ChatApp } from "./app";
import { GroupDetails } from "./details";
import { byId, clockTime, dayKey, dayLabel, describe, fileSize, h, listTime } from "./dom";

// Messages of one sender closer together than this share one header.
const GroupingMs = 5 * 60_000;
const TypingShownMs = 3000;
const TypingEveryMs = 2000;

export class Conversation {
  readonly #section = byId("ce-conversation");
  readonly #messages = h("ol", { class: "ce-messages", attrs: { id: "ce-messages", "aria-label": "Messages", tabindex: 0 } });
  readonly #typing = h("p", { class: "ce-typing", attrs: { id: "ce-typing" } });
  readonly #presence = h("span", { class: "ce-presence", attrs: { id: "ce-presence" } });
  readonly #title = h("h2", { class: "ce-chat-title" });
  readonly #text = h("textarea", { attrs: { id: "ce-text", rows: 1, maxlength: 4000, placeholder: "Write a message", "aria-describedby": "ce-send-hint" } });
  readonly #composer: HTMLFormElement;
  readonly #readers = new Map<number, Map<string, string>>();
  readonly #unsent = new Map<string, string>();
  #connection: ChatConnection | undefined;
  #files: FileConnection | undefined;
  #details: GroupDetails | undefined;
  #group: Group | undefined;
  #hasMore = false;
  #loadingOlder = false;
  #closed = false;
  #live = false;
  #stopped = false;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;
  #lastTyping = 0;
  #statusFrames = 0;

  constructor(
    readonly app: ChatApp,
    readonly chatId: number,
    readonly kind: "private" | "group",
    title: string,
  ) {
    this.#title.textContent = title;
    this.#composer = this.#buildComposer();
    const back = h("button", { class: "ce-back", text: "←", attrs: { type: "button", "aria-label": "Back to chats" }, on: { click: () => app.back() } });
    const details = kind === "group"
      ? h("button", { class: "ce-secondary ce-details-button", text: "Group details", attrs: { type: "button", "aria-controls": "ce-details", "aria-expanded": "false" }, on: { click: () => this.toggleDetails() } })
      : null;
    this.#section.replaceChildren(
      h("header", { class: "ce-chat-head" }, back, avatar(title), h("div", { class: "ce-chat-names" }, this.#title, this.#presence), details),
      this.#messages, this.#typing, this.#composer);
    this.#section.setAttribute("aria-label", title || "Open chat");
    this.#messages.addEventListener("scroll", () => void this.#loadOlder());
    document.addEventListener("visibilitychange", this.#onVisible);
    document.addEventListener("keydown", this.#onKey);
    void this.#load();
  }

  close(): void {
    this.#closed = true;
    this.#connection?.close();
    this.#files?.close();
    this.#details?.close();
    document.removeEventListener("visibilitychange", this.#onVisible);
    document.removeEventListener("keydown", this.#onKey);
  }

  toggleDetails(show?: boolean): void {
    const panel = byId("ce-details");
    const open = show ?? panel.hidden;
    panel.hidden = !open;
    this.#section.querySelector(".ce-details-button")?.setAttribute("aria-expanded", String(open));
    if (open && this.#group) {
      this.#details ??= new GroupDetails(this.app, this.chatId, () => this.toggleDetails(false));
      this.#details.render(this.#group);
      panel.querySelector<HTMLElement>("h2")?.focus();
    } else if (!open) {
      this.#section.querySelector<HTMLElement>(".ce-details-button")?.focus();
    }
  }

  /** The newest page, then the socket from its `seq`. */
  async #load(): Promise<void> {
    try {
      const page = this.kind === "group" ? await this.app.client.getGroup(this.chatId) : await this.app.client.getChat(this.chatId);
      if (this.#closed) return;
      this.#show(page);
      this.#connect(page.seq);
      // Ready to type on a desktop; on a phone the keyboard would cover the chat before it is read.
      if (matchMedia("(min-width: 700px)").matches && !document.querySelector("dialog[open]")) this.#text.focus();
      this.#files = this.app.client.connectFiles(this.chatId, { onFile: (file) => this.#onFile(file), onError: (code, detail) => this.#onFileError(code, detail) });
      this.app.refreshSoon(); // Opening it read it: the badge goes.
    } catch (error) {
      this.app.status(describe(error), true);
      this.#stop(describe(error));
    }
  }

  #show(page: ChatPage): void {
    this.#title.textContent = page.chatname;
    this.#section.setAttribute("aria-label", page.chatname);
    if (this.kind === "group") this.#group = page as unknown as Group;
    this.#showPresence(page.is_online, page.lastseen, null);
    this.#hasMore = page.has_more;
    this.#readers.clear();
    this.#messages.replaceChildren();
    for (const message of page.messages) this.#append(message);
    this.#scrollToEnd();
  }

  #connect(afterSeq: number): void {
    this.#connection = this.app.client.connect(this.chatId, afterSeq, {
      onEvent: (event) => this.#onEvent(event),
      onState: (state) => {
        if (this.#closed) return;
        this.#live = state.state === "live";
        switch (state.state) {
          case "live":
            this.app.status("");
            for (const [clientId, text] of this.#unsent) this.#connection?.send(text, clientId);
            this.#markRead();
            void this.#refreshPresence();
            break;
          case "reconnecting":
            this.app.status("You are offline; reconnecting…", true);
            break;
          case "reload":
            // Too much changed to replay: read the newest page and follow on from it.
            this.#connection?.close();
            void this.#load();
            break;
          case "stopped":
            if (state.reason === "signed_out") this.#stop("You are signed out. Sign in again to keep chatting.");
            else if (state.reason === "not_member") this.#stop("You are no longer a member of this chat.");
            break;
        }
      },
    });
  }

  /** Stops for good; the first reason is the one shown (the event that said why comes before the socket's close). */
  #stop(reason: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.app.status(reason, true);
    this.#text.disabled = true;
    this.#composer.querySelectorAll<HTMLButtonElement | HTMLInputElement>("button, input").forEach((control) => (control.disabled = true));
    this.#files?.close();
    this.app.refreshSoon();
  }

  #onEvent(event: ChatEvent): void {
    switch (event.type) {
      case "message": {
        const message = event as unknown as ChatMessage & { sender_username: string; client_id?: string };
        this.#unsent.delete(String(message.client_id));
        this.#messages.querySelector(`li[data-client-id="${CSS.escape(String(message.client_id))}"]`)?.remove();
        if (this.#messages.querySelector(`li[data-id="${message.id}"]`)) return;
        const atEnd = this.#atEnd();
        this.#append(message);
        if (message.sender !== this.app.me.id) {
          this.#typing.textContent = "";
          this.app.announce(`${message.sender_username}: ${message.text}`);
          this.#markRead();
        }
        if (atEnd || message.sender === this.app.me.id) this.#scrollToEnd();
        this.app.refreshSoon();
        break;
      }
      case "read":
        this.#onRead(event);
        this.app.refreshSoon();
        break;
      case "typing":
        if (event.user === this.app.me.id) return;
        this.#typing.textContent = `${event.username} is typing…`;
        clearTimeout(this.#typingTimer);
        this.#typingTimer = setTimeout(() => (this.#typing.textContent = ""), TypingShownMs);
        break;
      case "status":
        if (event.user === this.app.me.id) return;
        this.#statusFrames++;
        this.#showPresence(Boolean(event.is_online), (event.lastseen as string | null) ?? null, String(event.username));
        this.app.refreshSoon();
        break;
      case "error":
        this.app.status(event.code === "rate_limited" ? "You are sending too fast; wait a moment." : String(event.detail), true);
        break;
      case "chat_deleted":
        this.#stop("This group was deleted.");
        break;
      case "member_removed":
        if (event.user === this.app.me.id) return this.#stop(event.reason === "left" ? "You left this group." : "You are no longer a member of this chat.");
      // falls through
      case "member_added":
      case "role_changed":
      case "chat_updated":
        if (event.type === "chat_updated" && typeof event.name === "string") this.#title.textContent = event.name;
        void this.#refreshGroup();
        this.app.refreshSoon();
        break;
    }
  }

  /** Members, roles, name or code changed: read the group again for the header and the panel. */
  async #refreshGroup(): Promise<void> {
    if (this.kind !== "group") return;
    try {
      this.#group = await this.app.client.getGroup(this.chatId, { limit: 1, markRead: false });
      this.#title.textContent = this.#group.name;
      this.#showPresence(this.#group.is_online as boolean, (this.#group.lastseen as string | null) ?? null, null);
      if (!byId("ce-details").hidden) this.#details?.render(this.#group);
    } catch {
      // Removed or deleted: the socket's stop says so.
    }
  }

  #append(message: ChatMessage & { sendername?: string; sender_username?: string; read_by?: unknown }): void {
    const previous = this.#messages.lastElementChild as HTMLElement | null;
    if (previous?.dataset.day !== dayKey(message.time)) {
      this.#messages.append(h("li", { class: "ce-day", data: { day: dayKey(message.time) } }, h("span", { text: dayLabel(message.time) })));
    }
    const item = this.#messageItem(message, previous);
    this.#messages.append(item);
  }

  #messageItem(message: ChatMessage & { sendername?: string; sender_username?: string; read_by?: unknown }, previous: HTMLElement | null): HTMLLIElement {
    const mine = message.sender === this.app.me.id;
    const name = message.sender_username ?? message.sendername ?? "";
    const continues = previous?.dataset.sender === String(message.sender) && previous.dataset.day === dayKey(message.time)
      && Date.parse(message.time) - Number(previous.dataset.at) < GroupingMs;
    const item = h("li", {
      class: `ce-msg ${mine ? "ce-mine" : "ce-theirs"}${continues ? " ce-cont" : ""}`,
      data: { id: message.id, sender: message.sender, day: dayKey(message.time), at: Date.parse(message.time) },
    },
      h("span", { class: continues ? "ce-sender ce-visually-hidden" : "ce-sender", text: mine ? "You" : name }),
      h("p", { class: "ce-text", text: message.text }),
      h("span", { class: "ce-meta" },
        h("time", { attrs: { datetime: message.time }, text: clockTime(message.time) }),
        h("span", { class: "ce-receipt" })));
    if (message.read_by && !Array.isArray(message.read_by)) {
      this.#readers.set(message.id, new Map(Object.entries(message.read_by as Record<string, string>)));
      this.#renderReceipt(item);
    }
    return item;
  }

  #renderReceipt(item: HTMLElement): void {
    const readers = this.#readers.get(Number(item.dataset.id));
    if (!readers || readers.size === 0 || Number(item.dataset.sender) !== this.app.me.id) return;
    item.querySelector(".ce-receipt")!.textContent = "Read by " + [...readers].map(([name, at]) => `${name} ${listTime(at)}`).join(", ");
  }

  #onRead(event: ChatEvent): void {
    if (event.user === this.app.me.id) return;
    for (const item of this.#messages.querySelectorAll<HTMLElement>("li.ce-mine[data-id]")) {
      const id = Number(item.dataset.id);
      if (id > Number(event.up_to)) continue;
      const readers = this.#readers.get(id) ?? new Map<string, string>();
      this.#readers.set(id, readers);
      if (!readers.has(String(event.username))) readers.set(String(event.username), String(event.time));
      this.#renderReceipt(item);
    }
  }

  /** A private chat: the other user's presence. A group: its size, and who came or went last. */
  #showPresence(online: boolean, lastseen: string | null, username: string | null): void {
    this.#presence.className = `ce-presence ${online ? "ce-online" : "ce-offline"}`;
    if (this.kind === "group") {
      const size = this.#group ? `${this.#group.members.length} members` : "";
      const news = username ? (online ? `${username} is online` : `${username} was last seen ${listTime(lastseen)}`) : online ? "someone is online" : "";
      this.#presence.textContent = [size, news].filter(Boolean).join(" · ");
      return;
    }
    this.#presence.textContent = online ? "online" : lastseen ? `last seen ${listTime(lastseen)}` : "offline";
  }

  // The page was read before the socket subscribed: a change of presence in between reached
  // neither, so once live it is read again, unless a (newer) status frame came meanwhile.
  async #refreshPresence(): Promise<void> {
    if (this.kind === "group") return;
    const before = this.#statusFrames;
    try {
      const page = await this.app.client.getChat(this.chatId, { limit: 1, markRead: false });
      if (this.#statusFrames === before) this.#showPresence(page.is_online, page.lastseen, null);
    } catch {
      // The socket's frames keep presence current from here on.
    }
  }

  #lastId(): number {
    return Number([...this.#messages.querySelectorAll<HTMLElement>("li[data-id]")].pop()?.dataset.id ?? 0);
  }

  #markRead(): void {
    const id = this.#lastId();
    if (id && this.#live && document.visibilityState === "visible") this.#connection?.markRead(id);
  }

  readonly #onVisible = (): void => this.#markRead();

  readonly #onKey = (event: KeyboardEvent): void => {
    if (event.key === "Escape" && !byId("ce-details").hidden && !document.querySelector("dialog[open]")) {
      this.toggleDetails(false);
    }
  };

  async #loadOlder(): Promise<void> {
    const first = this.#messages.querySelector<HTMLElement>("li.ce-msg[data-id]");
    if (this.#messages.scrollTop > 40 || !this.#hasMore || this.#loadingOlder || !first) return;
    this.#loadingOlder = true;
    try {
      const page = await this.app.client.getChat(this.chatId, { before: Number(first.dataset.id), limit: 50 });
      const height = this.#messages.scrollHeight;
      const holder = this.#messages;
      // Rebuilt in order so day separators and sender grouping stay right across the seam.
      const rest = [...holder.children];
      holder.replaceChildren();
      for (const message of page.messages) this.#append(message);
      for (const item of rest) {
        if (item.classList.contains("ce-day") && (holder.lastElementChild as HTMLElement | null)?.dataset.day === (item as HTMLElement).dataset.day) continue;
        holder.append(item);
      }
      this.#messages.scrollTop += this.#messages.scrollHeight - height;
      this.#hasMore = page.has_more;
    } catch (error) {
      this.app.status(describe(error), true);
    } finally {
      this.#loadingOlder = false;
    }
  }

  #atEnd(): boolean {
    return this.#messages.scrollHeight - this.#messages.scrollTop - this.#messages.clientHeight < 80;
  }

  #scrollToEnd(): void {
    this.#messages.scrollTop = this.#messages.scrollHeight;
  }

  #buildComposer(): HTMLFormElement {
    const file = h("input", { class: "ce-visually-hidden", attrs: { id: "ce-file", type: "file" }, on: { change: () => void this.#sendFile(file) } });
    const form = h("form", { class: "ce-composer", attrs: { id: "ce-send-form" } },
      h("label", { class: "ce-visually-hidden", text: "Message", attrs: { for: "ce-text" } }),
      this.#text,
      h("span", { class: "ce-visually-hidden", text: "Enter sends; Shift+Enter starts a new line.", attrs: { id: "ce-send-hint" } }),
      h("label", { class: "ce-file-label", attrs: { for: "ce-file", title: "Send a file to the members who are online" } },
        "Attach", h("span", { class: "ce-visually-hidden", text: " a file" })),
      file,
      h("button", { text: "Send", attrs: { type: "submit" } }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#send();
    });
    this.#text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#send();
      }
    });
    this.#text.addEventListener("input", () => {
      this.#text.style.height = "auto";
      this.#text.style.height = `${Math.min(this.#text.scrollHeight, 160)}px`;
      if (this.#live && Date.now() - this.#lastTyping > TypingEveryMs) {
        this.#lastTyping = Date.now();
        this.#connection?.typing();
      }
    });
    return form;
  }

  /** Sends with a client id: a message kept while offline is sent once the socket is back, and never twice. */
  #send(): void {
    const text = this.#text.value.trim();
    if (!text || this.#text.disabled) return;
    const clientId = crypto.randomUUID();
    this.#unsent.set(clientId, text);
    if (this.#live) this.#connection?.send(text, clientId);
    else this.app.status("You are offline; the message will be sent when the connection is back.", true);
    this.#messages.append(h("li", { class: "ce-msg ce-mine ce-pending", data: { clientId } },
      h("p", { class: "ce-text", text }), h("span", { class: "ce-meta", text: "Sending…" })));
    this.#text.value = "";
    this.#text.style.height = "auto";
    this.#scrollToEnd();
  }

  async #sendFile(input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    if (!this.#files?.isOpen) return this.app.status("Files need a live connection; try again in a moment.", true);
    const data = await new Promise<string>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).split(",", 2)[1] ?? "");
      reader.readAsDataURL(file);
    });
    this.#files.send({ name: file.name, type: file.type, size: file.size, data });
    this.#messages.append(h("li", { class: "ce-msg ce-mine ce-file" }, h("p", { class: "ce-text", text: `You sent ${file.name} (${fileSize(file.size)})` })));
    this.#scrollToEnd();
  }

  #onFile(event: FileEvent): void {
    const url = `data:${event.file.type || "application/octet-stream"};base64,${event.file.data}`;
    const image = (event.file.type ?? "").startsWith("image/") && event.file.type !== "image/svg+xml"
      ? h("img", { class: "ce-preview-image", attrs: { src: url, alt: event.file.name } }) : null;
    this.#messages.append(h("li", { class: "ce-msg ce-theirs ce-file" },
      h("span", { class: "ce-sender", text: event.sender_username }),
      image,
      h("a", { text: `Download ${event.file.name}`, attrs: { href: url, download: event.file.name } }),
      h("span", { class: "ce-meta" }, h("time", { attrs: { datetime: event.time }, text: clockTime(event.time) }))));
    this.app.announce(`${event.sender_username} sent a file: ${event.file.name}`);
    this.#scrollToEnd();
  }

  #onFileError(code: string, detail: string): void {
    this.app.status(code === "recipient_offline" ? "Nobody else is online to receive the file."
      : code === "file_too_large" ? "That file is too large to send." : detail, true);
  }
}
