// The app shell: the conversation list beside the open chat (one then the other on a phone), the
// dialogs that start a chat or a group or join one, and the address bar kept in step.
import { ChatClient, type ChatEvent, type ChatListItem, type GroupListItem, type UserConnection } from "../src/index";
import { Conversation } from "./conversation";
import { byId, describe, h, initials, listTime, signedOut, signedOutText } from "./dom";
import { offerPush } from "./push";

/** A row of the list: a private chat or a group. */
export interface ListEntry {
  id: number;
  kind: "private" | "group";
  title: string;
  lastMessage: string | null;
  unread: number;
  mentions: number;
  /** Nothing of it notifies: level "none", or muted now. */
  quiet: boolean;
  time: string;
  /** The change number its message fields (last message, time, counts) reflect. */
  seq: number;
  online: boolean;
}

export interface Me {
  id: number;
  username: string;
}

export class ChatApp {
  readonly root = byId("ce-app");
  readonly #list = byId<HTMLUListElement>("ce-conversations");
  readonly #filter = byId<HTMLInputElement>("ce-filter");
  readonly #banner = byId("ce-status");
  readonly #entries = new Map<number, ListEntry>();
  #conversation: Conversation | undefined;
  #soon: ReturnType<typeof setTimeout> | undefined;
  #listLoaded: Promise<void>;
  #listReads = 0;
  // The stream's latest word on each partner's presence and on each chat joined or left, numbered in
  // arrival order: a list read that began before it is staler than it.
  #streamEvents = 0;
  readonly #presence = new Map<string, { online: boolean; number: number }>();
  readonly #membership = new Map<number, { added: ListEntry | null; number: number }>();

  readonly stream: UserConnection;

  constructor(
    readonly client: ChatClient,
    readonly api: string,
    readonly me: Me,
  ) {
    this.#filter.addEventListener("input", () => this.#renderList());
    this.#list.addEventListener("click", (event) => {
      const link = (event.target as Element).closest<HTMLAnchorElement>("a[data-chat-id]");
      if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
        event.preventDefault();
        void this.open(Number(link.dataset.chatId));
      }
    });
    window.addEventListener("popstate", () => void this.#follow(location.pathname));
    document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && this.refreshSoon(0));
    this.#wireDialogs();
    // The user stream keeps the list live (new chats, messages, counts, presence); it opens before
    // the lists are read, so nothing that happens in between is missed.
    this.stream = client.connectUser({
      onEvent: (event) => this.#onStreamEvent(event),
      onSynced: (limited, limitedChats) => (limited || limitedChats.length > 0) && this.refreshSoon(0),
      // Signed out elsewhere (everywhere, a new password, a suspension): said at once, whatever is open.
      onState: (state) => state.state === "stopped" && state.reason === "signed_out" && this.status(signedOutText, true),
    });
    this.#listLoaded = this.refreshList();
    void offerPush(client, api, (text, isError) => this.status(text, isError));
    const open = Number(this.root.dataset.openChat);
    if (open) void this.open(open, false);
  }

  /** Shows a notice (or an error) in the banner; empty text hides it. */
  status(text: string, isError = false): void {
    this.#banner.textContent = text;
    this.#banner.hidden = !text;
    this.#banner.classList.toggle("ce-error", isError);
  }

  /** Tells screen readers something new, politely. */
  announce(text: string): void {
    byId("ce-announce").textContent = text;
  }

  entry(id: number): ListEntry | undefined {
    return this.#entries.get(id);
  }

  /** Reads both lists again (after a change here, or when another member's change may show). */
  async refreshList(): Promise<void> {
    const before = this.#streamEvents;
    this.#listReads++;
    this.#list.setAttribute("aria-busy", "true");
    try {
      const [chats, groups] = await Promise.all([this.client.listChats(), this.client.listGroups()]);
      const read = new Map([...chats.map(fromChat), ...groups.map(fromGroup)].map((entry) => [entry.id, entry]));
      // The stream ran while the lists were read: what it brought meanwhile is newer than they are.
      for (const [id, change] of this.#membership) {
        if (change.number <= before) continue;
        if (!change.added) read.delete(id);
        else if (!read.has(id)) read.set(id, this.#entries.get(id) ?? change.added);
      }
      for (const entry of read.values()) {
        const held = this.#entries.get(entry.id);
        if (held && held.seq > entry.seq) Object.assign(entry, { lastMessage: held.lastMessage, time: held.time, unread: held.unread, mentions: held.mentions, seq: held.seq });
        const status = this.#presence.get(entry.title);
        if (entry.kind === "private" && status && status.number > before) entry.online = status.online;
      }
      this.#entries.clear();
      for (const [id, entry] of read) this.#entries.set(id, entry);
      this.#renderList();
      if (this.#banner.dataset.source === "list") this.status("");
    } catch (error) {
      // Signed out is the whole story, not a refresh that failed.
      this.status(signedOut(error) ? describe(error) : `Could not refresh your chats: ${describe(error)}`, true);
      this.#banner.dataset.source = "list";
    } finally {
      if (--this.#listReads === 0) this.#list.removeAttribute("aria-busy");
    }
  }

  /** An event of any of the user's chats: the list follows it without reading it again. */
  #onStreamEvent(event: ChatEvent): void {
    const id = Number(event.chat_id);
    const entry = this.#entries.get(id);
    switch (event.type) {
      case "chat_added": {
        const item = event.chat as ChatListItem & GroupListItem;
        const added = event.kind === "group" ? fromGroup(item) : fromChat(item);
        this.#entries.set(id, added);
        this.#membership.set(id, { added, number: ++this.#streamEvents });
        break;
      }
      case "chat_removed":
        this.#entries.delete(id);
        this.#membership.set(id, { added: null, number: ++this.#streamEvents });
        break;
      case "message": {
        if (!entry) return this.refreshSoon();
        const attachments = (event.attachments as unknown[] | undefined)?.length ?? 0;
        entry.lastMessage = String(event.text ?? "") || (attachments === 1 ? "📎 1 file" : attachments > 1 ? `📎 ${attachments} files` : "");
        entry.time = String(event.time);
        entry.seq = Math.max(entry.seq, Number(event.seq ?? 0));
        if (event.sender !== this.me.id) {
          entry.unread++;
          if ((event.mentions as number[] | undefined)?.includes(this.me.id)) entry.mentions++;
        }
        break;
      }
      case "unread":
        if (!entry) return;
        entry.unread = Number(event.unread);
        entry.mentions = Number(event.mentions);
        entry.seq = Math.max(entry.seq, Number(event.seq ?? 0));
        break;
      case "status":
        this.#presence.set(String(event.username), { online: Boolean(event.is_online), number: ++this.#streamEvents });
        for (const row of this.#entries.values()) {
          if (row.kind === "private" && row.title === event.username) row.online = Boolean(event.is_online);
        }
        break;
      case "notifications":
        if (!entry) return;
        entry.quiet = isQuiet({ notify_level: String(event.level), muted_until: (event.muted_until as string | null) ?? null });
        break;
      case "chat_updated":
        if (entry && typeof event.name === "string") entry.title = event.name;
        break;
      case "message_updated":
      case "message_deleted":
        return this.refreshSoon(); // It may be the one the list shows.
      case "report":
        // Admins hear of reports at once; the group's details list them to act on.
        this.status(`${String(event.reporter_username)} reported a message in ${entry?.title ?? "a group"}: see the group's details.`);
        this.announce(`New report in ${entry?.title ?? "a group"}`);
        if (this.#conversation?.chatId === id) this.#conversation.reported();
        return;
      default:
        return;
    }

    this.#renderList();
  }

  /** Reads the lists again shortly; a burst of events makes one read, not a read put off until the burst ends. */
  refreshSoon(delay = 300): void {
    if (this.#soon !== undefined) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      void this.refreshList();
    }, delay);
  }

  /** Opens a chat beside the list (over it on a phone), and puts its address in the bar. */
  async open(chatId: number, push = true, messageId?: number): Promise<void> {
    if (this.#conversation?.chatId === chatId && this.root.dataset.view === "chat") {
      if (messageId) this.#conversation.show(messageId);
      return;
    }
    if (push) history.pushState({ chatId }, "", `${this.api}/chat-web/${chatId}`);
    this.#conversation?.close();
    this.root.dataset.view = "chat";
    this.root.dataset.openChat = String(chatId);
    this.#markCurrent();
    await this.#listLoaded;
    if (!this.#entries.has(chatId)) await this.refreshList();
    const entry = this.#entries.get(chatId);
    this.#conversation = new Conversation(this, chatId, entry?.kind ?? "private", entry?.title ?? "", messageId);
  }

  /** Back to the list (a phone's back action). */
  back(push = true): void {
    if (push) history.pushState({}, "", `${this.api}/home/`);
    const was = this.#conversation?.chatId;
    this.#conversation?.close();
    this.#conversation = undefined;
    this.root.dataset.view = "list";
    delete this.root.dataset.openChat;
    byId("ce-conversation").replaceChildren(h("p", { class: "ce-placeholder", text: "Choose a chat on the left, or start a new one." }));
    byId("ce-details").hidden = true;
    this.#markCurrent();
    this.#list.querySelector<HTMLElement>(`a[data-chat-id="${was}"]`)?.focus();
  }

  #follow(path: string): void {
    const match = /\/chat-web\/(\d+)\/?$/.exec(path);
    if (match) void this.open(Number(match[1]), false);
    else this.back(false);
  }

  #renderList(): void {
    const filter = this.#filter.value.trim().toLowerCase();
    const entries = [...this.#entries.values()]
      .filter((entry) => !filter || entry.title.toLowerCase().includes(filter))
      .sort((a, b) => b.time.localeCompare(a.time) || b.id - a.id);
    // Drawn again every few seconds: whoever was on a row with the keyboard stays on it.
    const focused = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>("#ce-conversations a[data-chat-id]")?.dataset.chatId;
    this.#list.replaceChildren(...entries.map((entry) => this.#listItem(entry)));
    if (focused) this.#list.querySelector<HTMLElement>(`a[data-chat-id="${focused}"]`)?.focus();
    byId("ce-list-empty").hidden = this.#entries.size > 0;
    this.#markCurrent();
    if (performance.getEntriesByName("ce-list-rendered").length === 0) performance.mark("ce-list-rendered"); // The first render, for the README's figure.
  }

  #listItem(entry: ListEntry): HTMLLIElement {
    const badge = entry.unread > 0 ? h("span", { class: "ce-badge", text: entry.unread, attrs: { "aria-label": `${entry.unread} unread` } }) : null;
    const mentioned = entry.mentions > 0
      ? h("span", { class: "ce-badge ce-mention-badge", text: "@", attrs: { "aria-label": entry.mentions === 1 ? "1 mention of you" : `${entry.mentions} mentions of you` } })
      : null;
    return h("li", { data: { chatId: entry.id, kind: entry.kind } },
      h("a", { class: "ce-conv", attrs: { href: `${this.api}/chat-web/${entry.id}` }, data: { chatId: entry.id } },
        avatar(entry.title, entry.kind === "private" ? entry.online : undefined),
        h("span", { class: "ce-conv-main" },
          h("span", { class: "ce-conv-top" },
            h("span", { class: "ce-title", text: entry.title }, entry.kind === "private" && entry.online ? h("span", { class: "ce-visually-hidden", text: ", online" }) : null,
              entry.quiet ? h("span", { class: "ce-quiet", text: " (muted)" }) : null),
            h("time", { attrs: { datetime: entry.time }, text: listTime(entry.time) })),
          h("span", { class: "ce-conv-bottom" },
            h("span", { class: "ce-preview", text: entry.lastMessage ?? (entry.kind === "group" ? "Group created" : "No messages yet") }),
            mentioned,
            badge))));
  }

  #markCurrent(): void {
    const open = this.root.dataset.openChat;
    for (const link of this.#list.querySelectorAll<HTMLAnchorElement>("a[data-chat-id]")) {
      if (link.dataset.chatId === open) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  }

  #wireDialogs(): void {
    for (const button of document.querySelectorAll<HTMLButtonElement>("[data-open-dialog]")) {
      button.addEventListener("click", () => {
        const dialog = byId<HTMLDialogElement>(button.dataset.openDialog!);
        dialog.querySelectorAll<HTMLElement>(".ce-form-error").forEach((p) => (p.textContent = ""));
        dialog.showModal();
      });
    }
    for (const button of document.querySelectorAll<HTMLButtonElement>("[data-close-dialog]")) {
      button.addEventListener("click", () => button.closest("dialog")?.close());
    }

    const search = byId<HTMLInputElement>("ce-search");
    const results = byId<HTMLUListElement>("ce-search-results");
    let searchTimer: ReturnType<typeof setTimeout> | undefined;
    search.addEventListener("input", () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(async () => {
        const term = search.value.trim();
        if (!term) return results.replaceChildren();
        try {
          const users = await this.client.searchUsers(term);
          if (search.value.trim() !== term) return; // A newer search is on its way.
          results.replaceChildren(...users.map((user) => h("li", {},
            avatar(user.username, user.is_online),
            h("button", {
              text: `Chat with ${user.username}`,
              attrs: { type: "button" },
              on: { click: () => void this.#startChat(user.username) },
            }))));
          if (users.length === 0) results.replaceChildren(h("li", { text: "Nobody found." }));
        } catch (error) {
          results.replaceChildren(h("li", { class: "ce-form-error", text: describe(error) }));
        }
      }, 200);
    });

    this.#wireMessageSearch();

    byId<HTMLFormElement>("ce-group-form").addEventListener("submit", (event) => this.#submit(event, async () => {
      const members = byId<HTMLInputElement>("ce-group-members").value.split(",").map((name) => name.trim()).filter(Boolean);
      return (await this.client.createGroup(byId<HTMLInputElement>("ce-group-name").value, members)).id;
    }));
    byId<HTMLFormElement>("ce-join-form").addEventListener("submit", (event) => this.#submit(event, async () =>
      (await this.client.joinGroup(byId<HTMLInputElement>("ce-join-code").value.trim())).id));
  }

  /** Message search: results newest first, each a snippet with its matches marked, opening the chat at the message. */
  #wireMessageSearch(): void {
    const form = byId<HTMLFormElement>("ce-message-search-form");
    const input = byId<HTMLInputElement>("ce-message-query");
    const results = byId<HTMLUListElement>("ce-message-results");
    const error = form.querySelector<HTMLElement>(".ce-form-error")!;
    let term = "";
    const show = async (before?: string) => {
      error.textContent = "";
      try {
        const page = await this.client.searchMessages(term, { before });
        if (!before) results.replaceChildren();
        results.querySelector(".ce-more")?.remove();
        results.append(...page.results.map((result) => h("li", {},
          h("button", {
            class: "ce-message-hit", attrs: { type: "button" },
            on: { click: () => { byId<HTMLDialogElement>("ce-message-search").close(); void this.open(result.chat_id, true, result.id); } },
          },
          h("span", { class: "ce-hit-head" }, h("strong", { text: result.chat_name }), ` · ${result.sender_username} · `, h("time", { attrs: { datetime: result.time }, text: listTime(result.time) })),
          h("span", { class: "ce-hit-text" }, ...marked(result.snippet, result.highlights))))));
        if (page.has_more && page.next) {
          const next = page.next;
          results.append(h("li", { class: "ce-more" }, h("button", { class: "ce-secondary", text: "More results", attrs: { type: "button" }, on: { click: () => void show(next) } })));
        }
        if (!before && page.results.length === 0) results.replaceChildren(h("li", { text: "No messages found." }));
      } catch (failure) {
        error.textContent = describe(failure);
      }
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      term = input.value.trim();
      if (term) void show();
    });
  }

  async #startChat(username: string): Promise<void> {
    try {
      const chat = await this.client.startChat(username);
      byId<HTMLDialogElement>("ce-new-chat").close();
      await this.refreshList();
      await this.open(chat.id);
    } catch (error) {
      byId("ce-search-results").replaceChildren(h("li", { class: "ce-form-error", text: describe(error) }));
    }
  }

  /** A dialog's form: on success it closes and opens the chat; a refusal shows in the dialog. */
  async #submit(event: SubmitEvent, action: () => Promise<number>): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const error = form.querySelector<HTMLElement>(".ce-form-error")!;
    try {
      const chatId = await action();
      form.reset();
      form.closest("dialog")?.close();
      await this.refreshList();
      await this.open(chatId);
    } catch (failure) {
      error.textContent = describe(failure);
    }
  }
}

/** Initials in a circle, with a presence dot when presence is known. */
export function avatar(name: string, online?: boolean): HTMLElement {
  return h("span", { class: "ce-avatar", attrs: { "aria-hidden": "true" }, data: { hue: hue(name) } },
    initials(name),
    online === undefined ? null : h("span", { class: online ? "ce-dot ce-online" : "ce-dot" }));
}

/** One of eight avatar colours, the same for a name everywhere. */
function hue(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return Math.abs(hash) % 8;
}

function fromChat(chat: ChatListItem): ListEntry {
  return { id: chat.id, kind: "private", title: chat.username, lastMessage: chat.lastMessage, unread: chat.unread, mentions: chat.mentions ?? 0, quiet: isQuiet(chat), time: chat.time, seq: chat.seq, online: chat.is_online === true };
}

function fromGroup(group: GroupListItem): ListEntry {
  return { id: group.id, kind: "group", title: group.name, lastMessage: group.lastMessage, unread: group.unread, mentions: group.mentions ?? 0, quiet: isQuiet(group), time: group.time, seq: group.seq, online: false };
}

function isQuiet(item: { notify_level?: string; muted_until?: string | null }): boolean {
  return item.notify_level === "none" || (item.muted_until != null && Date.parse(item.muted_until) > Date.now());
}

// A snippet with its matches in <mark>, as text nodes (never HTML from the server).
function marked(snippet: string, highlights: [number, number][]): (string | HTMLElement)[] {
  const parts: (string | HTMLElement)[] = [];
  let from = 0;
  for (const [start, end] of highlights) {
    if (start < from || end > snippet.length) continue;
    parts.push(snippet.slice(from, start), h("mark", { text: snippet.slice(start, end) }));
    from = end;
  }
  parts.push(snippet.slice(from));
  return parts.filter((part) => part !== "");
}
