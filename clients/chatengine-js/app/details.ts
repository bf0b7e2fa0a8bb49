// A group's details: members with their roles, and every admin control the API has, each shown only
// to those the API allows (admins change the group, mute, ban and review reports; the owner alone
// deletes it; anyone may leave).
import { type Group, type GroupBan, type MessageReport } from "../src/index";
import { avatar, type ChatApp } from "./app";
import { byId, describe, h, listTime } from "./dom";

export class GroupDetails {
  readonly #panel = byId("ce-details");
  readonly #error = h("p", { class: "ce-form-error", attrs: { role: "alert" } });
  #group: Group | undefined;
  /** The field whose form this panel just submitted: drawn afresh, not given back what was typed. */
  #submitted: string | undefined;
  // Admins only: the open reports and the bans, read when the panel opens and after each change.
  #reports: MessageReport[] = [];
  #bans: GroupBan[] = [];
  #moderationRead = false;
  // The code last copied: a redraw (any member or name change) keeps saying so.
  #copiedCode?: string;

  constructor(
    readonly app: ChatApp,
    readonly chatId: number,
    readonly hide: () => void,
    /** Takes a group read after a change; the chat draws it, unless a newer one was drawn already. */
    readonly apply: (group: Group) => void,
  ) {}

  close(): void {
    this.#panel.hidden = true;
    this.#panel.replaceChildren();
  }

  render(group: Group): void {
    this.#group = group;
    const me = this.app.me.username;
    const isAdmin = group.admins.includes(me);
    const isOwner = group.owner === me;
    // Drawn again after each change: keep focus where it was, or on the heading if that control went.
    const active = document.activeElement as HTMLElement | null;
    const focused = active && this.#panel.contains(active) ? (active.id ? `#${CSS.escape(active.id)}` : active.dataset.key ? `[data-key="${CSS.escape(active.dataset.key)}"]` : "h2") : undefined;
    // What someone is typing survives the redraw (changes by others redraw the panel at any time),
    // and so do the caret and selection: text selected to be replaced must still be replaced.
    const typed = new Map([...this.#panel.querySelectorAll<HTMLInputElement>("input[id]")]
      .filter((input) => input.value !== input.defaultValue).map((input) => [input.id, input.value]));
    const selection = active instanceof HTMLInputElement && focused && active.selectionStart !== null
      ? { start: active.selectionStart, end: active.selectionEnd ?? active.selectionStart, direction: active.selectionDirection ?? undefined }
      : undefined;
    this.#error.textContent = "";
    this.#panel.replaceChildren(...[
      h("header", { class: "ce-details-head" },
        h("h2", { text: "Group details", attrs: { id: "ce-details-title", tabindex: -1 } }),
        h("button", { class: "ce-secondary", text: "Close", attrs: { type: "button", "aria-label": "Close group details" }, on: { click: () => this.hide() } })),
      this.#error,
      isAdmin ? this.#form("ce-rename", "Group name", "Rename", group.name, (name) => this.app.client.renameGroup(this.chatId, name))
        : h("p", { class: "ce-group-name", text: group.name }),
      h("h3", { text: `Members (${group.members.length})` }),
      h("ul", { class: "ce-members" }, ...group.members.map((name) => this.#member(name, group, isAdmin))),
      isAdmin ? this.#form("ce-add-members", "Add members (usernames, comma-separated)", "Add", "",
        (names) => this.app.client.addMembers(this.chatId, names.split(",").map((n) => n.trim()).filter(Boolean))) : null,
      isAdmin ? this.#joinCode(group.code ?? null) : null,
      isAdmin ? this.#reportList() : null,
      isAdmin && this.#bans.length > 0 ? this.#banList() : null,
      h("div", { class: "ce-danger" },
        h("button", { class: "ce-secondary", text: "Leave group", attrs: { type: "button" }, on: { click: () => void this.#leave() } }),
        isOwner ? h("button", { class: "ce-danger-button", text: "Delete group", attrs: { type: "button" }, on: { click: () => void this.#delete() } }) : null),
    ].filter((child) => child !== null));
    for (const [id, value] of typed) {
      const input = document.getElementById(id) as HTMLInputElement | null;
      if (input && id !== this.#submitted) input.value = value;
    }
    this.#submitted = undefined;
    if (focused) {
      const target = this.#panel.querySelector<HTMLElement>(focused) ?? this.#panel.querySelector<HTMLElement>("h2");
      target?.focus();
      if (selection && target instanceof HTMLInputElement && target.id === active?.id) target.setSelectionRange(selection.start, selection.end, selection.direction);
    }
    if (isAdmin && !this.#moderationRead) void this.refreshModeration();
  }

  /** Reads the open reports and bans again (admins), then draws the panel with them. */
  async refreshModeration(): Promise<void> {
    this.#moderationRead = true;
    try {
      [this.#reports, this.#bans] = await Promise.all([this.app.client.listReports(this.chatId), this.app.client.listBans(this.chatId)]);
    } catch {
      return; // No longer an admin: the next group read draws the panel without them.
    }
    if (this.#group && !this.#panel.hidden) this.render(this.#group);
  }

  #reportList(): HTMLElement {
    return h("section", { class: "ce-reports", attrs: { "aria-labelledby": "ce-reports-title" } },
      h("h3", { text: `Reports (${this.#reports.length})`, attrs: { id: "ce-reports-title" } }),
      this.#reports.length === 0 ? h("p", { text: "No open reports." }) : h("ul", {}, ...this.#reports.map((report) => h("li", { data: { reportId: report.id } },
        h("p", { class: "ce-report-quote", text: `${report.message.sender_username}: ${report.message.text}` }),
        h("p", { class: "ce-report-meta", text: `${report.reason} · reported by ${report.reporter_username}${report.note ? ` · “${report.note}”` : ""}` }),
        h("div", { class: "ce-actions" },
          this.#action("Delete message", ` by ${report.message.sender_username}`, async () => {
            await this.app.client.deleteMessage(this.chatId, report.message.id).catch(() => undefined); // Deleted already: resolve all the same.
            await this.app.client.resolveReport(this.chatId, report.id);
          }),
          this.#action("Dismiss", ` the report of ${report.message.sender_username}'s message`, () => this.app.client.resolveReport(this.chatId, report.id)))))));
  }

  #banList(): HTMLElement {
    return h("section", { class: "ce-bans", attrs: { "aria-labelledby": "ce-bans-title" } },
      h("h3", { text: `Banned (${this.#bans.length})`, attrs: { id: "ce-bans-title" } }),
      h("ul", {}, ...this.#bans.map((ban) => h("li", { data: { username: ban.username } },
        h("span", { class: "ce-member-name", text: ban.username }),
        h("span", { class: "ce-role", text: ban.until ? `until ${listTime(ban.until)}` : "for good" }),
        this.#action("Lift ban", ` of ${ban.username}`, () => this.app.client.unban(this.chatId, ban.username))))));
  }

  #member(name: string, group: Group, isAdmin: boolean): HTMLLIElement {
    const role = group.owner === name ? "owner" : group.admins.includes(name) ? "admin" : "member";
    const me = name === this.app.me.username;
    const mayChange = isAdmin && !me && role !== "owner";
    const mute = group.muted?.find((m) => m.username === name);
    return h("li", { data: { username: name } },
      avatar(name),
      h("span", { class: "ce-member-name", text: me ? `${name} (you)` : name }),
      role === "member" ? null : h("span", { class: "ce-role", text: role }),
      mute ? h("span", { class: "ce-role ce-muted", text: mute.until ? `muted until ${listTime(mute.until)}` : "muted" }) : null,
      mayChange && !mute ? this.#action("Mute", ` ${name} for 1 hour`, () => this.app.client.mute(this.chatId, name, new Date(Date.now() + 3_600_000).toISOString())) : null,
      mayChange && mute ? this.#action("Unmute", ` ${name}`, () => this.app.client.unmute(this.chatId, name)) : null,
      mayChange ? this.#action("Ban", ` ${name} from the group`, () => confirm(`Ban ${name}? They are removed and cannot rejoin until you lift the ban.`)
        ? this.app.client.ban(this.chatId, name) : Promise.resolve()) : null,
      mayChange && role === "member" ? this.#action("Promote", ` ${name} to admin`, () => this.app.client.promote(this.chatId, name)) : null,
      mayChange && role === "admin" ? this.#action("Demote", ` ${name} to member`, () => this.app.client.demote(this.chatId, name)) : null,
      mayChange ? this.#action("Remove", ` ${name} from the group`, () => this.app.client.removeMember(this.chatId, name)) : null);
  }

  #joinCode(code: string | null): HTMLElement {
    const value = h("code", { attrs: { id: "ce-join-code-value" }, text: code ?? "" });
    return h("section", { class: "ce-code", attrs: { "aria-labelledby": "ce-code-title" } },
      h("h3", { text: "Join code", attrs: { id: "ce-code-title" } }),
      code ? h("p", {}, "Anyone with this code can join: ", value) : h("p", { text: "Joining by code is off." }),
      h("div", { class: "ce-actions" },
        code ? h("button", {
          class: "ce-secondary", text: this.#copiedCode === code ? "Copied" : "Copy code", attrs: { type: "button", id: "ce-copy-code" },
          on: {
            click: (event) => void navigator.clipboard?.writeText(code).then(() => {
              this.#copiedCode = code;
              (event.target as HTMLElement).textContent = "Copied";
            }, () => this.#fail("Copying is not allowed here; select the code instead.")),
          },
        }) : null,
        this.#action(code ? "New code" : "Turn on", code ? "" : " joining by code", () => this.app.client.regenerateJoinCode(this.chatId)),
        code ? this.#action("Turn off", " joining by code", () => this.app.client.revokeJoinCode(this.chatId)) : null));
  }

  /** A button whose visible words start its accessible name; the rest (whom it acts on) is for screen readers. */
  #action(visible: string, unseen: string, call: () => Promise<unknown>): HTMLButtonElement {
    return h("button", { class: "ce-secondary", attrs: { type: "button" }, data: { key: visible + unseen }, on: { click: () => void this.#run(call) } },
      visible, unseen ? h("span", { class: "ce-visually-hidden", text: unseen }) : null);
  }

  #form(id: string, label: string, button: string, value: string, call: (value: string) => Promise<unknown>): HTMLFormElement {
    const input = h("input", { attrs: { id: `${id}-input`, autocomplete: "off", required: true, maxlength: 500 } });
    input.defaultValue = value;
    const form = h("form", { class: "ce-inline-form", attrs: { id } },
      h("label", { text: label, attrs: { for: `${id}-input` } }),
      h("div", { class: "ce-inline" }, input, h("button", { text: button, attrs: { type: "submit" } })));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.#run(() => call(input.value.trim()), input.id);
    });
    return form;
  }

  /** Runs an admin call, then reads the group again; a refusal shows in the API's words. */
  async #run(call: () => Promise<unknown>, field?: string): Promise<void> {
    try {
      await call();
      this.#submitted = field;
      this.#moderationRead = false; // Reports and bans may have changed too: read with the next draw.
      this.apply(await this.app.client.getGroup(this.chatId, { limit: 1, markRead: false }));
      this.app.refreshSoon();
    } catch (error) {
      this.#fail(describe(error));
    }
  }

  #fail(text: string): void {
    this.#error.textContent = text;
  }

  async #leave(): Promise<void> {
    if (!confirm(`Leave ${this.#group?.name ?? "this group"}?`)) return;
    try {
      await this.app.client.leaveGroup(this.chatId);
      this.app.back();
      await this.app.refreshList();
    } catch (error) {
      this.#fail(describe(error));
    }
  }

  async #delete(): Promise<void> {
    if (!confirm(`Delete ${this.#group?.name ?? "this group"} and its history for everyone?`)) return;
    try {
      await this.app.client.deleteGroup(this.chatId);
      this.app.back();
      await this.app.refreshList();
    } catch (error) {
      this.#fail(describe(error));
    }
  }
}
