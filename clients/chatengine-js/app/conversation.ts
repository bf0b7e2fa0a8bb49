// The open chat: its page of history, then the live socket from the page's `seq` (the client drops
// what it already has and fills gaps), receipts, typing, presence, scroll-back, stored files (attached
// by button, drag-and-drop or paste, with progress), and messages that change: replies, edits,
// deletions, reactions and pins; blocking the other user of a private chat, and reporting messages.
import {
  type Attachment, type ChatConnection, type ChatEvent, type ChatPage, type FileConnection, type FileEvent, type Group, type NotificationSettings, type NotifyLevel,
  type ReportReason,
} from "../src/index";
import { avatar, type ChatApp } from "./app";
import { GroupDetails } from "./details";
import { byId, clockTime, describe, fileSize, h, listTime, signedOut, signedOutText } from "./dom";
import { MessageList, senderName, type MessageActions, type Shown } from "./messages";

/** A file attached to the next message: its upload id once uploaded, and its line in the tray. */
interface PendingFile {
  id?: string;
  name: string;
  item: HTMLElement;
}

const TypingShownMs = 3000;
const TypingEveryMs = 2000;
// Messages per page read around a message, or after the newest one shown.
const PageAround = 50;

export class Conversation implements MessageActions {
  readonly #section = byId("ce-conversation");
  readonly #list: MessageList;
  readonly #typing = h("p", { class: "ce-typing", attrs: { id: "ce-typing" } });
  readonly #presence = h("span", { class: "ce-presence", attrs: { id: "ce-presence" } });
  readonly #title = h("h2", { class: "ce-chat-title" });
  readonly #pinned = h("div", { class: "ce-pinned", attrs: { hidden: true } });
  readonly #mode = h("div", { class: "ce-compose-mode", attrs: { hidden: true, id: "ce-compose-mode" } });
  readonly #text = h("textarea", {
    attrs: { id: "ce-text", rows: 1, maxlength: 4000, placeholder: "Write a message", "aria-describedby": "ce-send-hint", "aria-autocomplete": "list", "aria-controls": "ce-suggestions" },
  });
  // Names to mention, offered as "@" is typed.
  readonly #suggestions = h("ul", { class: "ce-suggestions", attrs: { id: "ce-suggestions", role: "listbox", "aria-label": "People to mention", hidden: true } });
  #suggested: string[] = [];
  #activeSuggestion = 0;
  readonly #composer: HTMLFormElement;
  readonly #uploads = h("ul", { class: "ce-uploads", attrs: { hidden: true, "aria-label": "Files to send" } });
  readonly #viewer = h("dialog", { class: "ce-viewer", attrs: { "aria-label": "Image" } });
  readonly #notifications = h("dialog", { attrs: { "aria-labelledby": "ce-notify-title" } });
  readonly #reportDialog = h("dialog", { attrs: { "aria-labelledby": "ce-report-title" } });
  // A private chat's block: the header's button and, while on, a note where the composer was.
  // Disabled until the chat's page says whether a block stands: before that, "Block" could be a lie.
  readonly #blockButton = h("button", { class: "ce-secondary ce-block-button", text: "Block", attrs: { type: "button", disabled: true } });
  readonly #blockedNote = h("p", { class: "ce-blocked-note", attrs: { hidden: true } });
  #blocked = false;
  // Counts blocks and unblocks made here, so a page read before one does not undo it when it lands.
  #blockChanges = 0;
  #blocking = false;
  readonly #unsent = new Map<string, { text: string; replyTo?: number; attachments?: string[] }>();
  // Files being uploaded or ready to go with the next message, in the order they were added.
  readonly #attached: PendingFile[] = [];
  #connection: ChatConnection | undefined;
  #files: FileConnection | undefined;
  #details: GroupDetails | undefined;
  #group: Group | undefined;
  #pins: Shown[] = [];
  #pinShown = 0;
  #composing: { kind: "reply" | "edit"; message: Shown } | undefined;
  #hasMore = false;
  #loadingOlder = false;
  // Showing older history than the newest (a search hit, an old quote): live messages wait here,
  // and the list reads on towards them as it is scrolled down, or all at once with the button.
  #hasNewer = false;
  #loadingNewer = false;
  readonly #waiting = new Map<number, Shown>();
  readonly #latest = h("button", { class: "ce-secondary ce-latest", text: "Show the latest messages", attrs: { type: "button", hidden: true } });
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
    /** A message to show once the chat is there (a search result). */
    readonly target?: number,
  ) {
    this.#list = new MessageList(this);
    this.#title.textContent = title;
    this.#composer = this.#buildComposer();
    const back = h("button", { class: "ce-back", text: "←", attrs: { type: "button", "aria-label": "Back to chats" }, on: { click: () => app.back() } });
    const details = kind === "group"
      ? h("button", { class: "ce-secondary ce-details-button", text: "Group details", attrs: { type: "button", "aria-controls": "ce-details", "aria-expanded": "false" }, on: { click: () => this.toggleDetails() } })
      : null;
    const notifications = h("button", { class: "ce-secondary", text: "Notifications", attrs: { type: "button", "aria-haspopup": "dialog" }, on: { click: () => void this.#editNotifications() } });
    this.#blockButton.addEventListener("click", () => void this.#toggleBlock());
    this.#section.replaceChildren(
      h("header", { class: "ce-chat-head" }, back, avatar(title), h("div", { class: "ce-chat-names" }, this.#title, this.#presence), notifications, details,
        kind === "private" ? this.#blockButton : null),
      this.#pinned, this.#list.element, this.#latest, this.#typing, this.#blockedNote, this.#composer, this.#viewer, this.#notifications, this.#reportDialog);
    this.#section.setAttribute("aria-label", title || "Open chat");
    this.#acceptDrops();
    this.#list.element.addEventListener("scroll", () => {
      void this.#loadOlder();
      void this.#loadNewer();
    });
    this.#latest.addEventListener("click", () => void this.#showLatest());
    this.#list.element.addEventListener("ce-jump", (event) => void this.#jumpTo((event as CustomEvent<number>).detail));
    document.addEventListener("visibilitychange", this.#onVisible);
    document.addEventListener("keydown", this.#onKey);
    void this.#load();
  }

  get me() {
    return this.app.me;
  }

  close(): void {
    this.#closed = true;
    this.#connection?.close();
    this.#files?.close();
    this.#details?.close();
    this.#list.close();
    document.removeEventListener("visibilitychange", this.#onVisible);
    document.removeEventListener("keydown", this.#onKey);
  }

  toggleDetails(show?: boolean): void {
    const panel = byId("ce-details");
    const open = show ?? panel.hidden;
    panel.hidden = !open;
    this.#section.querySelector(".ce-details-button")?.setAttribute("aria-expanded", String(open));
    if (open) {
      this.#details ??= new GroupDetails(this.app, this.chatId, () => this.toggleDetails(false), (group) => this.#applyGroup(group));
      // Opened before the chat's page arrived: drawn as soon as it does (see #show).
      if (this.#group) this.#details.render(this.#group);
      else panel.replaceChildren(h("h2", { text: "Group details", attrs: { id: "ce-details-title", tabindex: -1 } }), h("p", { text: "Loading…" }));
      panel.querySelector<HTMLElement>("h2")?.focus();
    } else {
      this.#section.querySelector<HTMLElement>(".ce-details-button")?.focus();
    }
  }

  // ---- What the user may do to a message (MessageActions) ----

  canDelete(message: Shown): boolean {
    return message.sender === this.me.id || this.#isAdmin();
  }

  canPin(): boolean {
    return this.kind === "private" || this.#isAdmin();
  }

  reply(message: Shown): void {
    this.#compose({ kind: "reply", message });
  }

  edit(message: Shown): void {
    this.#compose({ kind: "edit", message });
    this.#text.value = message.text;
  }

  remove(message: Shown): void {
    if (confirm("Delete this message for everyone?")) this.#whenLive((connection) => connection.deleteMessage(message.id));
  }

  react(message: Shown, emoji: string, on: boolean): void {
    this.#whenLive((connection) => connection.react(message.id, emoji, on));
  }

  pin(message: Shown, pinned: boolean): void {
    this.#whenLive((connection) => connection.pin(message.id, pinned));
  }

  report(message: Shown): void {
    this.#openReport(message);
  }

  /** Shows a message of this chat (a search result in the chat already open). */
  show(messageId: number): void {
    void this.#jumpTo(messageId);
  }

  /** A member reported a message here (this user is an admin): the open details list it. */
  reported(): void {
    if (!byId("ce-details").hidden) void this.#details?.refreshModeration();
  }

  view(attachment: Attachment): void {
    this.#viewer.replaceChildren(
      h("img", { attrs: { src: attachment.url, alt: attachment.name } }),
      h("div", { class: "ce-viewer-bar" },
        h("a", { text: `Download ${attachment.name}`, attrs: { href: attachment.url, download: attachment.name } }),
        h("button", { class: "ce-secondary", text: "Close", attrs: { type: "button" }, on: { click: () => this.#viewer.close() } })));
    this.#viewer.showModal();
    this.#viewer.querySelector<HTMLElement>("button")?.focus();
  }

  #isAdmin(): boolean {
    return this.kind === "group" && (this.#group?.admins.includes(this.me.username) ?? false);
  }

  #whenLive(action: (connection: ChatConnection) => void): void {
    if (this.#live && this.#connection) action(this.#connection);
    else this.app.status("You are offline; try again when the connection is back.", true);
  }

  // ---- Loading and the live connection ----

  /** The newest page, then the socket from its `seq`. */
  async #load(): Promise<void> {
    try {
      const blockChanges = this.#blockChanges;
      const page = this.kind === "group" ? await this.app.client.getGroup(this.chatId) : await this.app.client.getChat(this.chatId);
      if (this.#closed) return;
      this.#show(page, blockChanges);
      this.#connect(page.seq);
      if (this.target) void this.#jumpTo(this.target);
      this.#files ??= this.app.client.connectFiles(this.chatId, { onFile: (file) => this.#onFile(file), onError: (code, detail) => this.#onFileError(code, detail) });
      void this.#loadPins();
      // Ready to type on a desktop; on a phone the keyboard would cover the chat before it is read.
      if (matchMedia("(min-width: 700px)").matches && !document.querySelector("dialog[open]")) this.#text.focus();
      this.app.refreshSoon(); // Opening it read it: the badge goes.
    } catch (error) {
      this.app.status(describe(error), true);
      this.#stop(describe(error), signedOut(error));
    }
  }

  /** Draws a page read after `blockChanges` blocks or unblocks made here (a later one stands over its `blocked`). */
  #show(page: ChatPage, blockChanges: number): void {
    this.#title.textContent = page.chatname;
    this.#section.setAttribute("aria-label", page.chatname);
    if (this.kind === "group") {
      this.#group = page as unknown as Group;
      if (!byId("ce-details").hidden) this.#details?.render(this.#group);
    }
    this.#showPresence(page.is_online, page.lastseen, null);
    if (this.kind === "private" && blockChanges === this.#blockChanges) this.#showBlocked(Boolean(page.blocked));
    this.#hasMore = page.has_more;
    this.#list.clear();
    for (const message of page.messages) this.#list.append(message);
    // What an empty chat says (drawn by the style sheet while the list has nothing in it), once it is known to be empty.
    this.#list.element.dataset.empty = this.kind === "group" ? "No messages yet. Say hello to the group!" : `No messages yet. Say hello to ${page.chatname}!`;
    this.#setNewer(false);
    this.#appendWaiting();
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
            for (const [clientId, unsent] of this.#unsent) this.#connection?.send(unsent.text, clientId, unsent.replyTo, unsent.attachments);
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
            if (state.reason === "signed_out") this.#stop(signedOutText, true);
            else if (state.reason === "not_member") this.#stop("You are no longer a member of this chat.");
            break;
        }
      },
    });
  }

  /** Stops for good; the first reason is the one shown (the event that said why comes before the socket's close). */
  #stop(reason: string, isSignedOut = false): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.app.status(reason, true);
    this.#text.disabled = true;
    this.#composer.querySelectorAll<HTMLButtonElement | HTMLInputElement>("button, input").forEach((control) => (control.disabled = true));
    this.#files?.close();
    // The list drops a chat its user left; signed out, there is no list to read.
    if (!isSignedOut) this.app.refreshSoon();
  }

  #onEvent(event: ChatEvent): void {
    switch (event.type) {
      case "message": {
        const message = event as unknown as Shown;
        this.#unsent.delete(String(message.client_id));
        this.#list.element.querySelector(`li[data-client-id="${CSS.escape(String(message.client_id))}"]`)?.remove();
        if (this.#list.has(message.id)) return this.#list.update(message.id, message); // A replay shows it as it is now.
        if (this.#hasNewer) {
          // Not next to what is shown: kept until the list reaches the newest; one's own send goes there.
          this.#waiting.set(message.id, message);
          if (message.sender === this.me.id) void this.#showLatest();
          return;
        }
        const atEnd = this.#atEnd();
        this.#list.append(message);
        if (message.sender !== this.me.id) {
          this.#typing.textContent = "";
          const files = message.attachments?.length ? ` (${message.attachments.map((a) => a.name).join(", ")})` : "";
          this.app.announce(`${senderName(message)}: ${message.text || "sent a file"}${files}`);
          this.#markRead();
        }
        if (atEnd || message.sender === this.me.id) this.#scrollToEnd();
        break;
      }
      case "message_updated":
        this.#list.update(Number(event.id), { text: String(event.text), edited_at: event.edited_at as string | null, mentions: (event.mentions as number[] | undefined) ?? [] });
        this.#list.updateQuotes(Number(event.id), { text: String(event.text) });
        if (this.#pins.some((m) => m.id === event.id)) void this.#loadPins();
        break;
      case "message_deleted":
        this.#list.update(Number(event.id), { deleted: true, text: "", reactions: [], reply_to: null, reply_preview: null, pinned: false, attachments: [] });
        this.#list.updateQuotes(Number(event.id), { text: "", deleted: true });
        if (this.#composing?.message.id === event.id) this.#compose(undefined);
        void this.#loadPins();
        break;
      case "reaction":
        this.#list.react(event);
        break;
      case "pin":
        this.#list.update(Number(event.id), { pinned: Boolean(event.pinned) });
        void this.#loadPins();
        break;
      case "read":
        this.#list.onRead(event);
        break;
      case "typing":
        if (event.user === this.me.id) return;
        this.#typing.textContent = `${event.username} is typing…`;
        clearTimeout(this.#typingTimer);
        this.#typingTimer = setTimeout(() => (this.#typing.textContent = ""), TypingShownMs);
        break;
      case "status":
        if (event.user === this.me.id) return;
        this.#statusFrames++;
        this.#showPresence(Boolean(event.is_online), (event.lastseen as string | null) ?? null, String(event.username));
        break;
      case "error":
        this.app.status(event.code === "rate_limited" ? "You are sending too fast; wait a moment." : String(event.detail), true);
        break;
      case "chat_deleted":
        this.#stop("This group was deleted.");
        break;
      case "member_removed":
        if (event.user === this.me.id) return this.#stop(event.reason === "left" ? "You left this group." : "You are no longer a member of this chat.");
      // falls through
      case "member_muted":
        if (event.user === this.me.id) {
          this.app.status(event.muted ? `An admin muted you here${event.until ? ` until ${listTime(String(event.until))}` : ""}: you can read, but not post.` : "An admin lifted your mute: you can post again.");
        }
      // falls through
      case "member_added":
      case "role_changed":
      case "chat_updated":
        if (event.type === "chat_updated" && typeof event.name === "string") this.#title.textContent = event.name;
        void this.#refreshGroup();
        break;
    }
  }

  /** Members, roles, name or code changed: read the group again for the header and the panel. */
  async #refreshGroup(): Promise<void> {
    if (this.kind !== "group") return;
    try {
      this.#applyGroup(await this.app.client.getGroup(this.chatId, { limit: 1, markRead: false }));
    } catch {
      // Removed or deleted: the socket's stop says so.
    }
  }

  /**
   * Draws a group read after a change, unless one read later was drawn already: reads started by
   * events and by the panel's own calls overlap, and their answers can come back in any order.
   */
  #applyGroup(group: Group): void {
    if (this.#group && group.seq < this.#group.seq) return;
    this.#group = group;
    this.#title.textContent = group.name;
    this.#showPresence(group.is_online as boolean, (group.lastseen as string | null) ?? null, null);
    if (!byId("ce-details").hidden) this.#details?.render(group);
  }

  // ---- Pins: a bar under the header shows the newest; each click shows the next ----

  async #loadPins(): Promise<void> {
    try {
      this.#pins = await this.app.client.getPins(this.chatId);
    } catch {
      return; // Removed, or offline: the banner says so.
    }
    this.#pinShown = 0;
    this.#renderPins();
  }

  #renderPins(): void {
    this.#pinned.hidden = this.#pins.length === 0;
    const pin = this.#pins[this.#pinShown % Math.max(1, this.#pins.length)];
    if (!pin) return this.#pinned.replaceChildren();
    const count = this.#pins.length > 1 ? ` (${(this.#pinShown % this.#pins.length) + 1} of ${this.#pins.length})` : "";
    this.#pinned.replaceChildren(h("button", {
      class: "ce-pinned-button",
      attrs: { type: "button" },
      on: {
        click: () => {
          void this.#jumpTo(pin.id);
          this.#pinShown++;
          this.#renderPins();
        },
      },
    }, h("span", { class: "ce-pinned-label", text: `Pinned${count}` }), h("span", { class: "ce-visually-hidden", text: ": " }),
      h("span", { class: "ce-pinned-text", text: pin.text }), h("span", { class: "ce-visually-hidden", text: " (show it)" })));
  }

  /** Shows a message; one not loaded comes with the page around it (a search hit, a quote or a pin of an old message). */
  async #jumpTo(id: number): Promise<void> {
    if (this.#list.jumpTo(id)) return;
    try {
      const page = await this.#read({ around: id, limit: PageAround, markRead: false });
      if (this.#closed) return;
      this.#list.clear();
      for (const message of page.messages) this.#list.append(message);
      this.#hasMore = page.has_more;
      this.#setNewer(page.has_newer === true);
      if (!this.#hasNewer) this.#appendWaiting();
      this.#list.jumpTo(id);
    } catch (error) {
      this.app.status(describe(error), true); // Deleted meanwhile, or no longer a member: the banner says which.
    }
  }

  /** Back to the newest page, from older history shown by a jump. */
  async #showLatest(): Promise<void> {
    try {
      const blockChanges = this.#blockChanges;
      const page = await this.#read({});
      if (this.#closed) return;
      this.#show(page, blockChanges);
      this.#markRead();
    } catch (error) {
      this.app.status(describe(error), true);
    }
  }

  /** Reads on from the newest message shown, when older history is shown and the list is scrolled to its end. */
  async #loadNewer(): Promise<void> {
    const last = this.#list.lastId();
    if (!this.#hasNewer || this.#loadingNewer || !last || !this.#atEnd()) return;
    this.#loadingNewer = true;
    try {
      const page = await this.#read({ around: last, limit: PageAround, markRead: false });
      if (this.#closed) return;
      for (const message of page.messages) {
        if (message.id > this.#list.lastId()) this.#list.append(message);
      }
      this.#setNewer(page.has_newer === true);
      if (!this.#hasNewer) {
        this.#appendWaiting();
        this.#markRead();
      }
    } catch (error) {
      this.app.status(describe(error), true);
    } finally {
      this.#loadingNewer = false;
    }
  }

  #read(page: { around?: number; limit?: number; markRead?: boolean }): Promise<ChatPage> {
    return this.kind === "group" ? this.app.client.getGroup(this.chatId, page) : this.app.client.getChat(this.chatId, page);
  }

  #setNewer(hasNewer: boolean): void {
    this.#hasNewer = hasNewer;
    this.#latest.hidden = !hasNewer;
    if (!hasNewer && this.#latest === document.activeElement) this.#text.focus();
  }

  /** Live messages that came while older history was shown, once the list has reached them. */
  #appendWaiting(): void {
    const last = this.#list.lastId();
    for (const message of [...this.#waiting.values()].sort((a, b) => a.id - b.id)) {
      if (message.id > last && !this.#list.has(message.id)) this.#list.append(message);
    }
    this.#waiting.clear();
  }

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

  #markRead(): void {
    const id = this.#list.lastId();
    if (id && !this.#hasNewer && this.#live && document.visibilityState === "visible") this.#connection?.markRead(id);
  }

  readonly #onVisible = (): void => this.#markRead();

  readonly #onKey = (event: KeyboardEvent): void => {
    if (event.key !== "Escape" || document.querySelector("dialog[open]")) return;
    if (this.#composing) this.#compose(undefined);
    else if (!byId("ce-details").hidden) this.toggleDetails(false);
  };

  async #loadOlder(): Promise<void> {
    const first = this.#list.firstId();
    if (this.#list.element.scrollTop > 40 || !this.#hasMore || this.#loadingOlder || !first) return;
    this.#loadingOlder = true;
    try {
      const page = await this.app.client.getChat(this.chatId, { before: first, limit: 50 });
      const height = this.#list.element.scrollHeight;
      this.#list.prepend(page.messages);
      this.#list.element.scrollTop += this.#list.element.scrollHeight - height;
      this.#hasMore = page.has_more;
    } catch (error) {
      this.app.status(describe(error), true);
    } finally {
      this.#loadingOlder = false;
    }
  }

  #atEnd(): boolean {
    const list = this.#list.element;
    return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  }

  #scrollToEnd(): void {
    this.#list.element.scrollTop = this.#list.element.scrollHeight;
  }

  // ---- The composer: new messages, replies and edits ----

  #buildComposer(): HTMLFormElement {
    const file = h("input", {
      class: "ce-visually-hidden", attrs: { id: "ce-file", type: "file", multiple: true },
      on: {
        change: () => {
          this.#attach([...(file.files ?? [])]);
          file.value = "";
        },
      },
    });
    const form = h("form", { class: "ce-composer", attrs: { id: "ce-send-form" } },
      this.#mode,
      this.#suggestions,
      this.#uploads,
      h("div", { class: "ce-compose-row" },
        h("label", { class: "ce-visually-hidden", text: "Message", attrs: { for: "ce-text" } }),
        this.#text,
        h("span", { class: "ce-visually-hidden", text: "Enter sends; Shift+Enter starts a new line; Escape cancels a reply or an edit. Files can be dropped or pasted here.", attrs: { id: "ce-send-hint" } }),
        h("label", { class: "ce-file-label", attrs: { for: "ce-file", title: "Attach files (or drop or paste them)" } },
          "Attach", h("span", { class: "ce-visually-hidden", text: " files" })),
        file,
        h("button", { text: "Send", attrs: { type: "submit" } })));
    this.#text.addEventListener("paste", (event) => {
      const files = [...(event.clipboardData?.files ?? [])];
      if (files.length === 0) return;
      event.preventDefault();
      this.#attach(files);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#submit();
    });
    this.#text.addEventListener("keydown", (event) => {
      if (this.#onSuggestionKey(event)) return;
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#submit();
      }
    });
    this.#text.addEventListener("blur", () => this.#closeSuggestions());
    this.#text.addEventListener("input", () => {
      this.#suggest();
      this.#text.style.height = "auto";
      this.#text.style.height = `${Math.min(this.#text.scrollHeight, 160)}px`;
      if (this.#live && this.#composing?.kind !== "edit" && Date.now() - this.#lastTyping > TypingEveryMs) {
        this.#lastTyping = Date.now();
        this.#connection?.typing();
      }
    });
    return form;
  }

  // ---- Blocks and reports ----

  #showBlocked(blocked: boolean): void {
    this.#blocked = blocked;
    this.#blockButton.textContent = blocked ? "Unblock" : "Block";
    this.#blockButton.setAttribute("aria-pressed", String(blocked));
    this.#blockedNote.hidden = !blocked;
    this.#blockedNote.textContent = blocked ? `You blocked ${this.#title.textContent}: neither of you can write here until you unblock them.` : "";
    this.#composer.hidden = blocked;
    this.#blockButton.disabled = false;
  }

  async #toggleBlock(): Promise<void> {
    const name = this.#title.textContent ?? "";
    if (this.#blocking) return; // One change at a time: a second click would race the first.
    if (!this.#blocked && !confirm(`Block ${name}? They will not be able to message you, add you to groups or see you online.`)) return;
    this.#blockChanges++;
    this.#blocking = true;
    try {
      if (this.#blocked) await this.app.client.unblock(name);
      else await this.app.client.block(name);
      this.#showBlocked(!this.#blocked);
      this.app.status(this.#blocked ? `You blocked ${name}.` : `You unblocked ${name}.`);
      this.app.refreshSoon();
    } catch (error) {
      this.app.status(describe(error), true);
    } finally {
      this.#blocking = false;
    }
  }

  #openReport(message: Shown): void {
    const reasons: [ReportReason, string][] = [["spam", "Spam"], ["abuse", "Abuse or harassment"], ["inappropriate", "Inappropriate"], ["other", "Something else"]];
    const note = h("textarea", { attrs: { id: "ce-report-note", maxlength: 1000, rows: 3 } });
    const error = h("p", { class: "ce-form-error", attrs: { role: "alert" } });
    const form = h("form", { attrs: { method: "dialog" } },
      h("h2", { text: "Report message", attrs: { id: "ce-report-title" } }),
      h("p", { class: "ce-report-quote", text: `${senderName(message)}: ${message.text}` }),
      h("fieldset", {}, h("legend", { text: "Why?" }),
        ...reasons.map(([reason, label], i) => h("label", { class: "ce-choice" },
          h("input", { attrs: { type: "radio", name: "reason", value: reason, checked: i === 0 } }), ` ${label}`))),
      h("label", { text: "Note (optional)", attrs: { for: "ce-report-note" } }), note,
      error,
      h("div", { class: "ce-dialog-buttons" },
        h("button", { class: "ce-secondary", text: "Cancel", attrs: { type: "button" }, on: { click: () => this.#reportDialog.close() } }),
        h("button", { text: "Report", attrs: { type: "submit" } })));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const reason = (form.querySelector<HTMLInputElement>("input[name=reason]:checked")?.value ?? "other") as ReportReason;
      this.app.client.report(this.chatId, message.id, reason, note.value.trim() || undefined).then(() => {
        this.#reportDialog.close();
        this.app.status(this.kind === "group" ? "Reported to the group's admins. Thank you." : "Reported. Thank you.");
      }, (failure) => (error.textContent = describe(failure)));
    });
    this.#reportDialog.replaceChildren(form);
    this.#reportDialog.showModal();
    form.querySelector<HTMLInputElement>("input[name=reason]:checked")?.focus();
  }

  // ---- Notifications: what of this chat notifies the user, and a mute ----

  async #editNotifications(): Promise<void> {
    let current: NotificationSettings;
    try {
      current = await this.app.client.getNotifications(this.chatId);
    } catch (error) {
      return this.app.status(describe(error), true);
    }
    // In a private chat every message counts as a mention: "mentions" would be "all" under another name.
    const levels: [NotifyLevel, string][] = this.kind === "group"
      ? [["all", "Every message"], ["mentions", "Only messages that mention me"], ["none", "Nothing"]]
      : [["all", "Every message"], ["none", "Nothing"]];
    const chosen = this.kind === "private" && current.level === "mentions" ? "all" : current.level;
    const mutes: [string, number][] = [["Not muted", 0], ["For 1 hour", 1], ["For 8 hours", 8], ["For 1 day", 24], ["For 1 week", 168]];
    const muted = current.muted_until && Date.parse(current.muted_until) > Date.now();
    const mute = h("select", { attrs: { id: "ce-notify-mute" } },
      muted ? h("option", { text: `Muted until ${listTime(current.muted_until)}`, attrs: { value: "keep", selected: true } }) : null,
      ...mutes.map(([label, hours]) => h("option", { text: label, attrs: { value: hours, selected: !muted && hours === 0 } })));
    const form = h("form", { attrs: { method: "dialog" } },
      h("h2", { text: "Notifications", attrs: { id: "ce-notify-title" } }),
      h("fieldset", {}, h("legend", { text: "Notify me about" }),
        ...levels.map(([level, label]) => h("label", { class: "ce-choice" },
          h("input", { attrs: { type: "radio", name: "level", value: level, checked: chosen === level } }), ` ${label}`))),
      h("label", { text: "Mute", attrs: { for: "ce-notify-mute" } }), mute,
      h("p", { class: "ce-form-error", attrs: { role: "alert" } }),
      h("div", { class: "ce-dialog-buttons" },
        h("button", { class: "ce-secondary", text: "Cancel", attrs: { type: "button" }, on: { click: () => this.#notifications.close() } }),
        h("button", { text: "Save", attrs: { type: "submit" } })));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const level = (form.querySelector<HTMLInputElement>("input[name=level]:checked")?.value ?? "all") as NotifyLevel;
      const hours = mute.value === "keep" ? null : Number(mute.value);
      const until = hours === null ? current.muted_until : hours > 0 ? new Date(Date.now() + hours * 3_600_000).toISOString() : null;
      this.app.client.setNotifications(this.chatId, { level, muted_until: until }).then(() => {
        this.#notifications.close();
        this.app.refreshSoon();
      }, (error) => (form.querySelector(".ce-form-error")!.textContent = describe(error)));
    });
    this.#notifications.replaceChildren(form);
    this.#notifications.showModal();
    form.querySelector<HTMLInputElement>("input[name=level]:checked")?.focus();
  }

  // ---- Mentions: "@" and the start of a name offer the chat's members ----

  #mentionable(): string[] {
    if (this.kind === "private") return [this.#title.textContent ?? ""].filter(Boolean);
    return (this.#group?.members ?? []).filter((name) => name !== this.me.username);
  }

  #suggest(): void {
    const before = this.#text.value.slice(0, this.#text.selectionStart ?? this.#text.value.length);
    const typed = /(?:^|[^\p{L}\p{N}_])@([^\s@]*)$/u.exec(before)?.[1];
    this.#suggested = typed === undefined ? [] : this.#mentionable().filter((name) => name.toLowerCase().startsWith(typed.toLowerCase())).slice(0, 6);
    if (this.#suggested.length === 0) return this.#closeSuggestions();
    this.#activeSuggestion = 0;
    this.#drawSuggestions();
  }

  #drawSuggestions(): void {
    this.#suggestions.replaceChildren(...this.#suggested.map((name, i) => h("li", {
      class: "ce-suggestion", text: `@${name}`,
      attrs: { id: `ce-suggestion-${i}`, role: "option", "aria-selected": String(i === this.#activeSuggestion) },
      on: {
        // Before the box loses focus (which closes the list).
        mousedown: (event) => {
          event.preventDefault();
          this.#complete(name);
        },
      },
    })));
    this.#suggestions.hidden = false;
    this.#text.setAttribute("aria-activedescendant", `ce-suggestion-${this.#activeSuggestion}`);
  }

  #closeSuggestions(): void {
    this.#suggested = [];
    this.#suggestions.hidden = true;
    this.#text.removeAttribute("aria-activedescendant");
  }

  /** Arrows choose, Enter or Tab completes, Escape closes; true when the key was the list's. */
  #onSuggestionKey(event: KeyboardEvent): boolean {
    if (this.#suggested.length === 0) return false;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.#activeSuggestion = (this.#activeSuggestion + step + this.#suggested.length) % this.#suggested.length;
      this.#drawSuggestions();
    } else if (event.key === "Enter" || event.key === "Tab") {
      this.#complete(this.#suggested[this.#activeSuggestion]!);
    } else if (event.key === "Escape") {
      event.stopPropagation(); // Closes the list, not the reply being written.
      this.#closeSuggestions();
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }

  #complete(name: string): void {
    const caret = this.#text.selectionStart ?? this.#text.value.length;
    const start = this.#text.value.lastIndexOf("@", caret - 1);
    this.#text.value = `${this.#text.value.slice(0, start)}@${name} ${this.#text.value.slice(caret)}`;
    const after = start + name.length + 2;
    this.#text.setSelectionRange(after, after);
    this.#closeSuggestions();
    this.#text.focus();
  }

  /** Enters (or, with nothing, leaves) replying to or editing a message. */
  #compose(mode: { kind: "reply" | "edit"; message: Shown } | undefined): void {
    if (this.#composing?.kind === "edit" && !mode) this.#text.value = "";
    this.#composing = mode;
    this.#mode.hidden = !mode;
    if (!mode) return this.#mode.replaceChildren();
    const who = mode.message.sender === this.me.id ? "yourself" : senderName(mode.message);
    this.#mode.replaceChildren(
      h("span", { class: "ce-compose-what", text: mode.kind === "edit" ? "Editing your message" : `Replying to ${who}: ${mode.message.text}` }),
      h("button", { class: "ce-secondary", text: "Cancel", attrs: { type: "button", "aria-label": mode.kind === "edit" ? "Cancel the edit" : "Cancel the reply" }, on: { click: () => this.#compose(undefined) } }));
    this.#text.focus();
  }

  #submit(): void {
    const text = this.#text.value.trim();
    if (this.#text.disabled) return;
    if (this.#composing?.kind === "edit") {
      if (!text && !this.#composing.message.attachments?.length) return;
      const id = this.#composing.message.id;
      this.#whenLive((connection) => connection.edit(id, text));
      this.#compose(undefined);
      return;
    }
    if (this.#attached.some((file) => !file.id)) return this.app.status("Wait for the files to finish uploading, then send.", true);
    const attachments = this.#attached.map((file) => file.id!);
    if (!text && attachments.length === 0) return;
    this.#send(text, this.#composing?.message.id, attachments);
    this.#compose(undefined);
  }

  /** Sends with a client id: a message kept while offline is sent once the socket is back, and never twice. */
  #send(text: string, replyTo?: number, attachments: string[] = []): void {
    const clientId = crypto.randomUUID();
    const files = attachments.length ? attachments : undefined;
    this.#unsent.set(clientId, { text, replyTo, attachments: files });
    if (this.#live) this.#connection?.send(text, clientId, replyTo, files);
    else this.app.status("You are offline; the message will be sent when the connection is back.", true);
    const names = this.#attached.map((file) => file.name).join(", ");
    this.#list.element.append(h("li", { class: "ce-msg ce-mine ce-pending", data: { clientId } },
      h("p", { class: "ce-text", text: [text, names].filter(Boolean).join(" · ") }), h("span", { class: "ce-meta", text: "Sending…" })));
    this.#text.value = "";
    this.#text.style.height = "auto";
    this.#attached.splice(0).forEach((file) => file.item.remove());
    this.#uploads.hidden = true;
    this.#scrollToEnd();
  }

  // ---- Stored files: each is uploaded at once (with its progress), then goes with the next message ----

  #attach(files: File[]): void {
    if (this.#stopped) return;
    for (const file of files) {
      const progress = h("progress", { attrs: { max: 100, value: 0, "aria-label": `Uploading ${file.name}` } });
      const entry: PendingFile = { name: file.name, item: h("li") };
      const remove = h("button", {
        class: "ce-upload-remove", text: "×", attrs: { type: "button", "aria-label": `Remove ${file.name}` },
        on: { click: () => this.#detach(entry) },
      });
      entry.item = h("li", { class: "ce-upload" },
        h("span", { class: "ce-file-name", text: file.name }), h("span", { class: "ce-file-size", text: fileSize(file.size) }), progress, remove);
      this.#attached.push(entry);
      this.#uploads.append(entry.item);
      this.#uploads.hidden = false;
      this.app.client.upload(this.chatId, file, file.name, (sent, total) => {
        if (total > 0) progress.value = Math.round((sent / total) * 100);
      }).then((uploaded) => {
        entry.id = uploaded.id;
        progress.replaceWith(h("span", { class: "ce-upload-ready", text: "Ready" }));
      }, (error) => {
        this.#detach(entry);
        this.app.status(`${file.name}: ${describe(error)}`, true);
      });
    }
    this.#text.focus();
  }

  #detach(entry: PendingFile): void {
    const at = this.#attached.indexOf(entry);
    if (at >= 0) this.#attached.splice(at, 1);
    entry.item.remove();
    this.#uploads.hidden = this.#attached.length === 0;
  }

  /** Files dropped anywhere on the open chat are attached. */
  #acceptDrops(): void {
    const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes("Files") ?? false;
    this.#section.addEventListener("dragover", (event) => {
      if (!carriesFiles(event) || this.#stopped) return;
      event.preventDefault();
      this.#section.classList.add("ce-drop-target");
    });
    this.#section.addEventListener("dragleave", (event) => {
      if (!this.#section.contains(event.relatedTarget as Node | null)) this.#section.classList.remove("ce-drop-target");
    });
    this.#section.addEventListener("drop", (event) => {
      this.#section.classList.remove("ce-drop-target");
      if (!carriesFiles(event)) return;
      event.preventDefault();
      this.#attach([...(event.dataTransfer?.files ?? [])]);
    });
  }

  #onFile(event: FileEvent): void {
    const url = `data:${event.file.type || "application/octet-stream"};base64,${event.file.data}`;
    const image = (event.file.type ?? "").startsWith("image/") && event.file.type !== "image/svg+xml"
      ? h("img", { class: "ce-preview-image", attrs: { src: url, alt: event.file.name } }) : null;
    this.#list.element.append(h("li", { class: "ce-msg ce-theirs ce-file" },
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
