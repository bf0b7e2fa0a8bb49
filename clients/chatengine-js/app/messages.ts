// The messages of the open chat: day separators, runs of one sender, receipts, quotes, reactions,
// "edited" and tombstones, and each message's actions (a menu on hover, focus or a long press).
import { type Attachment, type ChatEvent, type ChatMessage, type Reaction } from "../src/index";
import { type Me } from "./app";
import { clockTime, dayKey, dayLabel, fileSize, h, listTime } from "./dom";

/** A message as the list keeps it: from a page (`sendername`) or an event (`sender_username`). */
export type Shown = ChatMessage & { sendername?: string; sender_username?: string; read_by?: unknown; client_id?: string };

/** Who sent a message, whichever way it reached the list. */
export function senderName(message: Shown): string {
  return message.sender_username ?? message.sendername ?? "";
}

/** What the list asks its chat to do, and what the user may do there. */
export interface MessageActions {
  readonly me: Me;
  canDelete(message: Shown): boolean;
  canPin(): boolean;
  reply(message: Shown): void;
  edit(message: Shown): void;
  remove(message: Shown): void;
  react(message: Shown, emoji: string, on: boolean): void;
  pin(message: Shown, pinned: boolean): void;
  /** Reports someone else's message to the group's admins and the operators. */
  report(message: Shown): void;
  /** Shows an image attachment large. */
  view(attachment: Attachment): void;
}

// Messages of one sender closer together than this share one header.
const GroupingMs = 5 * 60_000;
const LongPressMs = 500;
const QuickReactions = ["👍", "❤️", "😂", "🎉", "😮", "😢"];

export class MessageList {
  readonly element = h("ol", { class: "ce-messages", attrs: { id: "ce-messages", "aria-label": "Messages", tabindex: 0 } });
  readonly #state = new Map<number, Shown>();
  readonly #readers = new Map<number, Map<string, string>>();
  #menu: HTMLElement | undefined;

  constructor(readonly actions: MessageActions) {
    document.addEventListener("keydown", this.#onKey);
    document.addEventListener("pointerdown", this.#onOutside);
  }

  close(): void {
    document.removeEventListener("keydown", this.#onKey);
    document.removeEventListener("pointerdown", this.#onOutside);
  }

  clear(): void {
    this.#state.clear();
    this.#readers.clear();
    this.element.replaceChildren();
  }

  has(id: number): boolean {
    return this.#state.has(id);
  }

  get(id: number): Shown | undefined {
    return this.#state.get(id);
  }

  firstId(): number {
    return Number(this.element.querySelector<HTMLElement>("li[data-id]")?.dataset.id ?? 0);
  }

  lastId(): number {
    return Number([...this.element.querySelectorAll<HTMLElement>("li[data-id]")].pop()?.dataset.id ?? 0);
  }

  /** Adds a message at the end, under a day separator when the day changes. */
  append(message: Shown): void {
    const previous = this.element.lastElementChild as HTMLElement | null;
    if (previous?.dataset.day !== dayKey(message.time)) {
      this.element.append(h("li", { class: "ce-day", data: { day: dayKey(message.time) } }, h("span", { text: dayLabel(message.time) })));
    }
    this.element.append(this.#item(message, previous));
  }

  /** Puts older messages before the ones shown, keeping separators and runs right across the seam. */
  prepend(older: Shown[]): void {
    const rest = [...this.element.children] as HTMLElement[];
    this.element.replaceChildren();
    for (const message of older) this.append(message);
    for (const item of rest) {
      if (item.classList.contains("ce-day") && (this.element.lastElementChild as HTMLElement | null)?.dataset.day === item.dataset.day) continue;
      this.element.append(item);
    }
  }

  /** Applies a change to a message and draws it again in place. */
  update(id: number, change: Partial<Shown>): void {
    const message = this.#state.get(id);
    const item = this.#find(id);
    if (!message || !item) return;
    Object.assign(message, change);
    const redrawn = this.#item(message, item.previousElementSibling as HTMLElement | null);
    redrawn.classList.toggle("ce-cont", item.classList.contains("ce-cont"));
    item.replaceWith(redrawn);
  }

  /** The quotes of a message follow it: edited or deleted, they show it as it is now. */
  updateQuotes(id: number, change: { text?: string; deleted?: boolean }): void {
    for (const message of this.#state.values()) {
      if (message.reply_preview?.id === id) this.update(message.id, { reply_preview: { ...message.reply_preview, ...change } });
    }
  }

  /** A reaction event: the emoji's new count, and whether it is now yours. */
  react(event: ChatEvent): void {
    const message = this.#state.get(Number(event.id));
    if (!message) return;
    const reactions = [...(message.reactions ?? [])];
    const index = reactions.findIndex((r) => r.emoji === event.emoji);
    const mine = event.user === this.actions.me.id ? Boolean(event.on) : (reactions[index]?.me ?? false);
    const next: Reaction = { emoji: String(event.emoji), count: Number(event.count), me: mine };
    if (next.count <= 0) reactions.splice(index, 1);
    else if (index >= 0) reactions[index] = next;
    else reactions.push(next);
    this.update(message.id, { reactions });
  }

  onRead(event: ChatEvent): void {
    if (event.user === this.actions.me.id) return;
    for (const item of this.element.querySelectorAll<HTMLElement>("li.ce-mine[data-id]")) {
      const id = Number(item.dataset.id);
      if (id > Number(event.up_to)) continue;
      const readers = this.#readers.get(id) ?? new Map<string, string>();
      this.#readers.set(id, readers);
      if (!readers.has(String(event.username))) readers.set(String(event.username), String(event.time));
      this.#renderReceipt(item);
    }
  }

  /** Scrolls to a message and marks it for a moment; false when it is not loaded. */
  jumpTo(id: number): boolean {
    const item = this.#find(id);
    if (!item) return false;
    item.scrollIntoView({ block: "center" });
    item.classList.add("ce-flash");
    setTimeout(() => item.classList.remove("ce-flash"), 1500);
    item.querySelector<HTMLElement>(".ce-actions-button")?.focus({ preventScroll: true });
    return true;
  }

  #find(id: number): HTMLElement | null {
    return this.element.querySelector<HTMLElement>(`li[data-id="${id}"]`);
  }

  #item(message: Shown, previous: HTMLElement | null): HTMLLIElement {
    this.#state.set(message.id, message);
    const mine = message.sender === this.actions.me.id;
    const name = senderName(message);
    const continues = previous?.dataset.sender === String(message.sender) && previous.dataset.day === dayKey(message.time)
      && Date.parse(message.time) - Number(previous.dataset.at) < GroupingMs;
    const deleted = message.deleted === true;
    const mentionsMe = !deleted && (message.mentions ?? []).includes(this.actions.me.id);
    const item = h("li", {
      class: `ce-msg ${mine ? "ce-mine" : "ce-theirs"}${continues ? " ce-cont" : ""}${deleted ? " ce-deleted" : ""}${message.pinned ? " ce-is-pinned" : ""}${mentionsMe ? " ce-mentions-me" : ""}`,
      data: { id: message.id, sender: message.sender, day: dayKey(message.time), at: Date.parse(message.time) },
    },
      h("span", { class: continues ? "ce-sender ce-visually-hidden" : "ce-sender", text: mine ? "You" : name }),
      deleted ? null : this.#quote(message),
      deleted || !message.attachments?.length ? null : this.#attachments(message.attachments),
      deleted ? h("p", { class: "ce-text", text: "This message was deleted." })
        : message.text ? h("p", { class: "ce-text" }, ...withMentionsOf(message.text, mentionsMe ? this.actions.me.username : null)) : null,
      deleted || !message.reactions?.length ? null : this.#reactions(message),
      h("span", { class: "ce-meta" },
        message.pinned ? h("span", { class: "ce-pin-mark", text: "Pinned" }) : null,
        message.edited_at && !deleted ? h("span", { class: "ce-edited", text: "edited" }) : null,
        h("time", { attrs: { datetime: message.time }, text: clockTime(message.time) }),
        h("span", { class: "ce-receipt" })),
      deleted ? null : h("button", {
        class: "ce-actions-button", text: "⋯",
        attrs: { type: "button", "aria-label": `Actions for ${mine ? "your" : `${name}'s`} message`, "aria-haspopup": "menu", "aria-expanded": "false" },
        on: { click: (event) => this.#openMenu(message, event.currentTarget as HTMLElement) },
      }));
    if (!deleted) this.#longPress(item, message);
    if (message.read_by && !Array.isArray(message.read_by)) this.#readers.set(message.id, new Map(Object.entries(message.read_by as Record<string, string>)));
    this.#renderReceipt(item);
    return item;
  }

  #quote(message: Shown): HTMLElement | null {
    const quote = message.reply_preview;
    if (!quote) return null;
    // What a screen reader says is the visible text with a few words around it (never a different label).
    return h("button", {
      class: "ce-quote", attrs: { type: "button" },
      on: { click: () => this.element.dispatchEvent(new CustomEvent("ce-jump", { detail: quote.id })) },
    },
      h("span", { class: "ce-visually-hidden", text: "Replying to " }),
      h("span", { class: "ce-quote-sender", text: quote.sender_username }),
      h("span", { class: "ce-visually-hidden", text: ": " }),
      h("span", { class: "ce-quote-text", text: quote.deleted ? "Deleted message" : quote.text }),
      h("span", { class: "ce-visually-hidden", text: " (show it)" }));
  }

  /** Images inline at their thumbnail's size (a click shows them large); other files as a download chip. */
  #attachments(attachments: Attachment[]): HTMLElement {
    return h("div", { class: "ce-attachments" }, ...attachments.map((attachment) => attachment.thumb_url
      ? h("button", {
        class: "ce-image", attrs: { type: "button", "aria-label": `View ${attachment.name}` },
        on: { click: () => this.actions.view(attachment) },
      }, h("img", { attrs: { src: attachment.thumb_url, alt: attachment.name, loading: "lazy", ...thumbnailSize(attachment) } }))
      : h("a", { class: "ce-file-chip", attrs: { href: attachment.url, download: attachment.name } },
        h("span", { class: "ce-file-icon", text: fileKind(attachment.name), attrs: { "aria-hidden": "true" } }),
        h("span", { class: "ce-file-name", text: attachment.name }),
        h("span", { class: "ce-file-size", text: fileSize(attachment.size) }),
        h("span", { class: "ce-visually-hidden", text: " (download)" }))));
  }

  #reactions(message: Shown): HTMLElement {
    return h("div", { class: "ce-reactions" }, ...(message.reactions ?? []).map((reaction) => h("button", {
      class: "ce-chip", text: `${reaction.emoji} ${reaction.count}`,
      attrs: { type: "button", "aria-pressed": String(reaction.me), "aria-label": `${reaction.emoji} ${reaction.count}${reaction.me ? ", yours: remove it" : ": add yours"}` },
      on: { click: () => this.actions.react(message, reaction.emoji, !reaction.me) },
    })));
  }

  #renderReceipt(item: HTMLElement): void {
    const readers = this.#readers.get(Number(item.dataset.id));
    if (!readers || readers.size === 0 || Number(item.dataset.sender) !== this.actions.me.id) return;
    item.querySelector(".ce-receipt")!.textContent = "Read by " + [...readers].map(([name, at]) => `${name} ${listTime(at)}`).join(", ");
  }

  /** A long press on a phone (or a right click) opens the message's actions. */
  #longPress(item: HTMLElement, message: Shown): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    item.addEventListener("pointerdown", (event) => {
      if (event.pointerType !== "touch") return;
      timer = setTimeout(() => this.#openMenu(message, item.querySelector<HTMLElement>(".ce-actions-button")!), LongPressMs);
    });
    for (const type of ["pointerup", "pointermove", "pointercancel"]) item.addEventListener(type, () => clearTimeout(timer));
    item.addEventListener("contextmenu", (event) => {
      if ((event.target as Element).closest("a, .ce-quote")) return;
      event.preventDefault();
      this.#openMenu(message, item.querySelector<HTMLElement>(".ce-actions-button")!);
    });
  }

  #openMenu(message: Shown, anchor: HTMLElement): void {
    this.#closeMenu();
    const act = (action: () => void) => () => {
      this.#closeMenu();
      action();
    };
    const mine = message.sender === this.actions.me.id;
    const item = (text: string, action: () => void, label?: string) =>
      h("button", { class: "ce-menu-item", text, attrs: { type: "button", role: "menuitem", "aria-label": label }, on: { click: act(action) } });
    const menu = h("div", { class: "ce-menu", attrs: { role: "menu", "aria-label": "Message actions" } },
      h("div", { class: "ce-menu-reactions" }, ...QuickReactions.map((emoji) => {
        const on = !(message.reactions ?? []).some((r) => r.emoji === emoji && r.me);
        return item(emoji, () => this.actions.react(message, emoji, on), `${on ? "React with" : "Remove your"} ${emoji}`);
      })),
      item("Reply", () => this.actions.reply(message)),
      mine ? item("Edit", () => this.actions.edit(message)) : null,
      this.actions.canPin() ? item(message.pinned ? "Unpin" : "Pin", () => this.actions.pin(message, !message.pinned)) : null,
      this.actions.canDelete(message) ? item("Delete", () => this.actions.remove(message)) : null,
      mine ? null : item("Report", () => this.actions.report(message)));
    anchor.setAttribute("aria-expanded", "true");
    anchor.after(menu);
    this.#menu = menu;
    menu.querySelector<HTMLElement>(".ce-menu-item")?.focus();
  }

  #closeMenu(focusBack = false): void {
    if (!this.#menu) return;
    const anchor = this.#menu.previousElementSibling as HTMLElement | null;
    anchor?.setAttribute("aria-expanded", "false");
    this.#menu.remove();
    this.#menu = undefined;
    if (focusBack) anchor?.focus();
  }

  readonly #onKey = (event: KeyboardEvent): void => {
    if (!this.#menu) return;
    if (event.key === "Escape") {
      event.stopImmediatePropagation();
      this.#closeMenu(true);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp" || event.key === "ArrowRight" || event.key === "ArrowLeft") {
      const items = [...this.#menu.querySelectorAll<HTMLElement>(".ce-menu-item")];
      const at = items.indexOf(document.activeElement as HTMLElement);
      const step = event.key === "ArrowDown" || event.key === "ArrowRight" ? 1 : -1;
      items[(at + step + items.length) % items.length]?.focus();
      event.preventDefault();
    }
  };

  readonly #onOutside = (event: PointerEvent): void => {
    if (this.#menu && !this.#menu.contains(event.target as Node) && !(event.target as Element).closest?.(".ce-actions-button")) this.#closeMenu();
  };
}

// The thumbnail's own size (at most 320 px on its longest side), so the list does not jump as images load.
function thumbnailSize(attachment: Attachment): Record<string, number> {
  if (!attachment.width || !attachment.height) return {};
  const scale = Math.min(1, 320 / Math.max(attachment.width, attachment.height));
  return { width: Math.max(1, Math.round(attachment.width * scale)), height: Math.max(1, Math.round(attachment.height * scale)) };
}

// A document's badge: its extension ("PDF", "DOCX"), or "FILE" without a short one.
function fileKind(name: string): string {
  const extension = /\.([a-z0-9]{1,4})$/i.exec(name)?.[1];
  return extension ? extension.toUpperCase() : "FILE";
}

// The text, with each "@name" that mentions the viewer marked (as text nodes: never HTML from the server).
function withMentionsOf(text: string, username: string | null): (string | HTMLElement)[] {
  if (!username) return [text];
  const parts: (string | HTMLElement)[] = [];
  const name = `@${username}`.toLowerCase();
  let from = 0;
  for (let at = text.toLowerCase().indexOf(name); at >= 0; at = text.toLowerCase().indexOf(name, at + name.length)) {
    if (at > 0 && /[\p{L}\p{N}_]/u.test(text[at - 1]!)) continue;
    parts.push(text.slice(from, at), h("mark", { class: "ce-mention", text: text.slice(at, at + name.length) }));
    from = at + name.length;
  }
  parts.push(text.slice(from));
  return parts.filter((part) => part !== "");
}
